/** A command line the CLI cannot run: printed after "usage: userlink", exit status 2. */
export class UsageError extends Error {}
