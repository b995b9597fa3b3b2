import { parseArgs } from "node:util";
import {
  CreateApiKeyResponse,
  CreateAppResponse,
  ListApiKeysResponse,
  ListAppsResponse,
  RevokeApiKeyResponse,
  RotateApiKeyResponse,
} from "../gen/userlink/v1/admin_service.js";
import { ApiKeyScope } from "../gen/userlink/v1/types.js";
import type { AdminClient } from "../../clients/node/src/index.js";
import { UsageError } from "./usage-error.js";
import { USER_COMMANDS } from "./user-commands.js";

export type Command = (client: AdminClient, args: string[]) => Promise<unknown>;

/**
 * The admin commands, each one AdminService call on a running server, printing the
 * answer as proto3 JSON so scripts can read it (`jq -r .apiKey`).
 */
const APP_AND_KEY_COMMANDS: Readonly<Record<string, Command>> = {
  "apps create": async (client, args) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { "sdk-config": { type: "string" }, "auth-code-ttl": { type: "string" } },
    });
    const displayName = positionals.join(" ");
    if (displayName === "")
      throw new UsageError("apps create <display name> [--sdk-config JSON] [--auth-code-ttl SECONDS]");
    const response = await client.createApp({
      displayName,
      sdkConfig: values["sdk-config"] === undefined ? undefined : parseJsonObject(values["sdk-config"]),
      authCodeTtl: values["auth-code-ttl"] === undefined ? undefined : seconds(values["auth-code-ttl"]),
    });
    return CreateAppResponse.toJSON(response);
  },
  "apps list": async (client, args) => {
    const { values } = parseArgs({ args, options: { "page-token": { type: "string", default: "" } } });
    const response = await client.listApps({ pageSize: 1000, pageToken: values["page-token"] });
    return ListAppsResponse.toJSON(response);
  },
  "keys create": async (client, args) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        name: { type: "string", default: "default" },
        scopes: { type: "string", default: "USER_LINK,USER_READ,USER_DELETE" },
        "expires-at": { type: "string" },
      },
    });
    const appId = positionals[0];
    if (appId === undefined) {
      throw new UsageError(
        "keys create <app id> [--name NAME] [--scopes USER_LINK,USER_READ,USER_DELETE] [--expires-at ISO]",
      );
    }
    const response = await client.createApiKey({
      appId,
      name: values.name,
      scopes: values.scopes.split(",").map(scope),
      expiresAt: values["expires-at"] === undefined ? undefined : date(values["expires-at"]),
    });
    return CreateApiKeyResponse.toJSON(response);
  },
  "keys list": async (client, args) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { "page-token": { type: "string", default: "" } },
    });
    const appId = positionals[0];
    if (appId === undefined) throw new UsageError("keys list <app id>");
    const response = await client.listApiKeys({ appId, pageSize: 1000, pageToken: values["page-token"] });
    return ListApiKeysResponse.toJSON(response);
  },
  "keys revoke": async (client, args) => {
    const keyId = args[0];
    if (keyId === undefined) throw new UsageError("keys revoke <key id>");
    return RevokeApiKeyResponse.toJSON(await client.revokeApiKey({ keyId }));
  },
  "keys rotate": async (client, args) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { grace: { type: "string" } },
    });
    const keyId = positionals[0];
    if (keyId === undefined) throw new UsageError("keys rotate <key id> [--grace SECONDS]");
    const response = await client.rotateApiKey({
      keyId,
      gracePeriod: values.grace === undefined ? undefined : seconds(values.grace),
    });
    return RotateApiKeyResponse.toJSON(response);
  },
};

export const ADMIN_COMMANDS: Readonly<Record<string, Command>> = {
  ...APP_AND_KEY_COMMANDS,
  ...USER_COMMANDS,
};

function parseJsonObject(text: string): { [key: string]: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError("--sdk-config must be a JSON object");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError("--sdk-config must be a JSON object");
  }
  return value as { [key: string]: unknown };
}

function seconds(text: string): { seconds: string; nanos: number } {
  if (!/^\d+$/.test(text)) throw new UsageError(`expected a whole number of seconds, got "${text}"`);
  return { seconds: text, nanos: 0 };
}

function date(text: string): Date {
  const value = new Date(text);
  if (Number.isNaN(value.getTime())) throw new UsageError(`expected an ISO date, got "${text}"`);
  return value;
}

function scope(name: string): ApiKeyScope {
  const value = ApiKeyScope[`API_KEY_SCOPE_${name.trim().toUpperCase()}` as keyof typeof ApiKeyScope];
  if (value === undefined || value === ApiKeyScope.API_KEY_SCOPE_UNSPECIFIED) {
    throw new UsageError(`unknown scope "${name}" (USER_LINK, USER_READ, USER_DELETE)`);
  }
  return value;
}
