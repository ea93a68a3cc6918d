/** The store cannot be reached (connection refused or lost, server shutting down): retry later. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
