import { parseArgs } from "node:util";
import {
  AdminServiceDeleteUserResponse,
  AdminServiceGetUserResponse,
  AdminServiceListUsersResponse,
  ListAuditEventsResponse,
} from "../gen/userlink/v1/admin_service.js";
import type { Command } from "./admin-commands.js";
import { UsageError } from "./usage-error.js";

export const USER_USAGE = {
  list: "users list <app id> [--prefix P] [--page-size N] [--page-token T]",
  get: "users get <app id> <user id | --external-id X>",
  delete: "users delete <app id> <user id | --external-id X>",
  audit: "audit <app id> [--user <user id>] [--page-size N] [--page-token T]",
} as const;

/**
 * The operator's reads of an app's users and audit trail (AdminService.ListUsers,
 * GetUser, DeleteUser, ListAuditEvents), printed as proto3 JSON like the other commands.
 * `users delete` asks nothing, as every command here is scriptable; it prints the user
 * it deleted and how many devices went with it.
 */
export const USER_COMMANDS: Readonly<Record<string, Command>> = {
  "users list": async (client, args) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        prefix: { type: "string", default: "" },
        "page-size": { type: "string" },
        "page-token": { type: "string", default: "" },
      },
    });
    const appId = single(positionals, USER_USAGE.list);
    const response = await client.listUsers({
      appId,
      externalUserIdPrefix: values.prefix,
      pageSize: pageSize(values["page-size"]),
      pageToken: values["page-token"],
    });
    return AdminServiceListUsersResponse.toJSON(response);
  },
  "users get": async (client, args) => {
    const { appId, user } = whichUser(args, USER_USAGE.get);
    return AdminServiceGetUserResponse.toJSON(await client.getUser({ appId, user }));
  },
  "users delete": async (client, args) => {
    const { appId, user } = whichUser(args, USER_USAGE.delete);
    return AdminServiceDeleteUserResponse.toJSON(await client.deleteUser({ appId, user }));
  },
  audit: async (client, args) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        user: { type: "string", default: "" },
        "page-size": { type: "string" },
        "page-token": { type: "string", default: "" },
      },
    });
    const appId = single(positionals, USER_USAGE.audit);
    const response = await client.listAuditEvents({
      appId,
      userId: values.user,
      pageSize: pageSize(values["page-size"]),
      pageToken: values["page-token"],
    });
    return ListAuditEventsResponse.toJSON(response);
  },
};

type UserRef = { $case: "userId"; value: string } | { $case: "externalUserId"; value: string };

/** `<app id> <user id>` or `<app id> --external-id X`: exactly one way of naming the user. */
function whichUser(args: string[], usage: string): { appId: string; user: UserRef } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { "external-id": { type: "string" } },
  });
  const [appId, userId, ...extra] = positionals;
  const externalId = values["external-id"];
  if (appId === undefined || extra.length > 0 || (userId === undefined) === (externalId === undefined)) {
    throw new UsageError(usage);
  }
  return {
    appId,
    user:
      userId !== undefined
        ? { $case: "userId", value: userId }
        : { $case: "externalUserId", value: externalId! },
  };
}

function single(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw new UsageError(usage);
  return positionals[0]!;
}

/** The server judges the range (1-1000; 0 means its default); here only that it is a number. */
function pageSize(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text)) throw new UsageError(`--page-size takes a whole number, got "${text}"`);
  return Number(text);
}
