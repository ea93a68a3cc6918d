import { StoreUnavailableError } from './StoreUnavailableError';

/**
 * `work` given `ms` to settle; past it, a StoreUnavailableError naming `what`: a store
 * that hangs is treated as down. The work itself cannot be called back and may still
 * complete later, so what it writes must be safe to write again (idempotent).
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  work.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`${what}: no answer from the store within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
