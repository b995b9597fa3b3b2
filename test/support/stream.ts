import type { WatchDeviceStatusResponse } from "../../src/gen/userlink/v1/device_service.js";

/**
 * Reads a WatchDeviceStatus stream in the background, so a test can wait for the
 * n-th message or for the end, each with a bound.
 */
export class StreamRecorder {
  readonly messages: { message: WatchDeviceStatusResponse; at: number }[] = [];
  ended = false;
  error: unknown = undefined;
  readonly #waiters = new Set<() => void>();
  readonly done: Promise<void>;

  constructor(stream: AsyncIterable<WatchDeviceStatusResponse>) {
    this.done = (async () => {
      try {
        for await (const message of stream) {
          this.messages.push({ message, at: performance.now() });
          this.#wake();
        }
      } catch (error) {
        this.error = error;
      } finally {
        this.ended = true;
        this.#wake();
      }
    })();
  }

  /** Resolves once `count` messages arrived; rejects after `timeoutMs`. */
  async nth(count: number, timeoutMs = 5_000): Promise<WatchDeviceStatusResponse> {
    await this.#until(() => this.messages.length >= count || this.ended, timeoutMs, `message ${count}`);
    const entry = this.messages[count - 1];
    if (entry === undefined)
      throw new Error(`the stream ended after ${this.messages.length} messages (${String(this.error)})`);
    return entry.message;
  }

  /** Resolves once the stream ended, however. */
  async end(timeoutMs = 5_000): Promise<void> {
    await this.#until(() => this.ended, timeoutMs, "the end of the stream");
  }

  #until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms (got ${this.messages.length} messages)`));
      }, timeoutMs);
      const check = (): void => {
        if (!ready()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
