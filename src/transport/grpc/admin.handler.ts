import type { ServiceImplementation } from "nice-grpc";
import type { AdminServiceDefinition } from "../../gen/userlink/v1/admin_service.js";
import type { AdminService } from "../../services/admin.service.js";
import type { AdminPrincipal } from "../../services/principals.js";
import {
  apiKeyToProto,
  appToProto,
  auditEventToProto,
  durationToMs,
  durationToSeconds,
  parseCreateApiKey,
  selectorParser,
  structFromProto,
  userToProto,
} from "./message-mapping.js";

export function adminHandlers(
  admin: AdminService,
): ServiceImplementation<typeof AdminServiceDefinition, { caller: AdminPrincipal }> {
  return {
    async createApp(request, { caller }) {
      const app = await admin.createApp(caller, {
        displayName: request.displayName,
        sdkConfig: structFromProto(request.sdkConfig),
        authCodeTtlSeconds: durationToSeconds(request.authCodeTtl),
      });
      return { app: appToProto(app) };
    },
    async getApp(request) {
      return { app: appToProto(await admin.getApp(request.appId)) };
    },
    async listApps(request) {
      const page = await admin.listApps(request);
      return { apps: page.items.map(appToProto), nextPageToken: page.nextPageToken };
    },
    async updateApp(request, { caller }) {
      const app = await admin.updateApp(caller, {
        appId: request.appId,
        displayName: request.displayName,
        sdkConfig: structFromProto(request.sdkConfig) ?? undefined,
        authCodeTtlSeconds: durationToSeconds(request.authCodeTtl) ?? undefined,
      });
      return { app: appToProto(app) };
    },
    async createApiKey(request, { caller }) {
      const issued = await admin.createApiKey(caller, (now) => parseCreateApiKey(request, now));
      return { apiKey: issued.plaintext, key: apiKeyToProto(issued.key) };
    },
    async listApiKeys(request) {
      const page = await admin.listApiKeys(request);
      return { keys: page.items.map(apiKeyToProto), nextPageToken: page.nextPageToken };
    },
    async revokeApiKey(request, { caller }) {
      return { key: apiKeyToProto(await admin.revokeApiKey(caller, request.keyId)) };
    },
    async rotateApiKey(request, { caller }) {
      const issued = await admin.rotateApiKey(caller, {
        keyId: request.keyId,
        graceMs: durationToMs(request.gracePeriod),
      });
      return {
        apiKey: issued.plaintext,
        key: apiKeyToProto(issued.key),
        rotatedKey: apiKeyToProto(issued.rotated),
      };
    },
    async setUserDisabled(request, { caller }) {
      const result = await admin.users.setUserDisabled(caller, request);
      return { user: userToProto(result.user, result.devices) };
    },
    async listUsers(request) {
      const page = await admin.users.listUsers(request);
      return { users: page.items.map((user) => userToProto(user)), nextPageToken: page.nextPageToken };
    },
    async getUser(request) {
      const found = await admin.users.getUser(request.appId, selectorParser(request.user));
      return { user: userToProto(found.user, found.devices) };
    },
    async deleteUser(request, { caller }) {
      return admin.users.deleteUser(caller, request.appId, selectorParser(request.user));
    },
    async listAuditEvents(request) {
      const page = await admin.users.listAuditEvents(request);
      return { events: page.items.map(auditEventToProto), nextPageToken: page.nextPageToken };
    },
  };
}
