import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuditActor } from "../../src/domain/audit.js";
import {
  planDeviceTransition,
  type DeviceIntent,
  type DeviceTransition,
  type TransitionInput,
} from "../../src/domain/device-transitions.js";
import type { Device, DeviceState, DeviceType, User } from "../../src/domain/model.js";

// Every device change (rules 5, 7, 8, 9, 10) as planDeviceTransition decides it, with
// no server and no database: the state changes, the audit records with their actor and
// the announcements. test/integration/{device-classes,lifecycle} prove the same through
// a live server and the store.

const AT = new Date(Date.UTC(2026, 5, 1, 12, 0, 0));
const ACTOR: AuditActor = { kind: "ADMIN", id: "fingerprint-1" };
const USER: Pick<User, "id" | "appId" | "disabled"> = { id: "user-1", appId: "app-1", disabled: false };

let serial = 0;
function device(deviceType: DeviceType, state: DeviceState): Device {
  serial += 1;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, serial));
  return {
    id: `device-${serial}`,
    userId: USER.id,
    appId: USER.appId,
    platform: "ANDROID",
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

function plan(devices: Device[], intent: DeviceIntent, user = USER): DeviceTransition {
  const input: TransitionInput = { user, devices, intent, actor: ACTOR, at: AT };
  return planDeviceTransition(input);
}

function registerIntent(deviceType: DeviceType, userCreated = false): DeviceIntent {
  const id = `new-${deviceType}`;
  return {
    kind: "register",
    device: {
      id,
      userId: USER.id,
      appId: USER.appId,
      platform: "IOS",
      deviceType,
      model: "m",
      osVersion: "o",
      appVersion: "a",
      sdkVersion: "s",
      registrationCodeHash: "code-hash",
      createdAt: AT,
      lastSeenAt: AT,
    },
    credentials: {
      deviceId: id,
      accessTokenHash: "a",
      accessTokenExpiresAt: AT,
      refreshTokenHash: "r",
      issuedAt: AT,
    },
    userCreated,
  };
}

/** What every transition keeps: its records carry the actor and time, and match its changes. */
function expectConsistent(t: DeviceTransition): void {
  for (const record of t.audit) {
    expect(record.actor).toEqual(ACTOR);
    expect(record.occurredAt).toEqual(AT);
    expect(record.appId).toBe(USER.appId);
  }
  const changed = t.audit.filter((r) => r.kind === "device.state_changed");
  for (const c of t.changes) {
    expect(changed).toContainEqual(
      expect.objectContaining({ deviceId: c.deviceId, state: c.state, reason: c.reason }),
    );
    expect(t.events).toContainEqual(
      expect.objectContaining({ deviceId: c.deviceId, state: c.state, reason: c.reason }),
    );
  }
}

describe("register (rule 5)", () => {
  it("a new phone replaces the active tablet and the waiting one; the arrival is ACTIVE, not announced", () => {
    const tablet = device("TABLET", "ACTIVE");
    const waiting = device("TABLET", "INACTIVE");
    const t = plan([tablet, waiting], registerIntent("PHONE"));
    expectConsistent(t);
    expect(t.changes.map((c) => [c.deviceId, c.state, c.reason])).toEqual([
      [tablet.id, "DEACTIVATED", "REPLACED_BY_NEWER_DEVICE"],
      [waiting.id, "DEACTIVATED", "REPLACED_BY_NEWER_DEVICE"],
    ]);
    expect(t.arrival?.device).toMatchObject({
      id: "new-PHONE",
      state: "ACTIVE",
      stateReason: "NEW_DEVICE",
      stateChangedAt: AT,
    });
    expect(t.arrival?.credentials.deviceId).toBe("new-PHONE");
    expect(t.audit.map((r) => [r.kind, r.deviceId, r.state])).toEqual([
      ["user.restored", "new-PHONE", null],
      ["device.state_changed", tablet.id, "DEACTIVATED"],
      ["device.state_changed", waiting.id, "DEACTIVATED"],
      ["device.state_changed", "new-PHONE", "ACTIVE"],
    ]);
    expect(t.audit[0]?.details).toEqual({ platform: "IOS", device_type: "PHONE" });
    expect(t.events.map((e) => e.deviceId)).toEqual([tablet.id, waiting.id]);
  });

  it("a tablet waits behind an active phone and only an older waiting device goes", () => {
    const phone = device("PHONE", "ACTIVE");
    const waiting = device("TABLET", "INACTIVE");
    const t = plan([phone, waiting], registerIntent("TABLET"));
    expectConsistent(t);
    expect(t.changes.map((c) => c.deviceId)).toEqual([waiting.id]);
    expect(t.arrival?.device).toMatchObject({ state: "INACTIVE", stateReason: "PHONE_PREFERRED" });
  });

  it("a first device of a new user is user.created and changes nothing else", () => {
    const t = plan([], registerIntent("TABLET", true));
    expect(t.changes).toEqual([]);
    expect(t.events).toEqual([]);
    expect(t.audit.map((r) => r.kind)).toEqual(["user.created", "device.state_changed"]);
  });

  it("ignores devices that already left", () => {
    const gone = device("PHONE", "RESET");
    const t = plan([gone], registerIntent("PHONE"));
    expect(t.changes).toEqual([]);
  });
});

describe("reset (rule 7) and credentials reused (rule 10)", () => {
  it("reset moves only the named live device", () => {
    const mine = device("PHONE", "ACTIVE");
    const other = device("TABLET", "INACTIVE");
    const t = plan([mine, other], { kind: "reset", deviceId: mine.id });
    expectConsistent(t);
    expect(t.changes).toEqual([{ deviceId: mine.id, state: "RESET", reason: "RESET", at: AT }]);
    expect(t.arrival).toBeNull();
    expect(t.audit).toHaveLength(1);
    expect(t.events).toEqual([
      {
        kind: "device_state",
        appId: USER.appId,
        userId: USER.id,
        deviceId: mine.id,
        state: "RESET",
        reason: "RESET",
        changedAt: AT,
      },
    ]);
  });

  it("credentials reused deactivates the device and records how, never twice", () => {
    const mine = device("PHONE", "ACTIVE");
    const details = { reused_token: "previous", reused_after_ms: 5 };
    const t = plan([mine], { kind: "credentials_reused", deviceId: mine.id, details });
    expectConsistent(t);
    expect(t.changes).toEqual([
      { deviceId: mine.id, state: "DEACTIVATED", reason: "CREDENTIALS_REUSED", at: AT },
    ]);
    expect(t.audit[0]?.details).toEqual(details);
    const already = { ...mine, state: "DEACTIVATED" as const };
    expect(plan([already], { kind: "credentials_reused", deviceId: mine.id, details })).toEqual({
      changes: [],
      arrival: null,
      audit: [],
      events: [],
    });
  });
});

describe("disable and enable (rule 9)", () => {
  it("disable records the user's change first, then deactivates every live device", () => {
    const phone = device("PHONE", "ACTIVE");
    const tablet = device("TABLET", "INACTIVE");
    const gone = device("PHONE", "RESET");
    const t = plan([phone, tablet, gone], { kind: "disable" });
    expectConsistent(t);
    expect(t.changes.map((c) => [c.deviceId, c.reason])).toEqual([
      [phone.id, "USER_DISABLED"],
      [tablet.id, "USER_DISABLED"],
    ]);
    expect(t.audit.map((r) => [r.kind, r.reason])).toEqual([
      ["user.disabled", "USER_DISABLED"],
      ["device.state_changed", "USER_DISABLED"],
      ["device.state_changed", "USER_DISABLED"],
    ]);
    expect(t.audit[0]).toMatchObject({ userId: USER.id, deviceId: null, state: null });
  });

  it("disabling a disabled user or enabling an enabled one records nothing", () => {
    const empty = { changes: [], arrival: null, audit: [], events: [] };
    expect(plan([device("PHONE", "ACTIVE")], { kind: "disable" }, { ...USER, disabled: true })).toEqual(
      empty,
    );
    expect(plan([], { kind: "enable" }, USER)).toEqual(empty);
  });

  it("enable records user.enabled and moves no device", () => {
    const t = plan([device("PHONE", "DEACTIVATED")], { kind: "enable" }, { ...USER, disabled: true });
    expect(t.changes).toEqual([]);
    expect(t.events).toEqual([]);
    expect(t.audit.map((r) => [r.kind, r.reason, r.actor])).toEqual([["user.enabled", null, ACTOR]]);
  });
});

describe("delete (rule 8)", () => {
  it("keeps no id of the user in the trail, counts the devices and announces the live ones", () => {
    const phone = device("PHONE", "ACTIVE");
    const gone = device("TABLET", "RESET");
    const t = plan([phone, gone], { kind: "delete" });
    expect(t.changes).toEqual([]); // the rows go with the user
    expect(t.audit).toEqual([
      {
        appId: USER.appId,
        userId: null,
        deviceId: null,
        kind: "user.deleted",
        state: null,
        reason: "USER_DELETED",
        details: { devices_removed: 2, devices_deactivated: 1 },
        occurredAt: AT,
        actor: ACTOR,
      },
    ]);
    expect(t.events.map((e) => [e.deviceId, e.state, e.reason])).toEqual([
      [phone.id, "DEACTIVATED", "USER_DELETED"],
    ]);
  });
});

const intents: fc.Arbitrary<(devices: Device[]) => DeviceIntent> = fc.oneof(
  fc.constantFrom<DeviceType>("PHONE", "TABLET").map((t) => () => registerIntent(t)),
  fc.nat(5).map((i) => (ds: Device[]) => ({
    kind: "reset" as const,
    deviceId: ds[i % Math.max(ds.length, 1)]?.id ?? "x",
  })),
  fc.nat(5).map((i) => (ds: Device[]) => ({
    kind: "credentials_reused" as const,
    deviceId: ds[i % Math.max(ds.length, 1)]?.id ?? "x",
    details: {},
  })),
  fc.constant(() => ({ kind: "disable" as const })),
  fc.constant(() => ({ kind: "delete" as const })),
);

describe("every intent over any devices", () => {
  it("moves only live devices, never to a live state, and announces exactly what it moves", () => {
    const states = fc.constantFrom<DeviceState>("ACTIVE", "INACTIVE", "DEACTIVATED", "RESET");
    const types = fc.constantFrom<DeviceType>("PHONE", "TABLET");
    fc.assert(
      fc.property(fc.array(fc.tuple(types, states), { maxLength: 6 }), intents, (specs, makeIntent) => {
        const devices = specs.map(([t, s]) => device(t, s));
        const intent = makeIntent(devices);
        const t = plan(devices, intent);
        expectConsistent(t);
        const live = new Set(
          devices.filter((d) => d.state === "ACTIVE" || d.state === "INACTIVE").map((d) => d.id),
        );
        for (const c of t.changes) {
          expect(live.has(c.deviceId)).toBe(true);
          expect(["DEACTIVATED", "RESET"]).toContain(c.state);
        }
        for (const e of t.events) expect(live.has(e.deviceId)).toBe(true);
        if (intent.kind !== "delete")
          expect(t.events.map((e) => e.deviceId)).toEqual(t.changes.map((c) => c.deviceId));
        expect(t.arrival === null).toBe(intent.kind !== "register");
      }),
      { numRuns: 300 },
    );
  });
});
