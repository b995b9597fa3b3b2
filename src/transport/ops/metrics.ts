import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { JanitorPass } from "../../services/janitor.service.js";

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
  readonly janitorRowsRemoved: Counter<"table">;
  readonly janitorPassDuration: Histogram;
  readonly janitorLastPass: Gauge;

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
    this.janitorRowsRemoved = new Counter({
      name: "userlink_janitor_rows_removed_total",
      help: "Rows the janitor removed as past retention, by table (cascaded rows counted in their own table).",
      labelNames: ["table"],
      registers,
    });
    this.janitorPassDuration = new Histogram({
      name: "userlink_janitor_pass_duration_seconds",
      help: "Duration of janitor passes that ran here (passes skipped for another instance's lock not counted).",
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    });
    this.janitorLastPass = new Gauge({
      name: "userlink_janitor_last_pass_timestamp_seconds",
      help: "Unix time at which the last janitor pass on this instance finished.",
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

  /** Records a janitor pass that ran (see services/janitor.service.ts). */
  recordJanitorPass(pass: JanitorPass): void {
    for (const [table, rows] of Object.entries(pass.removed)) {
      if (rows > 0) this.janitorRowsRemoved.inc({ table }, rows);
    }
    this.janitorPassDuration.observe(pass.durationMs / 1000);
    this.janitorLastPass.setToCurrentTime();
  }
}
