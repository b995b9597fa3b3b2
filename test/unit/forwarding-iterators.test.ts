import { describe, expect, it } from "vitest";
import { mapping, startingWith } from "../../src/transport/grpc/forwarding-iterators.js";

async function* numbers(log: string[]): AsyncGenerator<number, string, undefined> {
  try {
    yield 1;
    yield 2;
    return "end";
  } finally {
    log.push("finally");
  }
}

/** The same, ending without a value, as a watch does. */
async function* counted(log: string[]): AsyncGenerator<number, void, undefined> {
  yield* numbers(log);
}

async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe("startingWith", () => {
  it("starts on the first next() and then forwards values and the return value", async () => {
    const log: string[] = [];
    const iterator = startingWith(async () => {
      log.push("started");
      return numbers(log);
    });
    expect(log).toEqual([]);
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    expect(await iterator.next()).toEqual({ done: false, value: 2 });
    expect(await iterator.next()).toEqual({ done: true, value: "end" });
    expect(log).toEqual(["started", "finally"]);
  });

  it("rejects the first next() with the start's error, and ends quietly afterwards", async () => {
    const iterator = startingWith<number, void>(() => Promise.reject(new Error("unauthenticated")));
    await expect(iterator.next()).rejects.toThrow("unauthenticated");
    expect(await iterator.return()).toEqual({ done: true, value: undefined });
    await expect(iterator.throw(new Error("later"))).rejects.toThrow("later");
  });

  it("passes return() and throw() on to the running iterator, as yield* does", async () => {
    const log: string[] = [];
    const ended = startingWith(async () => numbers(log));
    await ended.next();
    expect(await ended.return("stopped")).toEqual({ done: true, value: "stopped" });
    expect(log).toEqual(["finally"]);
    const thrown = startingWith(async () => numbers(log));
    await thrown.next();
    await expect(thrown.throw(new Error("write failed"))).rejects.toThrow("write failed");
    expect(log).toEqual(["finally", "finally"]);
  });
});

describe("mapping", () => {
  it("maps every value, then runs atEnd", async () => {
    const log: string[] = [];
    const mapped = mapping(
      counted(log),
      (n) => n * 10,
      () => log.push("atEnd"),
    );
    expect(await drain(mapped)).toEqual([10, 20]);
    expect(log).toEqual(["finally", "atEnd"]);
  });

  it("ends the stream with atEnd's error", async () => {
    const mapped = mapping(
      counted([]),
      (n) => n,
      () => {
        throw new Error("SHUTTING_DOWN");
      },
    );
    await expect(drain(mapped)).rejects.toThrow("SHUTTING_DOWN");
  });

  it("ends the source on return() and on throw(), which rethrows", async () => {
    const log: string[] = [];
    const returned = mapping(counted(log), (n) => n);
    await returned.next();
    expect(await returned.return!()).toEqual({ done: true, value: undefined });
    const thrown = mapping(counted(log), (n) => n);
    await thrown.next();
    await expect(thrown.throw!(new Error("write failed"))).rejects.toThrow("write failed");
    expect(log).toEqual(["finally", "finally"]);
  });
});
