import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planRegistration } from "../../src/domain/device-policy.js";
import type { Device, DeviceState, DeviceType } from "../../src/domain/model.js";

// Rule 5 (device classes) and its detail "at most one ACTIVE and one INACTIVE", decided
// by planRegistration without a server or a database. test/integration/device-classes
// proves the same through the store's locks and the partial unique index (rule 4).

let serial = 0;
function device(deviceType: DeviceType, state: DeviceState): Device {
  serial += 1;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, serial));
  return {
    id: `device-${serial}`,
    userId: "user-1",
    appId: "app-1",
    platform: "IOS",
    deviceType,
    state,
    stateReason: state === "INACTIVE" ? "PHONE_PREFERRED" : "NEW_DEVICE",
    model: "",
    osVersion: "",
    appVersion: "",
    sdkVersion: "",
    registrationCodeHash: `hash-${serial}`,
    createdAt: at,
    stateChangedAt: at,
    lastSeenAt: null,
  };
}

type Slot = DeviceType | null;
const SLOTS: readonly Slot[] = [null, "PHONE", "TABLET"];
const NEW_TYPES: readonly DeviceType[] = ["PHONE", "TABLET"];

/** Every live set a user can have (one ACTIVE and one INACTIVE slot) × every new device. */
const MATRIX = SLOTS.flatMap((active) =>
  SLOTS.flatMap((inactive) => NEW_TYPES.map((newType) => ({ active, inactive, newType }))),
);

describe("planRegistration: the device-class matrix (rule 5)", () => {
  it("covers all 18 combinations", () => {
    expect(MATRIX).toHaveLength(18);
  });

  it.each(MATRIX)(
    "live ACTIVE $active, INACTIVE $inactive, new $newType",
    ({ active, inactive, newType }) => {
      const activeDevice = active === null ? null : device(active, "ACTIVE");
      const inactiveDevice = inactive === null ? null : device(inactive, "INACTIVE");
      const live = [activeDevice, inactiveDevice].filter((d): d is Device => d !== null);

      const plan = planRegistration(newType, live);

      if (newType === "TABLET" && active === "PHONE") {
        // The phone is preferred: it stays, the tablet waits, an older waiting device goes.
        expect(plan.newState).toBe("INACTIVE");
        expect(plan.newReason).toBe("PHONE_PREFERRED");
        expect(plan.replacedDeviceIds).toEqual(inactiveDevice === null ? [] : [inactiveDevice.id]);
        expect(plan.replacedDeviceIds).not.toContain(activeDevice!.id);
      } else {
        // A phone always wins; a tablet wins over a tablet or nothing. Every live device goes.
        expect(plan.newState).toBe("ACTIVE");
        expect(plan.newReason).toBe("NEW_DEVICE");
        expect([...plan.replacedDeviceIds].sort()).toEqual(live.map((d) => d.id).sort());
      }
    },
  );

  it("replaces every older waiting registration, even more than one", () => {
    const phone = device("PHONE", "ACTIVE");
    const waiting = [device("TABLET", "INACTIVE"), device("TABLET", "INACTIVE")];
    const plan = planRegistration("TABLET", [phone, ...waiting]);
    expect(plan.newState).toBe("INACTIVE");
    expect(plan.replacedDeviceIds).toEqual(waiting.map((d) => d.id));
  });

  it("does not read the order of its input", () => {
    const phone = device("PHONE", "ACTIVE");
    const tablet = device("TABLET", "INACTIVE");
    expect(planRegistration("TABLET", [tablet, phone])).toEqual(planRegistration("TABLET", [phone, tablet]));
  });
});

/** Steps a user's devices can take: a registration, or a live device leaving (reset, disable, ...). */
type Step = { kind: "register"; deviceType: DeviceType } | { kind: "leave"; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(...NEW_TYPES).map((deviceType) => ({ kind: "register" as const, deviceType })),
  },
  { weight: 1, arbitrary: fc.nat(10).map((pick) => ({ kind: "leave" as const, pick })) },
);

describe("planRegistration applied over any history", () => {
  it("leaves at most one ACTIVE and at most one INACTIVE device, and the new device as rule 5 says", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let devices: Device[] = [];
        for (const s of steps) {
          const live = devices.filter((d) => d.state === "ACTIVE" || d.state === "INACTIVE");
          if (s.kind === "leave") {
            const leaving = live[s.pick % Math.max(live.length, 1)];
            if (leaving !== undefined) {
              devices = devices.map((d) => (d.id === leaving.id ? { ...d, state: "RESET" as const } : d));
            }
            continue;
          }
          const plan = planRegistration(s.deviceType, live);
          // Only live devices are ever replaced.
          for (const id of plan.replacedDeviceIds) expect(live.map((d) => d.id)).toContain(id);
          const activeBefore = live.find((d) => d.state === "ACTIVE");
          devices = devices.map((d) =>
            plan.replacedDeviceIds.includes(d.id) ? { ...d, state: "DEACTIVATED" as const } : d,
          );
          devices.push({ ...device(s.deviceType, plan.newState), stateReason: plan.newReason });

          const waitsForPhone = s.deviceType === "TABLET" && activeBefore?.deviceType === "PHONE";
          expect(plan.newState).toBe(waitsForPhone ? "INACTIVE" : "ACTIVE");
          if (waitsForPhone) expect(devices.find((d) => d.id === activeBefore.id)?.state).toBe("ACTIVE");
          expect(devices.filter((d) => d.state === "ACTIVE").length).toBeLessThanOrEqual(1);
          expect(devices.filter((d) => d.state === "INACTIVE").length).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 500 },
    );
  });
});
