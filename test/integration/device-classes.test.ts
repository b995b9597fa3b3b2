import { describe, expect, it } from "vitest";
import { DeviceState, DeviceType, StateReason } from "../../src/gen/userlink/v1/types.js";
import { createAppWithKey, phone, tablet } from "../support/flow.js";
import { BACKENDS, useInstance, type TestInstance } from "../support/userlink-server.js";

type Kind = "phone" | "tablet";
const {
  DEVICE_STATE_ACTIVE: ACTIVE,
  DEVICE_STATE_INACTIVE: INACTIVE,
  DEVICE_STATE_DEACTIVATED: DEACTIVATED,
} = DeviceState;
const {
  STATE_REASON_NEW_DEVICE: NEW_DEVICE,
  STATE_REASON_PHONE_PREFERRED: PHONE_PREFERRED,
  STATE_REASON_REPLACED_BY_NEWER_DEVICE: REPLACED,
} = StateReason;

/**
 * Rule 5, every case: the devices registered in order, and the state each one ends in.
 * A newer registration also supersedes every older non-active one.
 */
const MATRIX: { name: string; devices: Kind[]; expected: [DeviceState, StateReason][] }[] = [
  {
    name: "phone, then phone",
    devices: ["phone", "phone"],
    expected: [
      [DEACTIVATED, REPLACED],
      [ACTIVE, NEW_DEVICE],
    ],
  },
  {
    name: "tablet, then phone",
    devices: ["tablet", "phone"],
    expected: [
      [DEACTIVATED, REPLACED],
      [ACTIVE, NEW_DEVICE],
    ],
  },
  {
    name: "phone, then tablet",
    devices: ["phone", "tablet"],
    expected: [
      [ACTIVE, NEW_DEVICE],
      [INACTIVE, PHONE_PREFERRED],
    ],
  },
  {
    name: "tablet, then tablet",
    devices: ["tablet", "tablet"],
    expected: [
      [DEACTIVATED, REPLACED],
      [ACTIVE, NEW_DEVICE],
    ],
  },
  { name: "a first tablet", devices: ["tablet"], expected: [[ACTIVE, NEW_DEVICE]] },
  {
    name: "phone, tablet, tablet: the newer inactive tablet supersedes the older one",
    devices: ["phone", "tablet", "tablet"],
    expected: [
      [ACTIVE, NEW_DEVICE],
      [DEACTIVATED, REPLACED],
      [INACTIVE, PHONE_PREFERRED],
    ],
  },
  {
    name: "phone, tablet, phone: the new phone replaces the phone and the inactive tablet",
    devices: ["phone", "tablet", "phone"],
    expected: [
      [DEACTIVATED, REPLACED],
      [DEACTIVATED, REPLACED],
      [ACTIVE, NEW_DEVICE],
    ],
  },
];

describe.each(BACKENDS)("device classes, rule 5 (%s)", (backend) => {
  let server: TestInstance;
  let apiKey: string;

  useInstance(backend, async (started) => {
    ({ server } = started);
    ({ apiKey } = await createAppWithKey(server));
  });

  it.each(MATRIX)("$name", async ({ name, devices, expected }) => {
    const externalUserId = `matrix ${name}`;
    const ids: string[] = [];
    for (const kind of devices) {
      const { authenticationCode } = await server.link(apiKey).requestAuthCode({ externalUserId });
      const created = await server
        .device()
        .createUser({ ...(kind === "phone" ? phone() : tablet()), authenticationCode });
      ids.push(created.deviceId);
    }
    const { user } = await server
      .link(apiKey)
      .getUser({ user: { $case: "externalUserId", value: externalUserId } });
    const byId = new Map(user!.devices.map((d) => [d.deviceId, d]));
    expect(ids.map((id) => [byId.get(id)!.state, byId.get(id)!.stateReason])).toEqual(expected);
  });

  it("ends concurrent restorations on phones and tablets with the one active device the rules pick", async () => {
    const externalUserId = "concurrent restorations";
    const codes = await Promise.all(
      Array.from({ length: 10 }, () => server.link(apiKey).requestAuthCode({ externalUserId })),
    );
    const results = await Promise.all(
      codes.map((c, i) =>
        server
          .device()
          .createUser({ ...(i % 3 === 0 ? phone() : tablet()), authenticationCode: c.authenticationCode }),
      ),
    );
    const { user } = await server
      .link(apiKey)
      .getUser({ user: { $case: "externalUserId", value: externalUserId } });
    const active = user!.devices.filter((d) => d.state === ACTIVE);
    expect(active).toHaveLength(1);
    // A phone took part, so a phone must hold the user.
    expect(active[0]!.deviceType).toBe(DeviceType.DEVICE_TYPE_PHONE);
    expect(user!.devices.filter((d) => d.state === INACTIVE).length).toBeLessThanOrEqual(1);
    expect(new Set(results.map((r) => r.userId)).size).toBe(1);
  });
});
