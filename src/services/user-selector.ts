import { AppError } from "../domain/errors.js";
import type { User } from "../domain/model.js";
import { LIMITS, Violations } from "../domain/validation.js";
import type { Repositories } from "../ports/store.js";

/** GetUser and DeleteUser name a user by one of two ids. */
export type UserSelector =
  | { readonly by: "external_user_id"; readonly value: string }
  | { readonly by: "user_id"; readonly value: string }
  | null;

export function validateSelector(selector: UserSelector): void {
  const violations = new Violations();
  if (selector === null) violations.add("user", "set external_user_id or user_id");
  else if (selector.by === "user_id") violations.id("user_id", selector.value);
  else violations.text("external_user_id", selector.value, LIMITS.externalUserId, { required: true });
  violations.throwIfAny();
}

/** The app's user named by the selector; NOT_FOUND / USER_NOT_FOUND when there is none. */
export async function findSelectedUser(
  repos: Repositories,
  appId: string,
  selector: NonNullable<UserSelector>,
  options: { forUpdate: boolean },
): Promise<User> {
  let user: User | null;
  if (selector.by === "user_id") {
    user = options.forUpdate
      ? await repos.users.findByIdForUpdate(appId, selector.value)
      : await repos.users.findById(appId, selector.value);
  } else {
    const byExternal = await repos.users.findByExternalId(appId, selector.value);
    user =
      byExternal !== null && options.forUpdate
        ? await repos.users.findByIdForUpdate(appId, byExternal.id)
        : byExternal;
  }
  if (user === null) throw new AppError("USER_NOT_FOUND", "no such user in this app");
  return user;
}
