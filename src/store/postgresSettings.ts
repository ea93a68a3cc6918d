/**
 * Size and deadlines of the PostgreSQL pool. Every call to the server is bounded: a call
 * gets a connection within `connectTimeoutMs` and each statement an answer within
 * `queryTimeoutMs`, or it fails with StoreUnavailableError, so that a refused, lost, slow or
 * frozen server never holds a request forever.
 */
export interface PostgresSettings {
  /** Most connections this process keeps open; further calls wait for one, within `connectTimeoutMs`. */
  poolMax: number;
  /** Opening a connection (TCP and start-up), or waiting for a free one. */
  connectTimeoutMs: number;
  /** Server side (`statement_timeout`): PostgreSQL cancels a statement that runs longer. */
  statementTimeoutMs: number;
  /**
   * Client side: a call with no answer by then is abandoned and its connection destroyed.
   * The only deadline that holds against a frozen server, whose socket stays open and
   * silent while the kernel still acknowledges keepalive probes.
   */
  queryTimeoutMs: number;
  /** Server side (`idle_in_transaction_session_timeout`): a session idle inside a transaction this long is ended, releasing its locks. */
  idleInTransactionTimeoutMs: number;
}

/**
 * The defaults: a statement may run (or wait for a lock) 5 s, far beyond what the gateway's
 * statements need, so that a loaded but working server is not turned into refusals; the
 * client gives up 1 s later, when only a dead or frozen server would still be silent.
 */
export const DEFAULT_POSTGRES_SETTINGS: Readonly<PostgresSettings> = {
  poolMax: 10,
  connectTimeoutMs: 2000,
  statementTimeoutMs: 5000,
  queryTimeoutMs: 6000,
  idleInTransactionTimeoutMs: 10_000,
};
