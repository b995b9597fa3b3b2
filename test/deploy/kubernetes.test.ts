import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CONFIG_VARIABLES, ConfigError, loadConfig } from "../../src/config.js";
import { REPO_ROOT } from "../reliability/support/built-artifact.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML */
type Manifest = {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [k: string]: any;
};

// kubectl's built-in kustomize renders offline: exactly what `kubectl apply -k` would send.
const rendered = execFileSync("kubectl", ["kustomize", join(REPO_ROOT, "deploy/kubernetes")], {
  encoding: "utf8",
});
const manifests = parseAllDocuments(rendered).map((d) => d.toJSON() as Manifest);
const one = (kind: string, name?: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  expect(found, `${kind} ${name ?? ""}`).toHaveLength(1);
  return found[0]!;
};
const deployment = one("Deployment");
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const configMap = one("ConfigMap");
const secret = one("Secret");

/** The environment a container of the Deployment sees: envFrom sources, then env. */
function environmentOf(c: any): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const source = from.configMapRef
      ? one("ConfigMap", from.configMapRef.name)
      : one("Secret", from.secretRef.name);
    Object.assign(env, source.data ?? {}, source.stringData ?? {});
  }
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
    const source = e.valueFrom?.secretKeyRef
      ? one("Secret", ref?.name)
      : ref
        ? one("ConfigMap", ref.name)
        : null;
    env[e.name] = source === null ? e.value : (source.stringData ?? source.data)[ref.key];
  }
  return env;
}
const env = environmentOf(container);
// The shipped Secret holds placeholders; a real one has a real token.
const config = loadConfig({ ...env, USERLINK_ADMIN_TOKEN: "t".repeat(40) });
const containerPort = (nameOrNumber: string | number): number =>
  typeof nameOrNumber === "number"
    ? nameOrNumber
    : container.ports.find((p: any) => p.name === nameOrNumber)?.containerPort;

describe("deploy/kubernetes (kubectl kustomize)", () => {
  it("renders every part: Deployment, three Services, PDB, HPA, migration Job, ConfigMap, Secret", () => {
    const kinds = manifests.map((m) => m.kind).sort();
    expect(kinds).toEqual(
      ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Job", "PodDisruptionBudget", "Secret"]
        .concat(["Service", "Service", "Service"])
        .sort(),
    );
  });

  it("sets only variables of the configuration schema, and the shipped Secret refuses to start", () => {
    const job = one("Job").spec.template.spec.containers[0];
    const names = [
      ...Object.keys(configMap.data),
      ...Object.keys(secret.stringData),
      ...Object.keys(environmentOf(job)),
    ];
    for (const name of names) expect(CONFIG_VARIABLES, name).toContain(name);
    // A forgotten overlay must not run with a known token.
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/USERLINK_ADMIN_TOKEN/);
    expect(config.databaseUrl).not.toBeNull();
    expect(config.redisUrl).not.toBeNull();
  });

  it("declares the ports the configuration listens on, and the Services target them", () => {
    expect(containerPort("grpc")).toBe(config.grpcPort);
    expect(containerPort("grpc-web")).toBe(config.grpcWebPort);
    expect(containerPort("ops")).toBe(config.opsPort);
    const labels = deployment.spec.template.metadata.labels;
    const services = manifests.filter((m) => m.kind === "Service");
    expect(services.map((s) => s.spec.ports[0].targetPort).sort()).toEqual(["grpc", "grpc-web", "ops"]);
    for (const service of services) {
      for (const [k, v] of Object.entries(service.spec.selector))
        expect(labels[k], service.metadata.name).toBe(v);
      expect(containerPort(service.spec.ports[0].targetPort)).toBeDefined();
    }
    const grpc = services.find((s) => s.spec.ports[0].targetPort === "grpc")!;
    expect(grpc.spec.ports[0].appProtocol).toBe("kubernetes.io/h2c");
  });

  it("probes the ops port: startup and liveness on /healthz, readiness on /readyz", () => {
    for (const [probe, path] of [
      ["startupProbe", "/healthz"],
      ["livenessProbe", "/healthz"],
      ["readinessProbe", "/readyz"],
    ] as const) {
      expect(container[probe]?.httpGet?.path, probe).toBe(path);
      expect(containerPort(container[probe].httpGet.port), probe).toBe(config.opsPort);
    }
    // The startup probe, not liveness, covers a slow start.
    const startup = container.startupProbe;
    expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(60);
  });

  it("gives the drain its time: grace period > preStop pause + USERLINK_SHUTDOWN_GRACE_SECONDS", () => {
    const command: string[] = container.lifecycle.preStop.exec.command;
    expect(command[0]).toBe("sleep");
    const pause = Number(command[1]);
    expect(pause).toBeGreaterThan(0);
    // The pause lets the endpoints drop the pod before readiness would (one failed probe period).
    expect(pause).toBeGreaterThanOrEqual(container.readinessProbe.periodSeconds);
    const graceSeconds = config.shutdownGraceMs / 1000;
    expect(graceSeconds).toBe(Number(configMap.data.USERLINK_SHUTDOWN_GRACE_SECONDS));
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(pause + graceSeconds);
  });

  it("runs non-root on a read-only root filesystem, writing only to an emptyDir", () => {
    for (const spec of [pod, one("Job").spec.template.spec]) {
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
      const c = spec.containers[0];
      expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(c.securityContext.capabilities.drop).toEqual(["ALL"]);
      const tmp = c.volumeMounts.find((m: any) => m.mountPath === "/tmp");
      expect(spec.volumes.find((v: any) => v.name === tmp.name).emptyDir).toBeDefined();
    }
  });

  it("sizes requests and limits from the bench's figures", () => {
    const bench = JSON.parse(readFileSync(join(REPO_ROOT, "bench/results/latest.json"), "utf8"));
    const mib = (q: string): number => Number(/^(\d+)Mi$/.exec(q)![1]);
    const { requests, limits } = container.resources;
    // The limit holds the bench's peak (10,000 open streams) with room; the request the full-load RSS.
    expect(mib(limits.memory)).toBeGreaterThan(bench.streams.peakRssMb);
    const fullLoadRss = Math.max(...bench.methods.map((m: any) => m.full.peakRssMb));
    expect(mib(requests.memory)).toBeGreaterThanOrEqual(fullLoadRss);
    expect(requests.cpu).toBeDefined();
    expect(limits.cpu).toBeDefined();
  });

  it("keeps instances through disruptions and scales: PDB, HPA, rolling update, migration Job", () => {
    const pdb = one("PodDisruptionBudget");
    const hpa = one("HorizontalPodAutoscaler");
    const labels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) expect(labels[k]).toBe(v);
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThan(pdb.spec.minAvailable);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const job = one("Job").spec.template.spec.containers[0];
    expect(job.args).toEqual(["migrate"]);
    expect(job.image).toBe(container.image);
    expect(config.migrateOnStart).toBe(false);
  });
});
