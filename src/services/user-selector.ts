import { AppError } from "../domain/errors.js";
import type { User } from "../domain/model.js";
import type { Repositories } from "../ports/store.js";

/** GetUser and DeleteUser name a user by one of two ids (checked by transport). */
export type UserSelector =
  | { readonly by: "external_user_id"; readonly value: string }
  | { readonly by: "user_id"; readonly value: string };

/**
 * A request part that transport parses (INVALID_ARGUMENT when bad) at the moment the use
 * case asks for it: after the checks that come first (the caller's scope, the app id),
 * so the order of refusals is the use case's while the parsing stays at the boundary.
 */
export type Parse<T> = () => T;

/** The app's user named by the selector; NOT_FOUND / USER_NOT_FOUND when there is none. */
export async function findSelectedUser(
  repos: Repositories,
  appId: string,
  selector: UserSelector,
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
