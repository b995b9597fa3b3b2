import { status as GrpcStatus } from "@grpc/grpc-js";
import fc from "fast-check";
import { Metadata, Status, createClient } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { HealthDefinition } from "nice-grpc-server-health";
import { createAppWithKey, linkDevice } from "../support/flow.js";
import { rawGrpcWeb } from "../support/grpc-web-raw.js";
import { createStorage, startInstance, type Storage, type TestInstance } from "../support/userlink-server.js";
import { RawOutcome, runFieldProperties } from "./support/field-properties.js";
import { bytesFor, grpcWebFrames } from "./support/fuzz-arbitraries.js";
import { outcomeOf } from "./support/outcomes.js";
import { RawGrpc } from "./support/raw-calls.js";
import { METHODS } from "./support/raw-methods.js";
import { refusalCases } from "./support/refusal-cases.js";
import { byProfile, report } from "./support/report.js";

const RUNS = byProfile(150, 1_000);
const RAW_RUNS = byProfile(120, 800);

describe("bad input: every field, raw bytes over gRPC and gRPC-Web (real)", () => {
  let storage: Storage & { destroy(): Promise<void> };
  let server: TestInstance;
  let apiKey: string;
  let appId: string;
  let accessToken: string;
  let goneToken: string;
  let raw: RawGrpc;
  const tally: Record<string, number> = {};
  let inputs = 0;
  const count = (outcome: string) => {
    inputs++;
    tally[outcome] = (tally[outcome] ?? 0) + 1;
  };
  /** A bad answer: INTERNAL or UNKNOWN, or an error without its ErrorInfo. */
  const bad = (outcome: string) =>
    /^(INTERNAL|UNKNOWN|THREW)\//.test(outcome) || (outcome !== "OK" && outcome.endsWith("/-"));

  beforeAll(async () => {
    storage = await createStorage("real");
    server = await startInstance(storage, {
      USERLINK_RATE_KEY_MAX: "0",
      USERLINK_RATE_CREATE_USER_FAILURES_MAX: "0",
    });
    ({ apiKey, appId } = await createAppWithKey(server));
    accessToken = (await linkDevice(server, apiKey, "fuzzed-device")).credentials!.accessToken;
    const gone = await linkDevice(server, apiKey, "reset-device");
    await server.device(gone.credentials!.accessToken).resetDevice({});
    goneToken = gone.credentials!.accessToken;
    raw = new RawGrpc(server.address);
  });
  afterAll(async () => {
    raw?.close();
    await server?.stop();
    await storage?.destroy();
  });

  async function expectServing(): Promise<void> {
    const health = await createClient(HealthDefinition, server.raw()).check({ service: "" });
    expect(health.status).toBe(1);
    const created = await linkDevice(server, apiKey, `still-serving-${inputs}`);
    expect(created.userId).not.toBe("");
  }

  /** Records an outcome the call already named (raw calls). */
  const named = (error: unknown) => (error instanceof RawOutcome ? error.outcome : outcomeOf(error));

  /** Runs one property over a method: whatever the input, the answer is not INTERNAL/UNKNOWN. */
  async function property<T>(name: string, arbitrary: fc.Arbitrary<T>, call: (value: T) => Promise<unknown>) {
    const seen: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(arbitrary, async (value) => {
        const outcome = await call(value).then(() => "OK", named);
        count(outcome);
        seen[outcome] = (seen[outcome] ?? 0) + 1;
        return !bad(outcome);
      }),
      { numRuns: RUNS },
    );
    return seen;
  }

  it("answers generated values in every field of every request without INTERNAL", async () => {
    const device = server.device(accessToken);
    const started = performance.now();
    const before = inputs;
    await runFieldProperties(server, { apiKey, appId, adminToken: storage.adminToken }, raw, property);
    expect(device).toBeDefined();
    await expectServing();
    report("bad input: generated field values (fast-check)", {
      inputs: inputs - before,
      runs_per_property: RUNS,
      internal_or_unknown: badCount(tally),
      crashes: 0,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    });
  });

  const headers = (auth: string, deviceToken: string): Record<string, string> =>
    auth === "key"
      ? { authorization: `Bearer ${apiKey}` }
      : auth === "device"
        ? { authorization: `Bearer ${deviceToken}` }
        : auth === "admin"
          ? { authorization: `Bearer ${storage.adminToken}` }
          : {};

  it("answers random and mutated bytes on every method over gRPC without INTERNAL", async () => {
    const started = performance.now();
    const before = inputs;
    const perMethod: Record<string, number> = {};
    for (const method of METHODS) {
      await fc.assert(
        fc.asyncProperty(bytesFor(method.valid), async (body) => {
          const code = await raw.call(method.path, body, headers(method.auth, accessToken), method.stream);
          const outcome = `${GrpcStatus[code]}/raw`;
          count(outcome);
          perMethod[outcome] = (perMethod[outcome] ?? 0) + 1;
          return code !== GrpcStatus.INTERNAL && code !== GrpcStatus.UNKNOWN;
        }),
        { numRuns: RAW_RUNS },
      );
    }
    await expectServing();
    report("bad input: random and mutated bytes over gRPC", {
      methods: METHODS.length,
      inputs: inputs - before,
      internal_or_unknown: badCount(perMethod),
      crashes: 0,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    });
  });

  it("answers random and mutated bytes and frames on every method over gRPC-Web without INTERNAL", async () => {
    const started = performance.now();
    let tried = 0;
    let failures = 0;
    const statuses: Record<string, number> = {};
    for (const method of METHODS) {
      await fc.assert(
        fc.asyncProperty(grpcWebFrames(method.valid), async ({ body, text: textMode }) => {
          // Through gRPC-Web, a device token that is no longer valid: an open stream would never end.
          const answer = await rawGrpcWeb(server.grpcWebUrl, {
            path: method.path,
            body: typeof body === "string" ? body : body,
            text: textMode,
            headers: headers(method.auth, goneToken),
          });
          tried++;
          const name = `${answer.httpStatus}/${answer.status ?? "none"}`;
          statuses[name] = (statuses[name] ?? 0) + 1;
          const ok = answer.httpStatus < 500 && answer.status !== 2 && answer.status !== 13;
          if (!ok) failures++;
          return ok;
        }),
        { numRuns: RAW_RUNS },
      );
    }
    inputs += tried;
    await expectServing();
    report("bad input: random and mutated bytes and frames over gRPC-Web", {
      methods: METHODS.length,
      inputs: tried,
      internal_or_unknown: failures,
      crashes: 0,
      statuses: Object.entries(statuses)
        .map(([k, v]) => `${k}:${v}`)
        .join(","),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    });
  });

  it("refuses oversize messages, invalid UTF-8, deep nesting and huge repeated fields with INVALID_ARGUMENT", async () => {
    const cases = await refusalCases(server, { apiKey, appId, adminToken: storage.adminToken });

    const outcomes: string[] = [];
    for (const c of cases) {
      const code = await raw.call(c.path, c.body, c.metadata);
      count(`${GrpcStatus[code]}/raw`);
      outcomes.push(`${c.name}: ${GrpcStatus[code]}`);
      expect
        .soft(
          c.expect.map((s) => GrpcStatus[s]),
          c.name,
        )
        .toContain(GrpcStatus[code]);
    }
    // Through the generated client too. ts-proto's decoder stops at 100 nested messages
    // (a Struct level is three: Struct, entry, Value), so 30 levels pass and 200 do not.
    const nest = (depth: number) => {
      const root: Record<string, unknown> = {};
      let cursor = root;
      for (let i = 0; i < depth; i++) cursor = (cursor.a = {}) as Record<string, unknown>;
      return root;
    };
    const shallow = await server.admin
      .createApp({ displayName: "deep", sdkConfig: nest(30) })
      .then(() => "OK", outcomeOf);
    expect(shallow).toBe("OK");
    const deepError = await server.admin.createApp({ displayName: "deep", sdkConfig: nest(200) }).then(
      () => null,
      (e: Error) => e,
    );
    const deep = outcomeOf(deepError ?? undefined);
    expect(deep).toBe("INVALID_ARGUMENT/INVALID_ARGUMENT");
    expect(deepError?.message).toContain("nests messages too deeply");
    const nul = await server.admin
      .createApp({ displayName: "nul", sdkConfig: { "k\u0000": "v\u0000" } })
      .then(() => "OK", outcomeOf);
    expect(nul).toBe("INVALID_ARGUMENT/INVALID_ARGUMENT");
    const huge = await createClient(AdminServiceDefinition, server.raw(), {
      "*": { metadata: Metadata({ authorization: `Bearer ${storage.adminToken}` }) },
    })
      .createApiKey({ appId, name: "k", scopes: Array.from({ length: 100_000 }, () => 1) })
      .then(
        () => Status.OK,
        (e: { code: Status }) => e.code,
      );
    expect(huge).toBe(Status.INVALID_ARGUMENT);
    await expectServing();
    report("bad input: oversize, invalid UTF-8, deep and huge repeated fields", {
      inputs: cases.length + 3,
      internal_or_unknown: outcomes.filter((o) => /: (INTERNAL|UNKNOWN)$/.test(o)).length,
      struct_30_deep_via_client: shallow,
      struct_200_deep_via_client: deep,
      nul_in_sdk_config: nul,
      crashes: 0,
    });
    report("bad input: all", {
      inputs,
      internal_or_unknown: badCount(tally),
      crashes: 0,
      server_serving: true,
    });
    expect(badCount(tally)).toBe(0);
  });
});

function badCount(tally: Record<string, number>): number {
  return Object.entries(tally)
    .filter(([name]) => /^(INTERNAL|UNKNOWN|THREW)\//.test(name))
    .reduce((sum, [, n]) => sum + n, 0);
}
