import { request, type ClientRequest, type IncomingHttpHeaders } from "node:http";

/**
 * Just enough of the browser's XMLHttpRequest, over node:http, for Google's `grpc-web`
 * runtime (Closure's XhrIo) to run in Node: text responses only (the runtime's text
 * mode, the one that streams), with a readystatechange per received chunk as browsers
 * fire them, which is what lets the runtime hand over stream messages as they arrive.
 */
export class NodeXMLHttpRequest {
  static readonly UNSENT = 0;
  static readonly OPENED = 1;
  static readonly HEADERS_RECEIVED = 2;
  static readonly LOADING = 3;
  static readonly DONE = 4;

  readyState = NodeXMLHttpRequest.UNSENT;
  status = 0;
  statusText = "";
  responseText = "";
  responseType = "";
  withCredentials = false;
  timeout = 0;
  onreadystatechange: (() => void) | null = null;

  #method = "GET";
  #url = "";
  #headers: Record<string, string> = {};
  #responseHeaders: IncomingHttpHeaders = {};
  #request: ClientRequest | null = null;
  #aborted = false;

  get response(): string {
    return this.responseText;
  }

  open(method: string, url: string): void {
    this.#method = method;
    this.#url = url;
    this.#setState(NodeXMLHttpRequest.OPENED);
  }

  setRequestHeader(name: string, value: string): void {
    this.#headers[name] = value;
  }

  send(body?: string | Uint8Array | null): void {
    if (this.responseType !== "" && this.responseType !== "text") {
      throw new Error(`this XMLHttpRequest shim reads text only, not ${this.responseType}`);
    }
    const req = request(this.#url, { method: this.#method, headers: this.#headers }, (res) => {
      this.status = res.statusCode ?? 0;
      this.statusText = res.statusMessage ?? "";
      this.#responseHeaders = res.headers;
      this.#setState(NodeXMLHttpRequest.HEADERS_RECEIVED);
      res.setEncoding("latin1");
      res.on("data", (chunk: string) => {
        this.responseText += chunk;
        this.#setState(NodeXMLHttpRequest.LOADING);
      });
      res.on("end", () => this.#setState(NodeXMLHttpRequest.DONE));
      res.on("error", () => this.#fail());
    });
    req.on("error", () => this.#fail());
    this.#request = req;
    req.end(body ?? undefined);
  }

  abort(): void {
    this.#aborted = true;
    this.#request?.destroy();
    this.readyState = NodeXMLHttpRequest.UNSENT;
  }

  getResponseHeader(name: string): string | null {
    const value = this.#responseHeaders[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : String(value);
  }

  getAllResponseHeaders(): string {
    return Object.keys(this.#responseHeaders)
      .map((name) => `${name}: ${this.getResponseHeader(name)}\r\n`)
      .join("");
  }

  // Closure's event system may probe for these; XhrIo itself uses onreadystatechange.
  addEventListener(): void {}
  removeEventListener(): void {}

  #fail(): void {
    if (this.#aborted || this.readyState === NodeXMLHttpRequest.DONE) return;
    this.status = 0;
    this.#setState(NodeXMLHttpRequest.DONE);
  }

  #setState(state: number): void {
    if (this.#aborted) return;
    this.readyState = state;
    this.onreadystatechange?.();
  }
}

/** Makes `XMLHttpRequest` the shim for the duration of a test file; returns the undo. */
export function installXMLHttpRequest(): () => void {
  const global = globalThis as { XMLHttpRequest?: unknown };
  const previous = global.XMLHttpRequest;
  global.XMLHttpRequest = NodeXMLHttpRequest;
  return () => {
    global.XMLHttpRequest = previous;
  };
}
