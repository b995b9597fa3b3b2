import { readFile } from "node:fs/promises";
import type { TlsConfig } from "../config.js";

/** The certificate files' contents, read once at start for every listener that serves TLS. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Set: clients may present a certificate from this CA (AdminService then requires one). */
  readonly clientCa: Buffer | null;
}

/**
 * Reads the files named by the configuration. Done before anything listens, so a missing
 * or unreadable file stops the start instead of the first call; renewing certificates
 * takes a (rolling) restart.
 */
export async function loadTlsMaterial(tls: TlsConfig | null): Promise<TlsMaterial | null> {
  if (tls === null) return null;
  const [cert, key, clientCa] = await Promise.all([
    readFile(tls.certFile),
    readFile(tls.keyFile),
    tls.clientCaFile === null ? null : readFile(tls.clientCaFile),
  ]);
  return { cert, key, clientCa };
}
