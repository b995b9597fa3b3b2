export * from "./clients.js";
export type { ClientOptions, TlsOptions } from "./client-options.js";
export * from "../../core/src/index.js";
