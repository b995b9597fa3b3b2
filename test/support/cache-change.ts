import { performance } from "node:perf_hooks";
import { Status } from "nice-grpc";
import { expect } from "vitest";
import { expectGrpcError } from "./flow.js";
import type { TestInstance } from "./userlink-server.js";

export interface SeenChange {
  /** From the moment the change's call returned to the first answer that reflected it. */
  readonly elapsedMs: number;
  /** Answers that did not reflect it yet (0: the first call after the change did). */
  readonly staleAnswers: number;
}

/**
 * Calls `probe` (which says whether the instance's answer reflects a change already made
 * elsewhere) until it does, and fails past `withinMs`. An instance hears of a change made
 * through another one by a pub/sub message that travels beside the caller's own calls:
 * nothing orders that message before the caller's next call, so "the next call" is the
 * usual case, not a promise, and the tests bound the time instead.
 */
export async function timeUntilSeen(
  probe: () => Promise<boolean>,
  options: { readonly since: number; readonly withinMs: number; readonly everyMs?: number },
): Promise<SeenChange> {
  let staleAnswers = 0;
  for (;;) {
    if (await probe()) return { elapsedMs: performance.now() - options.since, staleAnswers };
    staleAnswers++;
    expect(performance.now() - options.since, "the change reached the instance in time").toBeLessThan(
      options.withinMs,
    );
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 10));
  }
}

/** A probe: whether `instance` already refuses `apiKey` with `reason` (UNAUTHENTICATED). */
export function keyRefusedOn(instance: TestInstance, apiKey: string, reason: string): () => Promise<boolean> {
  return () =>
    instance
      .link(apiKey)
      .requestAuthCode({ externalUserId: "x" })
      .then(
        () => false,
        async (error: unknown) => {
          await expectGrpcError(Promise.reject(error), { code: Status.UNAUTHENTICATED, reason });
          return true;
        },
      );
}
