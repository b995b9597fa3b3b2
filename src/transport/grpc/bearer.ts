import type { Metadata } from "nice-grpc";

/** The token of `authorization: Bearer <token>`, or undefined when there is none. */
export function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get("authorization");
  if (typeof value !== "string") return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(value);
  return match?.[1];
}
