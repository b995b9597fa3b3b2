export * from "./clients.js";
export type { ClientOptions } from "./client-options.js";
export * from "../../core/src/index.js";
