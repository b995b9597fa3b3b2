import { HealthState } from "nice-grpc-server-health";
import { afterEach, describe, expect, it } from "vitest";
import { followReadiness, type HealthReadiness } from "../../src/transport/grpc/health-readiness.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("grpc.health.v1 following readiness", () => {
  let readiness: HealthReadiness | undefined;
  afterEach(() => readiness?.stop());

  function follow(check: () => Promise<void>, maxAgeMs: number) {
    const health = HealthState();
    readiness = followReadiness(health, ["userlink.v1.LinkService"], {
      checks: { postgres: check },
      draining: new AbortController().signal,
      intervalMs: 60_000,
      maxAgeMs,
    });
    return health;
  }

  it("runs the checks once for the Checks that come within the result's age, and again after it", async () => {
    let runs = 0;
    follow(async () => void runs++, 100);
    await readiness!.refresh();
    await Promise.all(Array.from({ length: 50 }, () => readiness!.refresh()));
    await readiness!.refresh();
    expect(runs).toBe(1);
    await sleep(120);
    await readiness!.refresh();
    expect(runs).toBe(2);
  });

  it("shares one run among the Checks that come while it is under way", async () => {
    let runs = 0;
    follow(async () => {
      runs++;
      await sleep(30);
    }, 0);
    await Promise.all(Array.from({ length: 20 }, () => readiness!.refresh()));
    expect(runs).toBe(1);
  });

  it("tells an outage to the first Check after the last result aged out", async () => {
    let up = true;
    const health = follow(async () => {
      if (!up) throw new Error("down");
    }, 50);
    await readiness!.refresh();
    expect(health.getStatus("userlink.v1.LinkService")).toBe("healthy");
    up = false;
    await readiness!.refresh();
    // Within the result's age: the last answer stands.
    expect(health.getStatus("userlink.v1.LinkService")).toBe("healthy");
    await sleep(70);
    await readiness!.refresh();
    expect(health.getStatus("")).toBe("unhealthy");
    expect(health.getStatus("userlink.v1.LinkService")).toBe("unhealthy");
  });
});
