/** The bench's knobs, read once from the environment (bench/README.md lists them). */
export const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
export const SETTINGS = {
  durationS: num("BENCH_DURATION", 10),
  warmUpS: num("BENCH_WARMUP", 2),
  runs: num("BENCH_RUNS", 1),
  users: num("BENCH_USERS", 10_000),
  scale: env.BENCH_SCALE === "1m",
  streams: num("BENCH_STREAMS", 10_000),
  restorations: num("BENCH_STREAM_RESTORATIONS", 500),
  /** gRPC load: connections × streams in flight on each. */
  connections: num("BENCH_CONNECTIONS", 4),
  streamsPerConnection: num("BENCH_STREAMS_PER_CONNECTION", 16),
  /** gRPC-Web over HTTP/1.1 has one call in flight per connection. */
  http1Connections: num("BENCH_H1_CONNECTIONS", 64),
  poolMax: num("USERLINK_DB_POOL_MAX", 10),
  profile: env.BENCH_PROFILE === "1",
  /** Flags for the server's node (an A/B of V8 settings), space-separated. */
  nodeFlags: env.BENCH_NODE_FLAGS ? env.BENCH_NODE_FLAGS.split(" ").filter(Boolean) : [],
  /** Half load over h2c: "raw" (evenly paced, open loop) or "h2load" (its --rps). */
  halfLoadDriver: env.BENCH_HALF_DRIVER === "h2load" ? "h2load" : "raw",
  only: env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(",")) : null,
  keepDatabase: env.BENCH_KEEP_DB === "1",
};
/** BENCH_ONLY=a,b runs only the scenarios and ceilings of those names. */
export const wanted = (name: string) => SETTINGS.only === null || SETTINGS.only.has(name);
export const log = (line: string) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
