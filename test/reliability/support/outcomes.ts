import { ClientError, Status } from "nice-grpc";
import { ErrorInfo, RichClientError } from "nice-grpc-error-details";

/** `OK`, or the status name with the ErrorInfo reason: `UNAUTHENTICATED/AUTH_CODE_ALREADY_USED`. */
export function outcomeOf(error: unknown): string {
  if (error === undefined) return "OK";
  if (error instanceof RichClientError) {
    const info = error.extra.find((d): d is ErrorInfo => d.$type === ErrorInfo.$type);
    return `${Status[error.code]}/${info?.reason ?? "-"}`;
  }
  if (error instanceof ClientError) return `${Status[error.code]}/-`;
  return `THREW/${error instanceof Error ? error.message : String(error)}`;
}

/** Settles every call and counts the outcomes by `outcomeOf`. */
export async function settleAll<T>(
  calls: readonly Promise<T>[],
): Promise<{ values: T[]; outcomes: Record<string, number>; results: PromiseSettledResult<T>[] }> {
  const results = await Promise.allSettled(calls);
  const outcomes: Record<string, number> = {};
  const values: T[] = [];
  for (const result of results) {
    const outcome = result.status === "fulfilled" ? "OK" : outcomeOf(result.reason);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (result.status === "fulfilled") values.push(result.value);
  }
  return { values, outcomes, results };
}

/** `{"OK":1,"UNAUTHENTICATED/X":199}` → `OK:1,UNAUTHENTICATED/X:199`, for a figures line. */
export function compact(outcomes: Record<string, number>): string {
  return Object.entries(outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name}:${n}`)
    .join(",");
}

/** How many outcomes are INTERNAL or UNKNOWN (or not a gRPC answer at all). */
export function internalCount(outcomes: Record<string, number>): number {
  return Object.entries(outcomes)
    .filter(([name]) => /^(INTERNAL|UNKNOWN|THREW)\//.test(name))
    .reduce((sum, [, n]) => sum + n, 0);
}
