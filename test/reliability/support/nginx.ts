import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const NGINX = "/usr/sbin/nginx";

/** Debian's nginx (HTTP/2 and gRPC modules included), installed when missing. */
export function ensureNginx(): string {
  if (!existsSync(NGINX)) {
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "nginx"], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  }
  return NGINX;
}

export interface NginxOptions {
  readonly dir: string;
  /** Listeners: h2c gRPC and HTTP/1.1 gRPC-Web. */
  readonly grpcPort: number;
  readonly webPort: number;
  /** `host:port` of each instance's gRPC and gRPC-Web port. */
  readonly grpcUpstreams: readonly string[];
  readonly webUpstreams: readonly string[];
}

/**
 * The load balancer in front of the instances, as the README's production section shows
 * it: gRPC over h2c with `grpc_next_upstream error timeout` (a call whose connection is
 * refused, or whose stream a draining instance refuses, goes to the next instance), and a
 * plain HTTP proxy for gRPC-Web. Only the paths (pid, logs, temp) differ from production,
 * so that it runs unprivileged-style with -p DIR.
 */
export function nginxConfig(options: NginxOptions): string {
  const servers = (list: readonly string[]) =>
    list.map((address) => `    server ${address} max_fails=1 fail_timeout=2s;`).join("\n");
  return `daemon off;
worker_processes 1;
pid ${options.dir}/nginx.pid;
error_log ${options.dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${options.dir}/client_body;
  proxy_temp_path ${options.dir}/proxy;
  fastcgi_temp_path ${options.dir}/fastcgi;
  uwsgi_temp_path ${options.dir}/uwsgi;
  scgi_temp_path ${options.dir}/scgi;
  # One client connection carries many calls and long streams.
  keepalive_requests 1000000;
  keepalive_timeout 1h;
  # gRPC clients multiplex every call and stream of a process over one connection; at
  # nginx's default of 128, open WatchDeviceStatus streams starve the unary calls.
  http2_max_concurrent_streams 1000;

  # --- userlink: the snippet of README "Running in production" ---
  upstream userlink_grpc {
${servers(options.grpcUpstreams)}
    keepalive 32;
  }
  upstream userlink_grpc_web {
${servers(options.webUpstreams)}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${options.grpcPort} http2;
    location / {
      grpc_pass grpc://userlink_grpc;
      # A refused connection or a stream refused by a draining instance: the next one.
      grpc_next_upstream error timeout;
      grpc_next_upstream_tries 3;
      grpc_connect_timeout 2s;
      # WatchDeviceStatus streams stay open for as long as the device watches.
      grpc_read_timeout 1h;
      grpc_send_timeout 1h;
      grpc_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
  server {
    listen 127.0.0.1:${options.webPort};
    location / {
      proxy_pass http://userlink_grpc_web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # Stream messages are flushed as they come, not buffered.
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_read_timeout 1h;
    }
  }
  # --- end of the snippet ---
}
`;
}

export interface RunningNginx {
  readonly grpcAddress: string;
  readonly webUrl: string;
  readonly config: string;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

export async function startNginx(options: NginxOptions): Promise<RunningNginx> {
  const bin = ensureNginx();
  await mkdir(options.dir, { recursive: true });
  const config = nginxConfig(options);
  const file = join(options.dir, "nginx.conf");
  await writeFile(file, config);
  execFileSync(bin, ["-t", "-q", "-p", options.dir, "-c", file], { stdio: "inherit" });
  const child: ChildProcess = spawn(bin, ["-p", options.dir, "-c", file], { stdio: "inherit" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Up once the gRPC listener accepts.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${options.webPort}/`).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline)
      throw new Error(
        `nginx did not start:\n${await readFile(join(options.dir, "error.log"), "utf8").catch(() => "")}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    grpcAddress: `127.0.0.1:${options.grpcPort}`,
    webUrl: `http://127.0.0.1:${options.webPort}`,
    config,
    errorLog: () => readFile(join(options.dir, "error.log"), "utf8").catch(() => ""),
    stop: async () => {
      child.kill("SIGQUIT");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
