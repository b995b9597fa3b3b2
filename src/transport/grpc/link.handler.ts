import type { ServiceImplementation } from "nice-grpc";
import type { LinkServiceDefinition } from "../../gen/userlink/v1/link_service.js";
import type { LinkService } from "../../services/link.service.js";
import type { ApiKeyPrincipal } from "../../services/principals.js";
import { selectorParser, userToProto } from "./message-mapping.js";

export function linkHandlers(
  link: LinkService,
): ServiceImplementation<typeof LinkServiceDefinition, { caller: ApiKeyPrincipal }> {
  return {
    async requestAuthCode(request, { caller }) {
      const issued = await link.requestAuthCode(caller, request.externalUserId);
      return {
        authenticationCode: issued.code,
        expiresAt: issued.expiresAt,
        existingUser: issued.existingUser !== null,
        userId: issued.existingUser?.id ?? "",
      };
    },
    async getUser(request, { caller }) {
      const found = await link.getUser(caller, selectorParser(request.user));
      return { user: userToProto(found.user, found.devices) };
    },
    async listUsers(request, { caller }) {
      const page = await link.listUsers(caller, request);
      return { users: page.items.map((user) => userToProto(user)), nextPageToken: page.nextPageToken };
    },
    async deleteUser(request, { caller }) {
      return link.deleteUser(caller, selectorParser(request.user));
    },
  };
}
