import { ServerError, Status, type ServiceImplementation } from "nice-grpc";
import type { AdminServiceDefinition } from "../../gen/userlink/v1/admin_service.js";
import type { AdminService } from "../../services/admin.service.js";
import type { AdminPrincipal } from "../../services/principals.js";
import { scopes } from "./enum-mapping.js";
import {
  apiKeyToProto,
  appToProto,
  durationToMs,
  durationToSeconds,
  structFromProto,
  userToProto,
} from "./message-mapping.js";

export function adminHandlers(
  admin: AdminService,
): ServiceImplementation<typeof AdminServiceDefinition, { caller: AdminPrincipal }> {
  return {
    async createApp(request) {
      const app = await admin.createApp({
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
    async updateApp(request) {
      const app = await admin.updateApp({
        appId: request.appId,
        displayName: request.displayName,
        sdkConfig: structFromProto(request.sdkConfig) ?? undefined,
        authCodeTtlSeconds: durationToSeconds(request.authCodeTtl) ?? undefined,
      });
      return { app: appToProto(app) };
    },
    async createApiKey(request) {
      const issued = await admin.createApiKey({
        appId: request.appId,
        name: request.name,
        scopes: request.scopes.map(scopes.fromProto),
        expiresAt: request.expiresAt ?? null,
      });
      return { apiKey: issued.plaintext, key: apiKeyToProto(issued.key) };
    },
    async listApiKeys(request) {
      const page = await admin.listApiKeys(request);
      return { keys: page.items.map(apiKeyToProto), nextPageToken: page.nextPageToken };
    },
    async revokeApiKey(request) {
      return { key: apiKeyToProto(await admin.revokeApiKey(request.keyId)) };
    },
    async rotateApiKey(request) {
      const issued = await admin.rotateApiKey({
        keyId: request.keyId,
        graceMs: durationToMs(request.gracePeriod),
      });
      return {
        apiKey: issued.plaintext,
        key: apiKeyToProto(issued.key),
        rotatedKey: apiKeyToProto(issued.rotated),
      };
    },
    async setUserDisabled(request) {
      const result = await admin.setUserDisabled(request);
      return { user: userToProto(result.user, result.devices) };
    },
    // The admin reads of the contract (issue 14) are served once the store has their
    // verbs; until then they say so instead of pretending.
    async listUsers() {
      throw new ServerError(Status.UNIMPLEMENTED, "AdminService.ListUsers is not served yet");
    },
    async getUser() {
      throw new ServerError(Status.UNIMPLEMENTED, "AdminService.GetUser is not served yet");
    },
    async deleteUser() {
      throw new ServerError(Status.UNIMPLEMENTED, "AdminService.DeleteUser is not served yet");
    },
    async listAuditEvents() {
      throw new ServerError(Status.UNIMPLEMENTED, "AdminService.ListAuditEvents is not served yet");
    },
  };
}
