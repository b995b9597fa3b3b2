/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `ready` every 100 ms until it holds (true) or `timeoutMs` passes (false); the
 * caller decides whether a timeout fails the test or is only reported.
 */
export async function waitFor(ready: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}
