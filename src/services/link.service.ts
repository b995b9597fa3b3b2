import { AppError } from "../domain/errors.js";
import type { Device, User } from "../domain/model.js";
import { generateSecret, hashSecret } from "../domain/secrets.js";
import { LIMITS, Violations } from "../domain/validation.js";
import { requireScope } from "./api-key-authenticator.js";
import { apiKeyActor } from "./audit-actors.js";
import { deleteUserOfApp, type DeletedUser } from "./delete-user.use-case.js";
import { paginate, type Page } from "./paginate.js";
import type { ApiKeyPrincipal } from "./principals.js";
import type { ServiceDeps } from "./service-deps.js";
import { findSelectedUser, type Parse, type UserSelector } from "./user-selector.js";

export interface IssuedAuthCode {
  readonly code: string;
  readonly expiresAt: Date;
  readonly existingUser: User | null;
}

export interface UserWithDevices {
  readonly user: User;
  readonly devices: readonly Device[];
}

/** The customer backend's use cases, each scoped to the calling key's app. */
export class LinkService {
  constructor(private readonly deps: ServiceDeps) {}

  async requestAuthCode(caller: ApiKeyPrincipal, externalUserId: string): Promise<IssuedAuthCode> {
    requireScope(caller, "USER_LINK");
    new Violations()
      .text("external_user_id", externalUserId, LIMITS.externalUserId, { required: true })
      .throwIfAny();
    const { store, codes, clock } = this.deps;
    // The app came with the key: one round trip to Postgres here, for the user.
    const { app } = caller;
    const user = await store.repos.users.findByExternalId(caller.app.id, externalUserId);
    if (user?.disabled) throw new AppError("USER_DISABLED", "the user is disabled");
    const code = generateSecret();
    const issuedAt = clock.now();
    const expiresAt = new Date(issuedAt.getTime() + app.authCodeTtlSeconds * 1000);
    await codes.save(hashSecret(code), {
      appId: app.id,
      externalUserId,
      userId: user?.id ?? null,
      issuedAt,
      expiresAt,
    });
    return { code, expiresAt, existingUser: user };
  }

  async getUser(caller: ApiKeyPrincipal, selector: Parse<UserSelector>): Promise<UserWithDevices> {
    requireScope(caller, "USER_READ");
    const selected = selector();
    const { repos } = this.deps.store;
    const user = await findSelectedUser(repos, caller.app.id, selected, { forUpdate: false });
    return { user, devices: await repos.devices.listByUser(user.id) };
  }

  async listUsers(
    caller: ApiKeyPrincipal,
    request: { pageSize: number; pageToken: string },
  ): Promise<Page<User>> {
    requireScope(caller, "USER_READ");
    return paginate(request, (page) => this.deps.store.repos.users.list(caller.app.id, page));
  }

  /** Rule 8, the same erasure as AdminService.DeleteUser (delete-user.use-case.ts). */
  async deleteUser(caller: ApiKeyPrincipal, selector: Parse<UserSelector>): Promise<DeletedUser> {
    requireScope(caller, "USER_DELETE");
    return deleteUserOfApp(this.deps, caller.app.id, selector(), apiKeyActor(caller));
  }
}
