import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

/**
 * What the proxy does with traffic:
 * - `pass`: forwards both ways;
 * - `delay`: forwards every chunk `ms` later (order kept);
 * - `blackhole`: accepts connections and holds every byte, as a network partition
 *   would (TCP keeps them; they flow once the mode is `pass` or `delay` again);
 * - `reset`: destroys every connection at once, and each new one as it arrives.
 */
export type ProxyMode =
  { kind: "pass" } | { kind: "delay"; ms: number } | { kind: "blackhole" } | { kind: "reset" };

export interface TcpProxy {
  readonly port: number;
  readonly mode: ProxyMode;
  setMode(mode: ProxyMode): void;
  /** Connections accepted since the start. */
  readonly accepted: number;
  close(): Promise<void>;
}

/**
 * One direction of one connection. Chunks leave strictly in the order they came, each
 * no earlier than its due time: a chunk that arrives after a delay ends must wait for
 * the delayed ones still ahead of it, or the stream would be reordered (no network
 * does that to a TCP stream, and every protocol on top breaks).
 */
class Pipe {
  readonly #queue: { chunk: Buffer; due: number }[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly to: Socket,
    private readonly proxy: { readonly mode: ProxyMode },
  ) {}

  push(chunk: Buffer): void {
    const mode = this.proxy.mode;
    this.#queue.push({ chunk, due: Date.now() + (mode.kind === "delay" ? mode.ms : 0) });
    this.flush();
  }

  /** Sends what is due; called on every chunk, timer and change of mode. */
  flush(): void {
    const mode = this.proxy.mode;
    if (mode.kind === "blackhole" || mode.kind === "reset") return;
    const now = Date.now();
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.due > now) {
        this.#timer ??= setTimeout(() => {
          this.#timer = null;
          this.flush();
        }, head.due - now);
        return;
      }
      this.#queue.shift();
      if (!this.to.destroyed) this.to.write(head.chunk);
    }
  }

  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#queue.length = 0;
  }
}

/** A TCP proxy on a free loopback port in front of `upstreamPort`, starting in `pass`. */
export async function startTcpProxy(upstreamPort: number, upstreamHost = "127.0.0.1"): Promise<TcpProxy> {
  const state: { mode: ProxyMode; accepted: number } = { mode: { kind: "pass" }, accepted: 0 };
  const connections = new Set<{ client: Socket; upstream: Socket; pipes: Pipe[] }>();

  const server: Server = createServer((client) => {
    state.accepted++;
    if (state.mode.kind === "reset") {
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const upstream = connect({ port: upstreamPort, host: upstreamHost });
    upstream.setNoDelay(true);
    const toUpstream = new Pipe(upstream, state);
    const toClient = new Pipe(client, state);
    const connection = { client, upstream, pipes: [toUpstream, toClient] };
    connections.add(connection);
    const end = () => {
      connections.delete(connection);
      toUpstream.close();
      toClient.close();
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk: Buffer) => toUpstream.push(chunk));
    upstream.on("data", (chunk: Buffer) => toClient.push(chunk));
    for (const socket of [client, upstream]) {
      socket.on("error", end);
      socket.on("close", end);
    }
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  return {
    port: (server.address() as AddressInfo).port,
    get mode() {
      return state.mode;
    },
    get accepted() {
      return state.accepted;
    },
    setMode(mode) {
      state.mode = mode;
      if (mode.kind === "reset") {
        for (const { client, upstream } of connections) {
          client.resetAndDestroy();
          upstream.resetAndDestroy();
        }
        connections.clear();
        return;
      }
      for (const { pipes } of connections) for (const pipe of pipes) pipe.flush();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of connections) {
          client.destroy();
          upstream.destroy();
        }
        connections.clear();
        server.close(() => resolve());
      }),
  };
}
