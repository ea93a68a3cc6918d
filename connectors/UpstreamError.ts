import type { RegistryName } from './types';

/**
 * Why a registry call failed, in terms a client can act on:
 * - `unavailable`: network error, 5xx, 429, malformed answer, or the circuit is open;
 * - `timeout`: no answer within the registry's time budget.
 */
export type UpstreamFailure = 'unavailable' | 'timeout';

/**
 * A failed registry call. `detail` is for operators' logs only: it never holds an
 * upstream body, and it never reaches a client.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';

  constructor(
    readonly registry: RegistryName,
    readonly failure: UpstreamFailure,
    readonly detail: string,
    readonly shortCircuited = false,
  ) {
    super(`${registry} registry ${failure === 'timeout' ? 'timed out' : 'unavailable'}: ${detail}`);
  }
}

/** Thrown by mappers when a registry answers 2xx with a body that breaks its contract. */
export class MalformedResponseError extends Error {
  override readonly name = 'MalformedResponseError';
}
