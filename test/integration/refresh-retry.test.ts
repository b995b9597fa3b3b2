import { randomUUID } from "node:crypto";
import { Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/ports/clock.js";
import { DeviceState } from "../../src/gen/userlink/v1/types.js";
import { createAppWithKey, expectGrpcError, linkDevice } from "../support/flow.js";
import { queryDb } from "../support/inspect-db.js";
import {
  BACKENDS,
  createStorage,
  startInstance,
  type OwnedStorage,
  type TestInstance,
} from "../support/userlink-server.js";

/** The system clock, moved forward by `offsetMs`: both instances read the same one. */
class MovableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const WINDOW_SECONDS = 60;
const reused = { code: Status.UNAUTHENTICATED, reason: "CREDENTIALS_REUSED" };
const deactivatedForReuse = {
  code: Status.UNAUTHENTICATED,
  reason: "DEVICE_DEACTIVATED",
  metadata: { state_reason: "STATE_REASON_CREDENTIALS_REUSED" },
};

for (const backend of BACKENDS) {
  describe(`RefreshCredentials retried with its request_id (${backend})`, () => {
    const clock = new MovableClock();
    let storage: OwnedStorage;
    let a: TestInstance;
    /** A second instance on the same storage (real only; the embedded default is one process). */
    let b: TestInstance;
    let apiKey: string;

    beforeAll(async () => {
      storage = await createStorage(backend);
      const env = { USERLINK_REFRESH_RETRY_WINDOW_SECONDS: String(WINDOW_SECONDS) };
      a = await startInstance(storage, env, { clock });
      b = backend === "real" ? await startInstance(storage, env, { clock }) : a;
      ({ apiKey } = await createAppWithKey(a));
    });
    afterAll(async () => {
      await a?.stop();
      if (b !== a) await b?.stop();
      await storage?.destroy();
    });

    /** A new device and the answer of its first refresh, which the test treats as lost. */
    async function refreshedOnce(requestId: string) {
      const created = await linkDevice(a, apiKey, `retry-${randomUUID()}`);
      const sent = created.credentials!;
      const lost = (await a.device().refreshCredentials({ refreshToken: sent.refreshToken, requestId }))
        .credentials!;
      return { created, sent, lost };
    }

    async function expectActive(accessToken: string, deviceId: string) {
      const status = await a.device(accessToken).getDeviceStatus({});
      expect(status).toMatchObject({ deviceId, deviceState: DeviceState.DEVICE_STATE_ACTIVE });
    }

    it("answers the same request_id within the window with fresh credentials; the lost ones stop working", async () => {
      const requestId = randomUUID();
      const { created, sent, lost } = await refreshedOnce(requestId);
      clock.offsetMs += (WINDOW_SECONDS - 5) * 1000;
      try {
        const retried = (await b.device().refreshCredentials({ refreshToken: sent.refreshToken, requestId }))
          .credentials!;
        expect(retried.accessToken).not.toBe(lost.accessToken);
        expect(retried.refreshToken).not.toBe(lost.refreshToken);
        await expectActive(retried.accessToken, created.deviceId);
        // The lost answer's access token no longer resolves.
        await expectGrpcError(a.device(lost.accessToken).getDeviceStatus({}), {
          code: Status.UNAUTHENTICATED,
          reason: "DEVICE_TOKEN_INVALID",
        });
        // A second retry of the same refresh is still that refresh.
        const again = (await a.device().refreshCredentials({ refreshToken: sent.refreshToken, requestId }))
          .credentials!;
        await expectGrpcError(b.device(retried.accessToken).getDeviceStatus({}), {
          code: Status.UNAUTHENTICATED,
          reason: "DEVICE_TOKEN_INVALID",
        });
        // And the device goes on rotating as usual.
        const next = (await b.device().refreshCredentials({ refreshToken: again.refreshToken })).credentials!;
        await expectActive(next.accessToken, created.deviceId);
        if (backend === "real") {
          const kinds = await queryDb<{ kind: string }>(
            storage,
            "select kind from audit_events where device_id = $1 and kind like 'device.credentials%' order by id",
            [created.deviceId],
          );
          expect(kinds.map((k) => k.kind)).toEqual([
            "device.credentials_refreshed",
            "device.credentials_refresh_retried",
            "device.credentials_refresh_retried",
            "device.credentials_refreshed",
          ]);
        }
        // Once a newer rotation happened, the old token with its id is plain reuse.
        await expectGrpcError(
          a.device().refreshCredentials({ refreshToken: sent.refreshToken, requestId }),
          reused,
        );
        await expectGrpcError(a.device(next.accessToken).getDeviceStatus({}), deactivatedForReuse);
      } finally {
        clock.offsetMs = 0;
      }
    });

    it("treats the same request_id after the window as reuse", async () => {
      const requestId = randomUUID();
      const { sent, lost } = await refreshedOnce(requestId);
      clock.offsetMs += (WINDOW_SECONDS + 1) * 1000;
      try {
        await expectGrpcError(
          b.device().refreshCredentials({ refreshToken: sent.refreshToken, requestId }),
          reused,
        );
        await expectGrpcError(a.device(lost.accessToken).getDeviceStatus({}), deactivatedForReuse);
      } finally {
        clock.offsetMs = 0;
      }
    });

    it("treats a different or missing request_id as reuse", async () => {
      for (const retryId of [randomUUID(), ""]) {
        const { sent, lost } = await refreshedOnce(randomUUID());
        await expectGrpcError(
          b.device().refreshCredentials({ refreshToken: sent.refreshToken, requestId: retryId }),
          reused,
        );
        await expectGrpcError(a.device(lost.accessToken).getDeviceStatus({}), deactivatedForReuse);
      }
      // A first refresh without an id cannot be retried at all.
      const { sent, lost } = await refreshedOnce("");
      await expectGrpcError(a.device().refreshCredentials({ refreshToken: sent.refreshToken }), reused);
      await expectGrpcError(a.device(lost.accessToken).getDeviceStatus({}), deactivatedForReuse);
    });

    it("treats the lost answer's refresh token, superseded by a retry, as reuse", async () => {
      const requestId = randomUUID();
      const { sent, lost } = await refreshedOnce(requestId);
      const retried = (await a.device().refreshCredentials({ refreshToken: sent.refreshToken, requestId }))
        .credentials!;
      // Nobody should hold it but whoever intercepted the answer.
      await expectGrpcError(b.device().refreshCredentials({ refreshToken: lost.refreshToken }), reused);
      await expectGrpcError(a.device(retried.accessToken).getDeviceStatus({}), deactivatedForReuse);
    });

    it("recognises every older token of the family as reuse, not only the previous one", async () => {
      const created = await linkDevice(a, apiKey, `older-${randomUUID()}`);
      const tokens = [created.credentials!];
      for (let i = 0; i < 5; i++) {
        const { credentials } = await a.device().refreshCredentials({
          refreshToken: tokens.at(-1)!.refreshToken,
          requestId: randomUUID(),
        });
        tokens.push(credentials!);
      }
      await expectGrpcError(b.device().refreshCredentials({ refreshToken: tokens[1]!.refreshToken }), reused);
      await expectGrpcError(a.device(tokens.at(-1)!.accessToken).getDeviceStatus({}), deactivatedForReuse);
    });

    it("lets one of concurrent refreshes with different request_ids win and deactivates the device", async () => {
      const created = await linkDevice(a, apiKey, `race-${randomUUID()}`);
      const refreshToken = created.credentials!.refreshToken;
      const results = await Promise.allSettled([
        a.device().refreshCredentials({ refreshToken, requestId: randomUUID() }),
        b.device().refreshCredentials({ refreshToken, requestId: randomUUID() }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      await expectGrpcError(Promise.reject(lost[0]!.reason), reused);
      const winner = (won[0] as PromiseFulfilledResult<{ credentials?: { accessToken: string } }>).value;
      await expectGrpcError(
        a.device(winner.credentials!.accessToken).getDeviceStatus({}),
        deactivatedForReuse,
      );
    });

    it("refuses a request_id that is too long or not text, naming the field", async () => {
      const created = await linkDevice(a, apiKey, `bad-id-${randomUUID()}`);
      const refreshToken = created.credentials!.refreshToken;
      for (const requestId of ["x".repeat(129), "a\u0000b", "é".repeat(65)]) {
        await expectGrpcError(a.device().refreshCredentials({ refreshToken, requestId }), {
          code: Status.INVALID_ARGUMENT,
          reason: "INVALID_ARGUMENT",
          fields: ["request_id"],
        });
      }
      // Bad input burns nothing: the token still rotates, with an id of the longest size.
      const { credentials } = await a
        .device()
        .refreshCredentials({ refreshToken, requestId: "y".repeat(128) });
      await expectActive(credentials!.accessToken, created.deviceId);
    });
  });
}
