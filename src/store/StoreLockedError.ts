/** The embedded store's directory is in use by another process (or already open in this one). */
export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';

  constructor(
    readonly dir: string,
    /** The process that holds the store. */
    readonly ownerPid: number,
    lockFile: string,
  ) {
    super(
      ownerPid === process.pid
        ? `the embedded store in ${dir} is already open in this process (pid ${ownerPid})`
        : `the embedded store in ${dir} is in use by process ${ownerPid}. An embedded store serves one process at a time: ` +
            `stop process ${ownerPid}, or set DATABASE_URL to a PostgreSQL server to run several processes on one store. ` +
            `If process ${ownerPid} is not a gateway, delete ${lockFile}.`,
    );
    // An operator's mistake, not a bug: the stack would only bury the message.
    this.stack = `${this.name}: ${this.message}`;
  }
}
