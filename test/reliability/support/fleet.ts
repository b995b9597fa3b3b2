import { join } from "node:path";
import { freePort } from "../../support/free-port.js";
import { spawnUserlink, type UserlinkProcess } from "../../support/userlink-process.js";
import { BUILT_ENTRY_PATH } from "./built-artifact.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One place in the fleet: its ports stay, the process in it is replaced. */
export interface Slot {
  readonly grpcPort: number;
  readonly webPort: number;
  readonly opsPort: number;
  process: UserlinkProcess;
  /** Processes this slot has had, counting the first. */
  generation: number;
}

/** What one replacement took, in ms from SIGTERM. */
export interface Replacement {
  readonly notReadyMs: number;
  readonly exitedMs: number;
  readonly exitCode: number | string;
  readonly readyAgainMs: number;
}

/** `/readyz` of an instance: its HTTP status, or 0 when nothing answers. */
export async function readyz(opsPort: number): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${opsPort}/readyz`, {
      signal: AbortSignal.timeout(1_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Instances of the BUILT artifact (`node dist/src/cli/main.js serve`, as the image runs it),
 * each on fixed ports so that the load balancer's configuration stays as it is while the
 * processes behind it are replaced.
 */
export class Fleet {
  readonly slots: Slot[] = [];

  private constructor(
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  static async start(size: number, env: Record<string, string>, logDir: string): Promise<Fleet> {
    const fleet = new Fleet(env, logDir);
    for (let i = 0; i < size; i++) {
      const ports = { grpcPort: await freePort(), webPort: await freePort(), opsPort: await freePort() };
      fleet.slots.push({ ...ports, process: undefined as unknown as UserlinkProcess, generation: 0 });
    }
    // The first alone: it applies the migrations.
    await fleet.launch(fleet.slots[0]!);
    await Promise.all(fleet.slots.slice(1).map((slot) => fleet.launch(slot)));
    return fleet;
  }

  private async launch(slot: Slot): Promise<void> {
    slot.generation++;
    slot.process = await spawnUserlink(
      {
        ...this.env,
        USERLINK_HOST: "127.0.0.1",
        USERLINK_GRPC_PORT: String(slot.grpcPort),
        USERLINK_GRPCWEB_PORT: String(slot.webPort),
        USERLINK_OPS_PORT: String(slot.opsPort),
      },
      {
        bin: BUILT_ENTRY_PATH,
        logFile: join(this.logDir, `instance-${slot.grpcPort}-${slot.generation}.log`),
      },
    );
    await until(
      async () => (await readyz(slot.opsPort)) === 200,
      60_000,
      `instance on ${slot.grpcPort} ready`,
    );
  }

  /**
   * A rolling step, as Kubernetes does it: SIGTERM, the instance turns not ready and
   * drains, it exits; a replacement starts on the same ports and becomes ready.
   */
  async replace(slot: Slot): Promise<Replacement> {
    const started = Date.now();
    const old = slot.process;
    old.child.kill("SIGTERM");
    await until(async () => (await readyz(slot.opsPort)) !== 200, 10_000, "not ready after SIGTERM");
    const notReadyMs = Date.now() - started;
    const exitCode = await Promise.race([old.exited, sleep(30_000).then(() => "timeout" as const)]);
    const exitedMs = Date.now() - started;
    if (exitCode === "timeout") await old.kill();
    await this.launch(slot);
    return { notReadyMs, exitedMs, exitCode, readyAgainMs: Date.now() - started };
  }

  async stop(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.process?.stop()));
  }
}
