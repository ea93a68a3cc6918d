import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * Where sealed cache entries live. Two implementations: a bounded in-process LRU (the
 * embedded default) and Redis (single node or Cluster), shared by gateway instances.
 */
export interface CacheBackend {
  readonly kind: 'memory' | 'redis' | 'redis-cluster';
  /** One round trip for the batch (auto-pipelined per Redis node; no multi-key command). */
  getMany(keys: string[]): Promise<(string | null)[]>;
  setMany(items: { key: string; value: string; ttlMs: number }[]): Promise<void>;
  deleteMany(keys: string[]): Promise<void>;
  /** Tells the other instances (Redis pub/sub); the memory backend has none to tell. */
  publish(message: string): Promise<void>;
  onMessage(handler: (message: string) => void): void;
  /** Whether the backend answers now. */
  up(): boolean;
  close(): Promise<void>;
}

/** A bounded LRU with per-entry expiry, for one process. */
export class MemoryBackend implements CacheBackend {
  readonly kind = 'memory';
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    /** The clock (milliseconds); tests move it. */
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`maxEntries must be a positive integer, but got: ${maxEntries}`);
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    const now = this.now();
    return keys.map((k) => {
      const e = this.entries.get(k);
      if (!e) return null;
      this.entries.delete(k);
      if (e.expiresAt <= now) return null;
      this.entries.set(k, e); // most recently used last
      return e.value;
    });
  }

  async setMany(items: { key: string; value: string; ttlMs: number }[]): Promise<void> {
    const now = this.now();
    for (const { key, value, ttlMs } of items) {
      this.entries.delete(key);
      this.entries.set(key, { value, expiresAt: now + ttlMs });
    }
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  async deleteMany(keys: string[]): Promise<void> {
    for (const k of keys) this.entries.delete(k);
  }

  async publish(): Promise<void> {}
  onMessage(): void {}
  up(): boolean {
    return true;
  }
  async close(): Promise<void> {
    this.entries.clear();
  }
}

export interface RedisBackendOptions {
  url?: string;
  clusterNodes?: { host: string; port: number }[];
  /** Commands fail after this long instead of waiting: Redis is never worth a slow request. */
  commandTimeoutMs: number;
  channel: string;
  onError?: (err: Error) => void;
  onStatus?: (up: boolean) => void;
}

/**
 * Redis or Redis Cluster through ioredis. Fails fast: no offline queue, a command
 * timeout, no per-command retries; reconnects by itself in the background.
 */
export class RedisBackend implements CacheBackend {
  readonly kind: 'redis' | 'redis-cluster';
  private readonly client: Redis | Cluster;
  /** The command connection, shared with other users of Redis (rate limits). */
  get redis(): Redis | Cluster {
    return this.client;
  }
  private readonly subscriber: Redis | Cluster;
  private readonly handlers: ((message: string) => void)[] = [];

  constructor(private readonly options: RedisBackendOptions) {
    const reconnect = (times: number) => Math.min(times * 200, 2000);
    const base: RedisOptions = {
      commandTimeout: options.commandTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: reconnect,
      enableAutoPipelining: true,
    };
    if (options.clusterNodes && options.clusterNodes.length > 0) {
      this.kind = 'redis-cluster';
      const clusterOptions = { enableOfflineQueue: false, enableAutoPipelining: true, clusterRetryStrategy: reconnect, redisOptions: base };
      this.client = new Cluster(options.clusterNodes, clusterOptions);
      this.subscriber = new Cluster(options.clusterNodes, { ...clusterOptions, enableAutoPipelining: false, enableOfflineQueue: true });
    } else {
      if (!options.url) throw new Error('RedisBackend needs a url or clusterNodes');
      this.kind = 'redis';
      this.client = new Redis(options.url, base);
      this.subscriber = new Redis(options.url, { ...base, enableAutoPipelining: false, enableOfflineQueue: true, commandTimeout: undefined });
    }
    for (const c of [this.client, this.subscriber]) c.on('error', (err: Error) => options.onError?.(err));
    this.client.on('ready', () => options.onStatus?.(true));
    this.client.on('close', () => options.onStatus?.(false));
    // Subscribing again after a reconnect is done by ioredis (autoResubscribe).
    this.subscriber.subscribe(options.channel).catch((err: Error) => options.onError?.(err));
    this.subscriber.on('message', (_channel: string, message: string) => {
      for (const h of this.handlers) h(message);
    });
  }

  getMany(keys: string[]): Promise<(string | null)[]> {
    return Promise.all(keys.map((k) => this.client.get(k)));
  }

  async setMany(items: { key: string; value: string; ttlMs: number }[]): Promise<void> {
    await Promise.all(items.map((i) => this.client.set(i.key, i.value, 'PX', Math.max(1, Math.round(i.ttlMs)))));
  }

  async deleteMany(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => this.client.unlink(k)));
  }

  async publish(message: string): Promise<void> {
    await this.client.publish(this.options.channel, message);
  }

  onMessage(handler: (message: string) => void): void {
    this.handlers.push(handler);
  }

  up(): boolean {
    return this.client.status === 'ready';
  }

  async close(): Promise<void> {
    this.client.disconnect();
    this.subscriber.disconnect();
  }
}
