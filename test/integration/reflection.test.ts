import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary, type DescMessage } from "@bufbuild/protobuf";
import { createFileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { createClient, type Channel } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { ServerReflectionService } from "nice-grpc-server-reflection";
import { ServerReflectionRequest } from "nice-grpc-server-reflection/lib/proto/grpc/reflection/v1/reflection_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminServiceDefinition } from "../../src/gen/userlink/v1/admin_service.js";
import { DeviceServiceDefinition } from "../../src/gen/userlink/v1/device_service.js";
import { LinkServiceDefinition } from "../../src/gen/userlink/v1/link_service.js";
import { ServerReflectionV1AlphaService } from "../../src/transport/grpc/reflection.js";
import { bufCurl, type ReflectProtocol } from "../support/buf-curl.js";
import { startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.js";
import { uniquePrefix } from "../support/redis.js";
import { startInstance, useInstance, type Storage, type TestInstance } from "../support/userlink-server.js";

const OURS = [LinkServiceDefinition, DeviceServiceDefinition, AdminServiceDefinition];
const LISTED = ["grpc.health.v1.Health", ...OURS.map((d) => d.fullName)].sort();
const PROTOCOLS: readonly ReflectProtocol[] = ["grpc-v1", "grpc-v1alpha"];

const url = (server: TestInstance) => `http://${server.address}`;

async function healthOf(server: TestInstance, service: string, protocol: ReflectProtocol = "grpc-v1") {
  const result = await bufCurl(
    ["-d", JSON.stringify({ service }), `${url(server)}/grpc.health.v1.Health/Check`],
    {
      reflectProtocol: protocol,
    },
  );
  return result.exitCode === 0 ? (JSON.parse(result.stdout) as { status: string }).status : result.stderr;
}

describe("server reflection and health by name (embedded)", () => {
  let server: TestInstance;
  let storage: Storage;
  useInstance("embedded", (started) => {
    server = started.server;
    storage = started.storage;
  });

  for (const protocol of PROTOCOLS) {
    describe(`over ${protocol}`, () => {
      it("lists the services and every method of them", async () => {
        const services = await bufCurl(["--list-services", url(server)], { reflectProtocol: protocol });
        expect(services.stderr).toBe("");
        expect(services.stdout.trim().split("\n").sort()).toEqual(LISTED);

        const methods = await bufCurl(["--list-methods", url(server)], { reflectProtocol: protocol });
        const listed = methods.stdout.trim().split("\n");
        const expected = [
          "grpc.health.v1.Health/Check",
          "grpc.health.v1.Health/Watch",
          ...OURS.flatMap((d) => Object.values(d.methods).map((m) => `${d.fullName}/${m.name}`)),
        ];
        expect(listed.sort()).toEqual(expected.sort());
      });

      it("answers Health/Check for the server and each service by name", async () => {
        for (const name of ["", ...OURS.map((d) => d.fullName)]) {
          expect(await healthOf(server, name, protocol)).toBe("SERVING");
        }
        const unknown = await bufCurl(
          ["-d", '{"service":"userlink.v1.NoSuchService"}', `${url(server)}/grpc.health.v1.Health/Check`],
          { reflectProtocol: protocol },
        );
        expect(JSON.parse(unknown.stderr)).toMatchObject({ code: "not_found" });
      });

      it("calls AdminService with the admin token, its request and answer described by reflection", async () => {
        const name = `by ${protocol}`;
        const auth = ["-H", `authorization: Bearer ${storage.adminToken}`];
        const created = await bufCurl(
          [
            ...auth,
            "-d",
            JSON.stringify({ display_name: name, sdk_config: { theme: "dark" }, auth_code_ttl: "120s" }),
            `${url(server)}/userlink.v1.AdminService/CreateApp`,
          ],
          { reflectProtocol: protocol },
        );
        expect(created.exitCode, created.stdout + created.stderr).toBe(0);
        const { app } = JSON.parse(created.stdout) as { app: { appId: string; displayName: string } };
        expect(app.displayName).toBe(name);

        const fetched = await bufCurl(
          [
            ...auth,
            "-d",
            JSON.stringify({ app_id: app.appId }),
            `${url(server)}/userlink.v1.AdminService/GetApp`,
          ],
          { reflectProtocol: protocol },
        );
        expect(JSON.parse(fetched.stdout)).toMatchObject({
          app: { appId: app.appId, displayName: name, sdkConfig: { theme: "dark" }, authCodeTtl: "120s" },
        });

        const refused = await bufCurl(
          [
            "-H",
            "authorization: Bearer wrong",
            "-d",
            "{}",
            `${url(server)}/userlink.v1.AdminService/ListApps`,
          ],
          { reflectProtocol: protocol },
        );
        expect(JSON.parse(refused.stderr)).toMatchObject({ code: "unauthenticated" });
      });
    });
  }

  it("resolves, over both versions, every file the services and their error details need", async () => {
    const channel = server.raw();
    for (const definition of [ServerReflectionService, ServerReflectionV1AlphaService]) {
      const registry = await resolveByReflection(channel, definition, [
        ...LISTED,
        "google.rpc.Status",
        "google.rpc.ErrorInfo",
        "google.rpc.BadRequest",
        "google.rpc.RetryInfo",
      ]);
      for (const service of LISTED) {
        const desc = registry.getService(service);
        expect(desc, service).toBeDefined();
        // Every request and answer type is in the registry (createFileRegistry checks imports).
        for (const method of desc!.methods) {
          expect(registry.getMessage(method.input.typeName)).toBe(method.input);
          expect(registry.getMessage(method.output.typeName)).toBe(method.output);
        }
      }
      const badRequest = registry.getMessage("google.rpc.BadRequest") as DescMessage;
      expect(badRequest.fields.map((f) => f.name)).toEqual(["field_violations"]);
      expect(registry.getMessage("google.rpc.RetryInfo")?.fields[0]?.message?.typeName).toBe(
        "google.protobuf.Duration",
      );
    }
  });
});

async function* once<T>(value: T): AsyncIterable<T> {
  yield value;
}

/** Fetches the file of each symbol, then every file it imports, by reflection alone. */
async function resolveByReflection(
  channel: Channel,
  definition: typeof ServerReflectionService,
  symbols: readonly string[],
) {
  const client = createClient(definition, channel);
  const files = new Map<string, Uint8Array>();
  const ask = async (request: ServerReflectionRequest): Promise<Uint8Array[]> => {
    for await (const response of client.serverReflectionInfo(once(request))) {
      const error = response.getErrorResponse();
      if (error) throw new Error(`reflection: ${error.getErrorMessage()}`);
      return response.getFileDescriptorResponse()?.getFileDescriptorProtoList_asU8() ?? [];
    }
    throw new Error("no answer");
  };
  const pending: Uint8Array[] = [];
  for (const symbol of symbols)
    pending.push(...(await ask(new ServerReflectionRequest().setFileContainingSymbol(symbol))));
  while (pending.length > 0) {
    const bytes = pending.pop()!;
    const file = fromBinary(FileDescriptorProtoSchema, bytes);
    if (files.has(file.name)) continue;
    files.set(file.name, bytes);
    for (const dependency of file.dependency) {
      if (!files.has(dependency))
        pending.push(...(await ask(new ServerReflectionRequest().setFileByFilename(dependency))));
    }
  }
  // The registry wants each file after the files it imports.
  const decoded = new Map(
    [...files].map(([name, bytes]) => [name, fromBinary(FileDescriptorProtoSchema, bytes)]),
  );
  const ordered: string[] = [];
  const visit = (name: string): void => {
    if (ordered.includes(name)) return;
    for (const dependency of decoded.get(name)?.dependency ?? []) visit(dependency);
    ordered.push(name);
  };
  for (const name of decoded.keys()) visit(name);
  const set = create(FileDescriptorSetSchema, { file: ordered.map((name) => decoded.get(name)!) });
  return createFileRegistry(set);
}

describe("health follows readiness (private Postgres, real Redis)", () => {
  let pg: PrivatePostgres;
  let dataDir: string;
  let server: TestInstance;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    dataDir = await mkdtemp(join(tmpdir(), "userlink-health-"));
    server = await startInstance(
      {
        backend: "real",
        databaseUrl: pg.url,
        dataDir,
        redisKeyPrefix: uniquePrefix(),
        adminToken: `test-admin-${randomBytes(24).toString("base64url")}`,
      },
      { USERLINK_SHUTDOWN_GRACE_SECONDS: "5" },
    );
  });
  afterAll(async () => {
    await server?.stop();
    await pg?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("is NOT_SERVING while the database is down, SERVING again once it is back", async () => {
    const names = ["", ...OURS.map((d) => d.fullName)];
    for (const name of names) expect(await healthOf(server, name)).toBe("SERVING");
    await pg.stop();
    // A Check reuses a result at most 250 ms old: the first one after that sees the outage.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const name of names) expect(await healthOf(server, name, "grpc-v1alpha")).toBe("NOT_SERVING");
    await pg.start();
    // The pool reconnects on a later query (a first one may still meet a dead connection).
    const deadline = Date.now() + 10_000;
    while ((await healthOf(server, "")) !== "SERVING" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    for (const name of names) expect(await healthOf(server, name)).toBe("SERVING");
  });

  it("turns NOT_SERVING for a Watch caller as soon as the instance drains", async () => {
    const health = createClient(HealthDefinition, server.raw());
    const watch = health.watch({ service: DeviceServiceDefinition.fullName })[Symbol.asyncIterator]();
    expect((await watch.next()).value).toEqual({ status: 1 });
    const closing = server.running.close();
    expect((await watch.next()).value).toEqual({ status: 2 });
    await watch.return?.(undefined);
    await closing;
  });
});
