import { performance } from "node:perf_hooks";
import type { HealthState } from "nice-grpc-server-health";

/** One dependency's check, as /readyz runs it: throws (or hangs) when it is not usable. */
export type HealthCheck = () => Promise<void>;

export interface HealthReadinessOptions {
  /** The dependencies /readyz checks, by name. */
  readonly checks: Readonly<Record<string, HealthCheck>>;
  /** Aborted when shutdown begins: every service turns NOT_SERVING for good. */
  readonly draining: AbortSignal;
  /** How often the checks run (Watch callers see a change within this). */
  readonly intervalMs?: number;
  /** How long one check may take before it counts as down. */
  readonly timeoutMs?: number;
  /**
   * A Check within this long of the last run's start reuses its result (250 ms): a load
   * balancer or a bench sends many, and a Postgres and Redis ping for each would make
   * the health check cost what a real call does.
   */
  readonly maxAgeMs?: number;
}

export interface HealthReadiness {
  /**
   * Runs the checks unless they ran within `maxAgeMs` (one run at a time; callers during
   * a run share it).
   */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Keeps grpc.health.v1 in step with /readyz: "" and each service name are SERVING while
 * every dependency answers, NOT_SERVING while one does not or once the instance drains,
 * so a gRPC load balancer's health check takes it out of rotation as an HTTP one would.
 */
export function followReadiness(
  health: HealthState,
  serviceNames: readonly string[],
  options: HealthReadinessOptions,
): HealthReadiness {
  const names = ["", ...serviceNames];
  const timeoutMs = options.timeoutMs ?? 1_000;
  const set = (healthy: boolean): void => {
    for (const name of names) health.setStatus(healthy ? "healthy" : "unhealthy", name);
  };
  const maxAgeMs = options.maxAgeMs ?? 250;
  let running: Promise<void> | null = null;
  /** When the last run began (monotonic); its result stands for `maxAgeMs`. */
  let lastRunAt = Number.NEGATIVE_INFINITY;
  const refresh = (): Promise<void> => {
    if (options.draining.aborted) return Promise.resolve();
    if (running === null && performance.now() - lastRunAt < maxAgeMs) return Promise.resolve();
    running ??= (async () => {
      lastRunAt = performance.now();
      try {
        const states = await Promise.all(
          Object.values(options.checks).map((check) => passes(check, timeoutMs)),
        );
        // Shutdown may have begun while the checks ran: it wins.
        if (!options.draining.aborted) set(states.every(Boolean));
      } finally {
        running = null;
      }
    })();
    return running;
  };
  const timer =
    Object.keys(options.checks).length === 0
      ? undefined
      : setInterval(() => void refresh(), options.intervalMs ?? 2_000);
  timer?.unref();
  const stop = (): void => clearInterval(timer);
  options.draining.addEventListener(
    "abort",
    () => {
      stop();
      set(false);
    },
    { once: true },
  );
  set(!options.draining.aborted);
  return { refresh, stop };
}

async function passes(check: HealthCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([check().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
