/**
 * The console's security headers. The page runs only its own bundled script and style
 * (Vite writes no inline script), talks only to its own origin (the gRPC-Web port that
 * serves it), and may not be framed: the admin token is typed into it.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // For browsers that predate frame-ancestors.
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
});

/** Vite names every file under assets/ by its content hash: a new build is a new name. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** index.html names the current assets: always asked again (cheap with its ETag). */
export const REVALIDATE = "no-cache";
export const NO_STORE = "no-store";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** The content type of a built file, by its extension; null for anything the build does not make. */
export function contentTypeOf(extension: string): string | null {
  return TYPES[extension] ?? null;
}
