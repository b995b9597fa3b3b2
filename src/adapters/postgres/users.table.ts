import type { Insertable, Selectable, Updateable } from "kysely";
import type { User } from "../../domain/model.js";
import type { Timestamp } from "./column-types.js";

/** The users table as Kysely sees it, and its rows to User and back. */

export interface UsersTable {
  id: string;
  app_id: string;
  external_user_id: string;
  disabled: boolean;
  created_at: Timestamp;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserRowUpdate = Updateable<UsersTable>;

export function userFromRow(row: UserRow): User {
  return {
    id: row.id,
    appId: row.app_id,
    externalUserId: row.external_user_id,
    disabled: row.disabled,
    createdAt: row.created_at,
  };
}

export function userToRow(user: User): NewUserRow {
  return {
    id: user.id,
    app_id: user.appId,
    external_user_id: user.externalUserId,
    disabled: user.disabled,
    created_at: user.createdAt,
  };
}
