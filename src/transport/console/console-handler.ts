import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CONSOLE_SECURITY_HEADERS,
  contentTypeOf,
  IMMUTABLE,
  NO_STORE,
  REVALIDATE,
} from "./console-headers.js";

/** Where the console lives on the gRPC-Web port. */
export const CONSOLE_PATH = "/console";

export interface ConsoleHandlerOptions {
  /** USERLINK_CONSOLE: false answers 404 under /console. */
  readonly enabled: boolean;
  /** The built console (vite build's outDir); found from this module's place when absent. */
  readonly root?: string;
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

/** Serves the console's built files; `handle` is false for requests that are not the console's. */
export interface ConsoleHandler {
  handle(req: Request, res: Response): boolean;
}

/**
 * The console's static files, under /console/ on the gRPC-Web port (same origin as the
 * API, so the page needs no CORS entry). Only GET and HEAD, only files inside the built
 * folder (a path with a dot segment, an encoded slash or a NUL is refused before any
 * file is looked at, and a symlink out of the folder is refused after), with strict
 * security headers on every answer.
 */
export function createConsoleHandler(options: ConsoleHandlerOptions): ConsoleHandler {
  // Looked up per request when not given, so a build made after start is found.
  const rootOf = (): string => resolve(options.root ?? findBuiltConsole());
  return {
    handle(req, res) {
      const url = req.url ?? "/";
      const path = url.split("?", 1)[0]!;
      if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return false;
      if (!options.enabled) {
        answer(
          res,
          404,
          "text/plain; charset=utf-8",
          "The console is turned off (USERLINK_CONSOLE=false).\n",
        );
      } else if (req.method !== "GET" && req.method !== "HEAD") {
        answer(res, 405, "text/plain; charset=utf-8", "The console answers GET and HEAD.\n", {
          allow: "GET, HEAD",
        });
      } else if (path === CONSOLE_PATH) {
        answer(res, 308, "text/plain; charset=utf-8", "", { location: `${CONSOLE_PATH}/` });
      } else {
        void serveFile(rootOf(), path.slice(CONSOLE_PATH.length + 1), req, res).catch(() => {
          if (!res.headersSent)
            answer(res, 500, "text/plain; charset=utf-8", "The console file could not be read.\n");
          else res.destroy();
        });
      }
      return true;
    },
  };
}

async function serveFile(root: string, rest: string, req: Request, res: Response): Promise<void> {
  const segments = safeSegments(rest);
  if (segments === null) return answer(res, 400, "text/plain; charset=utf-8", "Refused path.\n");
  if (!existsSync(join(root, "index.html"))) {
    return answer(
      res,
      503,
      "text/plain; charset=utf-8",
      "The console is not built. Run `npm run build:console` (it writes dist/console), then reload.\n",
    );
  }
  const relative = segments.length === 0 ? ["index.html"] : segments;
  const file = join(root, ...relative);
  const found = await stat(file).catch(() => null);
  const type = contentTypeOf(extname(file));
  if (found === null || !found.isFile() || type === null) {
    return answer(res, 404, "text/plain; charset=utf-8", "No such console file.\n");
  }
  // A symlink inside the build that points elsewhere is not the console's to serve.
  const real = await realpath(file);
  const realRoot = await realpath(root);
  if (!real.startsWith(realRoot + sep))
    return answer(res, 400, "text/plain; charset=utf-8", "Refused path.\n");

  const body = await readFile(real);
  const hashed = relative[0] === "assets" && relative.length > 1;
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  const headers = { "cache-control": hashed ? IMMUTABLE : REVALIDATE, etag };
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, { ...CONSOLE_SECURITY_HEADERS, ...headers });
    res.end();
    return;
  }
  answer(res, 200, type, req.method === "HEAD" ? "" : body, {
    ...headers,
    "content-length": String(body.length),
  });
}

/** The path's segments, decoded; null when any of them could step outside the folder. */
function safeSegments(rest: string): string[] | null {
  if (rest === "" || rest === "index.html") return [];
  const segments: string[] = [];
  for (const raw of rest.split("/")) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    // Empty (//), dot and dot-dot segments, hidden files, and anything that still holds
    // a separator or NUL once decoded (%2f, %5c, %00) could reach outside the folder.
    if (segment === "" || segment.startsWith(".") || /[/\\\0]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

function answer(
  res: Response,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...CONSOLE_SECURITY_HEADERS,
    "cache-control": NO_STORE,
    ...headers,
    "content-type": type,
  });
  res.end(body);
}

/**
 * dist/console of the checkout or install this module runs from: the nearest folder
 * above it holding dist/console (src/transport/console in a checkout, or the compiled
 * copy under dist/). Without one, where a build in this checkout would put it.
 */
function findBuiltConsole(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, "dist", "console");
    if (existsSync(join(candidate, "index.html"))) return candidate;
    if (dirname(dir) === dir) break;
  }
  return resolve(here, "..", "..", "..", "dist", "console");
}
