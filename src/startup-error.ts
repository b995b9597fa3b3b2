/**
 * A start that cannot succeed for a reason the operator fixes by hand (a port taken, the
 * data folder in use): the CLI prints the one-line message and exits 2, no stack trace.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

/**
 * Runs `listen` and turns "address in use" / "permission denied" into a StartupError
 * naming the variable that sets the port. grpc-js reports them only inside its message
 * ("No address added … EADDRINUSE …"), node:net as `error.code`, so both are read.
 */
export async function listenOrExplain<T>(
  variable: string,
  host: string,
  port: number,
  listen: () => Promise<T>,
): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const text = `${(error as NodeJS.ErrnoException).code ?? ""} ${(error as Error).message ?? ""}`;
    const problem = /EADDRINUSE/.test(text)
      ? "is already in use"
      : /EACCES/.test(text)
        ? "may not be opened by this user"
        : null;
    if (problem === null) throw error;
    throw new StartupError(`port ${port} on ${host} ${problem}: set ${variable} to a free port`);
  }
}
