import type { CallContext, ServerMiddleware, ServerMiddlewareCall } from "nice-grpc";
import type { AdminAuthenticator } from "../../services/admin-authenticator.js";
import type { ApiKeyAuthenticator } from "../../services/api-key-authenticator.js";
import type { DeviceAuthenticator } from "../../services/device-authenticator.js";
import type { AdminPrincipal, ApiKeyPrincipal, DevicePrincipal } from "../../services/principals.js";
import { AppError } from "../../domain/errors.js";
import { bearerToken } from "./bearer.js";
import { startingWith } from "./forwarding-iterators.js";
import { VERIFIED_CLIENT_CERT_HEADER } from "./server-credentials.js";

/**
 * Authentication is per service, attached with `server.with(...)`, so handlers never
 * see a token: they receive the caller in the call context. Each middleware forwards to
 * the rest of the chain once the caller is known (`startingWith`) rather than being a
 * generator around it: an open stream would keep that generator, and the principal in
 * its frame, for as long as it stays open.
 */
export function apiKeyAuth(
  authenticator: ApiKeyAuthenticator,
): ServerMiddleware<{ caller: ApiKeyPrincipal }> {
  return <Req, Res>(
    call: ServerMiddlewareCall<Req, Res, { caller: ApiKeyPrincipal }>,
    context: CallContext,
  ) =>
    startingWith<Res, Res | void>(async () => {
      const caller = await authenticator.authenticate(bearerToken(context.metadata));
      return call.next(call.request, { ...context, caller });
    });
}

/**
 * The admin token, and, when a client CA is configured, a verified client certificate
 * too (marked by the server-credentials interceptor; see VERIFIED_CLIENT_CERT_HEADER).
 */
export function adminAuth(
  authenticator: AdminAuthenticator,
  options: { requireClientCert: boolean } = { requireClientCert: false },
): ServerMiddleware<{ caller: AdminPrincipal }> {
  return <Req, Res>(call: ServerMiddlewareCall<Req, Res, { caller: AdminPrincipal }>, context: CallContext) =>
    startingWith<Res, Res | void>(async () => {
      if (options.requireClientCert && context.metadata.get(VERIFIED_CLIENT_CERT_HEADER) !== "1") {
        throw new AppError(
          "CLIENT_CERTIFICATE_REQUIRED",
          "AdminService needs a client certificate from the configured CA",
        );
      }
      const caller = authenticator.authenticate(bearerToken(context.metadata));
      return call.next(call.request, { ...context, caller });
    });
}

/**
 * DeviceService methods authenticated by their body (CreateUser: the code;
 * RefreshCredentials: the refresh token) pass through; reading `caller` there is a
 * programming error.
 */
export function deviceAuth(
  authenticator: DeviceAuthenticator,
  bodyAuthenticatedPaths: ReadonlySet<string>,
): ServerMiddleware<{ caller: DevicePrincipal }> {
  return <Req, Res>(
    call: ServerMiddlewareCall<Req, Res, { caller: DevicePrincipal }>,
    context: CallContext,
  ) =>
    startingWith<Res, Res | void>(async () => {
      if (bodyAuthenticatedPaths.has(call.method.path)) {
        const unauthenticated = {
          ...context,
          get caller(): DevicePrincipal {
            throw new Error(`${call.method.path} is authenticated by its body, not a bearer`);
          },
        };
        return call.next(call.request, unauthenticated);
      }
      const caller = await authenticator.authenticate(bearerToken(context.metadata));
      return call.next(call.request, { ...context, caller });
    });
}
