import type { CallContext, RegistryClient } from './RegistryClient';
import { UpstreamError } from './UpstreamError';
import type { RegistryName } from './types';
import { chunks, mapOrFail, object, type Wire } from './wire';

export interface ConnectorOptions {
  client: RegistryClient;
  /** Most IDs sent in one batch call; larger requests are split and sent in parallel. */
  maxBatch?: number;
  now?: () => Date;
}

/**
 * Base of the typed connectors: a batch read by IDs over one {@link RegistryClient}.
 * Subclasses name the endpoint and map one wire record; the hooks are small on purpose.
 */
export abstract class RegistryConnector<T> {
  abstract readonly registry: RegistryName;
  /** Batch endpoint path, e.g. `/v1/citizens:batchGet`. */
  protected abstract readonly batchPath: string;
  /** Request body key holding the IDs. */
  protected abstract readonly batchKey: string;
  /** Response body key holding the records. */
  protected abstract readonly resultKey: string;
  /** Maps one wire record; throws MalformedResponseError when it breaks the contract. */
  protected abstract map(wire: Wire, fetchedAt: string): T;
  /** The ID a record answers for. */
  protected abstract idOf(record: T): string;
  /** Extra fields for the batch request body. */
  protected batchBodyExtras(): Record<string, unknown> {
    return {};
  }

  protected readonly client: RegistryClient;
  protected readonly now: () => Date;
  private readonly maxBatch: number;

  constructor(options: ConnectorOptions) {
    this.client = options.client;
    this.now = options.now ?? (() => new Date());
    this.maxBatch = options.maxBatch ?? 100;
  }

  /** Records for the IDs the registry knows; unknown IDs are absent from the map. */
  async getMany(ids: readonly string[], call?: CallContext): Promise<Map<string, T>> {
    const unique = [...new Set(ids)];
    const parts = await Promise.all(chunks(unique, this.maxBatch).map((part) => this.fetchBatch(part, call)));
    const out = new Map<string, T>();
    for (const records of parts) for (const r of records) out.set(this.idOf(r), r);
    return out;
  }

  private async fetchBatch(ids: string[], call: CallContext | undefined): Promise<T[]> {
    const res = await this.client.request<unknown>({
      method: 'POST',
      path: this.batchPath,
      route: this.batchPath,
      body: { [this.batchKey]: ids, ...this.batchBodyExtras() },
      idempotent: true,
      call,
    });
    if (res.status === 404) {
      throw new UpstreamError(this.registry, 'unavailable', `batch endpoint ${this.batchPath} not found`);
    }
    const fetchedAt = this.now().toISOString();
    return mapOrFail(this.registry, () => {
      const body = object(res.body, 'body');
      const list = body[this.resultKey];
      if (!Array.isArray(list)) throw new UpstreamError(this.registry, 'unavailable', `malformed response: body.${this.resultKey} is not an array`);
      return list.map((item, i) => this.map(object(item, `body.${this.resultKey}[${i}]`), fetchedAt));
    });
  }
}
