import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const BUF = fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url));

export type ReflectProtocol = "grpc-v1" | "grpc-v1alpha";

export interface BufCurlResult {
  /** buf curl's exit code: 0, or 16 + the gRPC status code for an error answer. */
  readonly exitCode: number;
  readonly stdout: string;
  /** An error answer is printed here, as Connect's JSON error ({code, message, details}). */
  readonly stderr: string;
}

/**
 * `buf curl` over gRPC (h2c), finding every method and type by server reflection alone:
 * a client we did not write, the one the README tells people to use.
 */
export async function bufCurl(
  args: readonly string[],
  options: {
    reflectProtocol?: ReflectProtocol;
    protocol?: "grpc" | "connect" | "grpcweb";
    /** A descriptor set to take the schema from instead of reflection. */
    schema?: string;
    http2?: boolean;
  } = {},
): Promise<BufCurlResult> {
  const protocol = options.protocol ?? "grpc";
  const argv = [
    "curl",
    "--protocol",
    protocol,
    ...(protocol === "grpc" || options.http2 === true ? ["--http2-prior-knowledge"] : []),
    ...(options.schema === undefined
      ? ["--reflect-protocol", options.reflectProtocol ?? "grpc-v1"]
      : ["--schema", options.schema]),
    ...args,
  ];
  try {
    const { stdout, stderr } = await run(BUF, argv, { timeout: 30_000 });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    return { exitCode: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}
