import { UserlinkError } from "../../clients/web/src/index.js";

/** What each ErrorInfo reason means to someone at the console, in words. */
const REASONS: Record<string, string> = {
  ADMIN_TOKEN_INVALID: "The admin token was refused. Sign in with the token the service printed at start.",
  CLIENT_CERTIFICATE_REQUIRED:
    "This service asks admin callers for a client certificate, which a browser cannot send over gRPC-Web: use the userlink CLI.",
  APP_NOT_FOUND: "There is no app with this id.",
  USER_NOT_FOUND: "This app has no such user.",
  API_KEY_NOT_FOUND: "This app has no such key.",
  API_KEY_LIMIT_REACHED: "This app already has 10 active keys: revoke one before creating another.",
  API_KEY_REVOKED: "This key has been revoked.",
  API_KEY_EXPIRED: "This key has expired.",
  USER_DISABLED: "This user is disabled.",
  CONFLICT: "This was changed at the same moment by someone else: reload and try again.",
  RATE_LIMITED: "Too many requests.",
  DEPENDENCY_UNAVAILABLE: "The service cannot reach its database or cache right now: try again shortly.",
  SHUTTING_DOWN: "The service is shutting down: try again in a moment.",
  INVALID_ARGUMENT: "Some of what was entered is not valid.",
};

/** When the service sent no reason: what the status alone says. */
const STATUSES: Record<string, string> = {
  UNAVAILABLE: "The service cannot be reached: check that it is running.",
  DEADLINE_EXCEEDED: "The service took too long to answer.",
  UNIMPLEMENTED: "This service does not offer this yet.",
  PERMISSION_DENIED: "This is not allowed.",
  UNAUTHENTICATED: "The admin token was refused. Sign in again.",
  CANCELLED: "The request was cancelled.",
};

/** True when the error means the token itself was refused: the console goes back to sign-in. */
export function isTokenRefused(error: unknown): boolean {
  return (
    error instanceof UserlinkError &&
    (error.reason === "ADMIN_TOKEN_INVALID" ||
      (error.reason === undefined && error.codeName === "UNAUTHENTICATED"))
  );
}

export interface Explained {
  /** One sentence for the whole failure. */
  readonly message: string;
  /** Per proto field name (`sdk_config`, `display_name`): what is wrong with it. */
  readonly fields: ReadonlyMap<string, string>;
}

export function explain(error: unknown): Explained {
  if (!(error instanceof UserlinkError)) {
    return { message: error instanceof Error ? error.message : String(error), fields: new Map() };
  }
  const fields = new Map<string, string>();
  for (const violation of error.fieldViolations) fields.set(violation.field, violation.description);
  let message =
    (error.reason !== undefined ? REASONS[error.reason] : undefined) ??
    STATUSES[error.codeName] ??
    `The service answered ${error.codeName}.`;
  if (error.reason === "RATE_LIMITED" && error.retryAfterMs !== undefined) {
    message += ` Try again in ${Math.ceil(error.retryAfterMs / 1000)} s.`;
  }
  // The service's own words add what the reason alone does not say (which field, which limit).
  if (error.details !== "" && fields.size === 0 && error.reason !== "ADMIN_TOKEN_INVALID") {
    message += ` (${error.details})`;
  }
  const code = error.reason ?? error.codeName;
  return { message: `${message} [${code}]`, fields };
}
