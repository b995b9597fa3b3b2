import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { RemovedRows, RetainedTable, RetentionStore } from "../ports/retention.js";

/** How long each kind of row is kept (config.ts `retention`). */
export interface RetentionPolicy {
  readonly auditEventsMs: number;
  readonly departedDevicesMs: number;
  readonly apiKeysMs: number;
}

/** One pass: whether it ran (another instance may have held the lock) and what it removed. */
export interface JanitorPass {
  readonly ran: boolean;
  readonly removed: Readonly<Record<RetainedTable, number>>;
  readonly durationMs: number;
}

export interface JanitorDeps {
  readonly retention: RetentionStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** Told about every pass that ran (metrics). */
  readonly onPass?: (pass: JanitorPass) => void;
}

/** Rows per batch: each batch is one short statement or transaction. */
export const JANITOR_BATCH_SIZE = 1000;

const NOTHING: Record<RetainedTable, number> = {
  audit_events: 0,
  devices: 0,
  device_credentials: 0,
  refresh_token_families: 0,
  retired_refresh_tokens: 0,
  api_keys: 0,
};

/**
 * Keeps the tables bounded (issue 11): removes audit events, departed devices and dead
 * API keys once past their retention, in batches, on one instance at a time. Runs on a
 * schedule inside the service, or once by hand (`userlink janitor`).
 */
export class Janitor {
  #timer: NodeJS.Timeout | null = null;
  #current: Promise<unknown> | null = null;
  #stopped = false;

  constructor(
    private readonly deps: JanitorDeps,
    private readonly policy: RetentionPolicy,
    private readonly batchSize = JANITOR_BATCH_SIZE,
  ) {}

  /** One pass now. Cutoffs are taken once, at its start: rows that age meanwhile wait for the next. */
  async runOnce(): Promise<JanitorPass> {
    const started = performance.now();
    const now = this.deps.clock.now().getTime();
    const before = (ms: number) => new Date(now - ms);
    const removed = { ...NOTHING };
    const drain = async (batch: (limit: number) => Promise<RemovedRows>, main: RetainedTable) => {
      for (;;) {
        const rows = await batch(this.batchSize);
        for (const [table, n] of Object.entries(rows) as Array<[RetainedTable, number]>) removed[table] += n;
        if ((rows[main] ?? 0) < this.batchSize || this.#stopped) return;
        // Between batches, calls waiting on the database go first.
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const { retention } = this.deps;
    const held = await retention.exclusively(async () => {
      await drain((n) => retention.removeAuditEvents(before(this.policy.auditEventsMs), n), "audit_events");
      await drain(
        (n) => retention.removeDepartedDevices(before(this.policy.departedDevicesMs), n),
        "devices",
      );
      await drain((n) => retention.removeDeadApiKeys(before(this.policy.apiKeysMs), n), "api_keys");
    });
    const pass = { ran: held !== null, removed, durationMs: performance.now() - started };
    if (pass.ran) this.deps.onPass?.(pass);
    return pass;
  }

  /** Runs a pass every `intervalMs` (the first one interval after the start), until stop(). */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.#timer !== null || this.#stopped) return;
    const tick = () => {
      this.#current = this.runOnce()
        .then((pass) => {
          if (!pass.ran) return;
          this.deps.log.info(
            { removed: pass.removed, durationMs: Math.round(pass.durationMs) },
            "janitor pass",
          );
        })
        .catch((error: unknown) => this.deps.log.warn({ err: error }, "janitor pass failed"))
        .finally(() => {
          this.#current = null;
          if (!this.#stopped) this.#timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.#timer = setTimeout(tick, intervalMs).unref();
  }

  /** Stops the schedule and waits for a pass in progress (before the store closes). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#current;
  }
}
