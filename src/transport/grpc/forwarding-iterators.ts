/**
 * Iterators that forward to another one instead of being an async generator that
 * delegates to it. A generator layer lives as long as the call: its frame (every
 * argument and local), its pending request, promise and reaction, about 500 bytes; an
 * open WatchDeviceStatus stream keeps every layer of the chain alive. These are small
 * class instances (methods on the prototype, no closures per call) that hold only the
 * inner iterator once it runs, and whose `next()` is the inner iterator's own.
 */

type Phase = "idle" | "starting" | "running" | "failed";

/**
 * The iterator `start()` resolves to, started on the first `next()`: a middleware that
 * has something to await (authentication) before the rest of the chain runs. An error
 * from `start()` rejects that first `next()`, as it would have from a generator's body.
 */
export function startingWith<T, R>(
  start: () => Promise<AsyncIterator<T, R, undefined>>,
): AsyncGenerator<T, R, undefined> {
  return new StartingIterator(start);
}

class StartingIterator<T, R> implements AsyncGenerator<T, R, undefined> {
  #start: (() => Promise<AsyncIterator<T, R, undefined>>) | null;
  #phase: Phase = "idle";
  #starting: Promise<AsyncIterator<T, R, undefined>> | null = null;
  #running: AsyncIterator<T, R, undefined> | null = null;

  constructor(start: () => Promise<AsyncIterator<T, R, undefined>>) {
    this.#start = start;
  }

  next(): Promise<IteratorResult<T, R>> {
    if (this.#running !== null) return this.#running.next();
    return this.#started().then((inner) => inner.next());
  }

  // Before the first step there is nothing to end or to throw into (nice-grpc always
  // steps first), nor after a failed start; otherwise both go to the inner iterator, as
  // `yield*` sends them.
  async return(value: R | PromiseLike<R>): Promise<IteratorResult<T, R>> {
    const inner = await this.#settled();
    if (inner?.return) return inner.return(value);
    return { done: true, value: await value };
  }

  async throw(error: unknown): Promise<IteratorResult<T, R>> {
    const inner = await this.#settled();
    if (inner?.throw) return inner.throw(error);
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #started(): Promise<AsyncIterator<T, R, undefined>> {
    if (this.#starting === null) {
      const start = this.#start!;
      // Dropped once called: it closes over the call and its context.
      this.#start = null;
      this.#phase = "starting";
      this.#starting = start().then(
        (inner) => {
          this.#phase = "running";
          this.#starting = null;
          return (this.#running = inner);
        },
        (error: unknown) => {
          this.#phase = "failed";
          throw error;
        },
      );
    }
    return this.#starting;
  }

  async #settled(): Promise<AsyncIterator<T, R, undefined> | null> {
    if (this.#phase === "starting") await this.#starting!.catch(() => {});
    return this.#running;
  }
}

/**
 * Each value of `source` through `map`; when `source` ends, `atEnd` runs (and may throw
 * to end the stream with an error instead). What `for await (...) yield map(value)`
 * followed by `atEnd()` did, without a generator.
 */
export function mapping<S, T>(
  source: AsyncIterator<S, void, undefined>,
  map: (value: S) => T,
  atEnd: () => void = () => {},
): AsyncIterableIterator<T> {
  return new MappedIterator(source, map, atEnd);
}

class MappedIterator<S, T> implements AsyncIterableIterator<T> {
  constructor(
    private readonly source: AsyncIterator<S, void, undefined>,
    private readonly map: (value: S) => T,
    private readonly atEnd: () => void,
  ) {}

  next(): Promise<IteratorResult<T, void>> {
    return this.source.next().then((result) => this.step(result));
  }

  async return(): Promise<IteratorResult<T, void>> {
    await this.source.return?.();
    return { done: true, value: undefined };
  }

  // As the `for await` loop it replaces: an error thrown in ends the source, then
  // goes on up.
  async throw(error: unknown): Promise<IteratorResult<T, void>> {
    await this.source.return?.();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private step(result: IteratorResult<S, void>): IteratorResult<T, void> {
    if (!result.done) return { done: false, value: this.map(result.value) };
    this.atEnd();
    return { done: true, value: undefined };
  }
}
