import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** What the metrics read when scraped, from the parts main.ts owns. */
export interface MetricSources {
  /** Postgres pool counts; null on the embedded database. */
  readonly dbPool: () => { total: number; idle: number; waiting: number } | null;
  /** Whether the Redis connection is ready; null without Redis. */
  readonly redisReady: () => boolean | null;
}

/**
 * The service's Prometheus metrics. Everything is labelled by gRPC method and status
 * name only: never by a user, key or device, so cardinality stays fixed.
 */
export class UserlinkMetrics {
  readonly registry = new Registry();
  readonly calls: Counter<"method" | "code">;
  readonly latency: Histogram<"method">;
  readonly codesIssued: Counter;
  readonly codesRedeemed: Counter;
  readonly codesRejected: Counter<"reason">;
  readonly activeStreams: Gauge<"method">;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "userlink_" });
    this.calls = new Counter({
      name: "userlink_grpc_calls_total",
      help: "Finished gRPC calls by method and status code.",
      labelNames: ["method", "code"],
      registers,
    });
    this.latency = new Histogram({
      name: "userlink_grpc_call_duration_seconds",
      help: "Time from a call's arrival to its status, unary methods only.",
      labelNames: ["method"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.codesIssued = new Counter({
      name: "userlink_auth_codes_issued_total",
      help: "Authentication codes issued by RequestAuthCode.",
      registers,
    });
    this.codesRedeemed = new Counter({
      name: "userlink_auth_codes_redeemed_total",
      help: "CreateUser calls that redeemed a code (retries of rule 1 included).",
      registers,
    });
    this.codesRejected = new Counter({
      name: "userlink_auth_codes_rejected_total",
      help: "CreateUser calls refused, by ErrorInfo reason.",
      labelNames: ["reason"],
      registers,
    });
    this.activeStreams = new Gauge({
      name: "userlink_active_streams",
      help: "Server streams open now.",
      labelNames: ["method"],
      registers,
    });
    new Gauge({
      name: "userlink_db_pool_connections",
      help: "Postgres pool connections by state (absent on the embedded database).",
      labelNames: ["state"],
      registers,
      collect() {
        this.reset();
        const pool = sources.dbPool();
        if (pool === null) return;
        this.set({ state: "total" }, pool.total);
        this.set({ state: "idle" }, pool.idle);
        this.set({ state: "waiting" }, pool.waiting);
      },
    });
    new Gauge({
      name: "userlink_redis_up",
      help: "1 while the Redis connection is ready, 0 while it is not (absent without Redis).",
      registers,
      collect() {
        this.reset();
        const ready = sources.redisReady();
        if (ready !== null) this.set(ready ? 1 : 0);
      },
    });
  }
}
