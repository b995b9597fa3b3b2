import { issueCredentials, type IssuedCredentials } from "../domain/credentials.js";
import { planDeviceTransition } from "../domain/device-transitions.js";
import { AppError, type ErrorCode } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import { isLive, type App, type Device, type DeviceType, type Platform, type User } from "../domain/model.js";
import { hashSecret, looksLikeSecret } from "../domain/secrets.js";
import type { AuthCodeRecord } from "../ports/auth-code-store.js";
import type { Repositories } from "../ports/store.js";
import { deviceActor } from "./audit-actors.js";
import { announce, type ServiceDeps } from "./service-deps.js";
import type { Parse } from "./user-selector.js";

/** CreateUser, complete and checked (transport's parseCreateUser). */
export interface CreateUserCommand {
  readonly authenticationCode: string;
  readonly requestId: string;
  /** Empty strings when the caller sent none. */
  readonly app: { readonly appVersion: string; readonly sdkVersion: string };
  readonly device: {
    readonly platform: Platform;
    readonly deviceType: DeviceType;
    readonly model: string;
    readonly osVersion: string;
  };
}

export interface CreatedUser {
  readonly user: User;
  readonly device: Device;
  readonly restored: boolean;
  readonly credentials: IssuedCredentials;
  readonly app: App;
}

/** A registration transaction that lost a race is run again, this many times at most. */
const MAX_ATTEMPTS = 4;

/** The failures that count against the client's failed attempts (rule 14): guessing or garbage. */
const COUNTED_FAILURES: ReadonlySet<ErrorCode> = new Set([
  "AUTH_CODE_INVALID",
  "AUTH_CODE_ALREADY_USED",
  "INVALID_ARGUMENT",
]);

/**
 * DeviceService.CreateUser: redeem the code once (rule 1), create or restore the user
 * (rule 3), register the device and apply the device classes (rules 4 and 5) in one
 * transaction, with the user's row locked so restorations of one user queue up.
 * A client with too many failed attempts is refused before its code is looked at (rule 14).
 */
export class CreateUserUseCase {
  constructor(private readonly deps: ServiceDeps) {}

  /**
   * `parse` yields the request, or throws INVALID_ARGUMENT: after admission, so that bad
   * input counts as a failed attempt, and before the code is consumed (rule 13).
   * `clientAddress`: the caller's IP address as the transport saw it, null when unknown.
   */
  async execute(parse: Parse<CreateUserCommand>, clientAddress: string | null): Promise<CreatedUser> {
    const { rateLimits } = this.deps;
    const release = await rateLimits.admitCreateUser(clientAddress);
    try {
      return await this.redeem(parse());
    } catch (error) {
      if (error instanceof AppError && COUNTED_FAILURES.has(error.code)) {
        await rateLimits.countCreateUserFailure(clientAddress);
      }
      throw error;
    } finally {
      release();
    }
  }

  private async redeem(input: CreateUserCommand): Promise<CreatedUser> {
    if (!looksLikeSecret(input.authenticationCode))
      throw new AppError("AUTH_CODE_INVALID", "unknown or expired authentication code");
    const codeHash = hashSecret(input.authenticationCode);
    const spent = await this.deps.codes.consume(codeHash, input.requestId);
    if (spent.kind === "not_found")
      throw new AppError("AUTH_CODE_INVALID", "unknown or expired authentication code");
    if (spent.kind === "already_used") {
      throw new AppError("AUTH_CODE_ALREADY_USED", "the authentication code was already used");
    }
    for (let attempt = 1; ; attempt++) {
      try {
        if (spent.kind === "retry") {
          const earlier = await this.reissueForRetry(codeHash);
          if (earlier !== null) return earlier;
          // The first attempt never committed: this one does its work.
        }
        return await this.register(codeHash, spent.record, input);
      } catch (error) {
        const lostRace = error instanceof AppError && error.code === "CONFLICT";
        if (!lostRace || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async register(
    codeHash: string,
    record: AuthCodeRecord,
    input: CreateUserCommand,
  ): Promise<CreatedUser> {
    const { store, codes, clock } = this.deps;
    const { device } = input;
    const now = clock.now();
    const result = await store.transaction(async (tx) => {
      const { user, created } = await tx.users.findOrCreateForUpdate({
        id: newId(now),
        appId: record.appId,
        externalUserId: record.externalUserId,
        disabled: false,
        createdAt: now,
      });
      // A code for a user that has since been deleted (and maybe linked anew) is dead,
      // and so is any code older than a delete of its external id (rule 8). Checked
      // with the user's row locked, so a delete cannot slip in between.
      if (record.userId !== null && record.userId !== user.id) {
        throw new AppError("AUTH_CODE_INVALID", "the code's user was deleted");
      }
      // A code issued to this very user, whose row is still here and now locked by us:
      // no delete of it has committed since the code was issued (a delete removes the
      // row, and ids are never reused), and one still waiting for the lock erases this
      // registration with the user. Only a code issued to no user can be older than a
      // delete of its external id; that is what the revocation marks are for.
      const issuedToThisUser = record.userId === user.id;
      if (
        !issuedToThisUser &&
        (await codes.isRevoked(record.appId, record.externalUserId, record.issuedAt))
      ) {
        throw new AppError("AUTH_CODE_INVALID", "the code's user was deleted");
      }
      if (user.disabled) throw new AppError("USER_DISABLED", "the user is disabled");

      // A user created by this transaction has no devices yet: no need to ask.
      const live = created ? [] : await tx.devices.listLiveByUser(user.id);
      const deviceId = newId(now);
      const credentials = issueCredentials(deviceId, now);
      const transition = planDeviceTransition({
        user,
        devices: live,
        intent: {
          kind: "register",
          device: {
            id: deviceId,
            userId: user.id,
            appId: record.appId,
            platform: device.platform,
            deviceType: device.deviceType,
            model: device.model,
            osVersion: device.osVersion,
            appVersion: input.app.appVersion,
            sdkVersion: input.app.sdkVersion,
            registrationCodeHash: codeHash,
            createdAt: now,
            lastSeenAt: now,
          },
          credentials: credentials.stored,
          userCreated: created,
        },
        actor: deviceActor(deviceId),
        at: now,
      });
      // The app (its SDK config is in the answer) comes back from the same statement.
      const app = await tx.devices.applyTransition(transition);
      if (app === null || transition.arrival === null) {
        throw new AppError("AUTH_CODE_INVALID", "the code's app no longer exists");
      }
      const registered = transition.arrival.device;
      return { user, device: registered, restored: !created, credentials, app, events: transition.events };
    });
    await announce(this.deps, result.events);
    return result;
  }

  /**
   * The retry of rule 1: the registration the code made, with fresh credentials (the
   * earlier ones stop working). Null when the first attempt left no registration.
   */
  private async reissueForRetry(codeHash: string): Promise<CreatedUser | null> {
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (tx) => {
      const found = await tx.devices.findByRegistrationCode(codeHash);
      if (found === null) return null;
      const device = await tx.devices.findByIdForUpdate(found.id);
      const user = device && (await tx.users.findById(device.appId, device.userId));
      if (device === null || user === null)
        throw new AppError("AUTH_CODE_INVALID", "the code's user was deleted");
      if (!isLive(device.state)) {
        throw new AppError("AUTH_CODE_ALREADY_USED", "the device this code registered has left");
      }
      const app = await this.appOf(tx, { appId: device.appId });
      const credentials = issueCredentials(device.id, now);
      await tx.credentials.put(credentials.stored);
      // The user and the device were written in one transaction with one timestamp.
      const restored = user.createdAt.getTime() !== device.createdAt.getTime();
      return { user, device, restored, credentials, app };
    });
  }

  private async appOf(tx: Repositories, record: Pick<AuthCodeRecord, "appId">): Promise<App> {
    const app = await tx.apps.findById(record.appId);
    if (app === null) throw new AppError("AUTH_CODE_INVALID", "the code's app no longer exists");
    return app;
  }
}
