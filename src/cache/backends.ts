import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { CircuitBreaker, type BreakerState } from '../../connectors/CircuitBreaker';

/** A backend call that is one Redis round trip (a batch is pipelined into one). */
export type RoundTripOperation = 'get' | 'set' | 'delete' | 'publish' | 'increment';

/**
 * Records each Redis round trip as a span under the request it serves. Given per call,
 * and only while tracing is on: without it a call costs nothing more.
 */
export interface RoundTripTrace {
  /**
   * Starts the span of one round trip of `commands` pipelined commands (one per key of a batch,
   * or one MGET: `command` names the Redis command when it is not the operation's usual one);
   * `end` gets the error it failed with.
   */
  roundTrip(operation: RoundTripOperation, commands: number, command?: string): { end(error?: Error): void };
}

/**
 * Where sealed cache entries live. Two implementations: a bounded in-process LRU (the
 * embedded default) and Redis (single node or Cluster), shared by gateway instances.
 */
export interface CacheBackend {
  readonly kind: 'memory' | 'redis' | 'redis-cluster';
  /** One round trip for the batch: one MGET on a single Redis node, GETs auto-pipelined per node of a cluster. */
  getMany(keys: string[], trace?: RoundTripTrace): Promise<(string | null)[]>;
  setMany(items: { key: string; value: string; ttlMs: number }[], trace?: RoundTripTrace): Promise<void>;
  deleteMany(keys: string[], trace?: RoundTripTrace): Promise<void>;
  /** Tells the other instances (Redis pub/sub); the memory backend has none to tell. */
  publish(message: string, trace?: RoundTripTrace): Promise<void>;
  onMessage(handler: (message: string) => void): void;
  /** Whether messages from other instances reach this process now; absent where there are none to hear. */
  listening?(): boolean;
  /** Told when the channel of those messages drops: messages may have been missed. */
  onListeningLost?(handler: () => void): void;
  /** Whether the backend answers now. */
  up(): boolean;
  close(): Promise<void>;
}

/** A counter shared by every gateway instance (rate limits), where there is a shared backend. */
export interface SharedCounter {
  /**
   * Adds `by` to each counter in turn (a new counter expires `ttlMs` after it was created) and
   * stops at the first whose new value is above its `limit`; the counters after it are left as
   * they were. Resolves that counter's index, or -1 when none went over.
   */
  incrementUntil(counters: readonly CounterStep[], trace?: RoundTripTrace): Promise<number>;
}

export interface CounterStep {
  key: string;
  by: number;
  ttlMs: number;
  limit: number;
}

/** What a server that does not run scripts answers EVAL with: an ACL's refusal, or a proxy's. */
const SCRIPTS_REFUSED = /NOPERM|unknown command|not allowed|not supported/i;
/**
 * `incrementUntil` on one Redis node: one round trip however many counters. KEYS are the
 * counters; ARGV holds by, ttlMs and limit for each. Returns the 0-based index of the first
 * counter over its limit, or -1.
 */
const INCREMENT_UNTIL = `
for i = 1, #KEYS do
  local by = tonumber(ARGV[i * 3 - 2])
  local count = redis.call('INCRBY', KEYS[i], by)
  if count == by then redis.call('PEXPIRE', KEYS[i], ARGV[i * 3 - 1]) end
  if count > tonumber(ARGV[i * 3]) then return i - 1 end
end
return -1`;

/** Thrown instead of calling Redis while its breaker is open: the caller goes on without it at once. */
export class CacheSkippedError extends Error {
  override readonly name = 'CacheSkippedError';
  constructor() {
    super('the cache backend is skipped while it keeps failing');
  }
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
  listening(): boolean {
    return true;
  }
  onListeningLost(): void {}
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
  /** Consecutive failed calls (a timeout of a frozen Redis included) after which Redis is skipped. */
  breakerFailures?: number;
  /** How long Redis is skipped before one call probes it again. */
  breakerResetMs?: number;
  onError?: (err: Error) => void;
  /** Told when whether Redis can be used changes (connection or breaker). */
  onStatus?: (up: boolean) => void;
  /** Told of each call not made because the breaker is open. */
  onSkipped?: () => void;
  now?: () => number;
}

/**
 * Redis or Redis Cluster through ioredis. Fails fast: no offline queue, a command
 * timeout, no per-command retries; reconnects by itself in the background. A hung
 * Redis (connected but silent) is treated as down: after a few failed calls in a row a
 * breaker skips it without waiting, and lets one call through now and then to probe it.
 */
export class RedisBackend implements CacheBackend, SharedCounter {
  readonly kind: 'redis' | 'redis-cluster';
  private readonly client: Redis | Cluster;
  /** The command connection, shared with other users of Redis (rate limits). */
  get redis(): Redis | Cluster {
    return this.client;
  }
  private readonly subscriber: Redis | Cluster;
  private readonly handlers: ((message: string) => void)[] = [];
  private readonly lostHandlers: (() => void)[] = [];
  /** The first subscription was confirmed (later ones are made again by ioredis on reconnect). */
  private subscribed = false;
  private readonly breaker: CircuitBreaker;
  private lastUp: boolean | null = null;
  /** While the breaker is open, a timer that probes Redis once its reset time has passed. */
  private probeTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Whether the server runs scripts; false once it has refused one (ACL, proxy). */
  private scripting = true;

  constructor(private readonly options: RedisBackendOptions) {
    this.breaker = new CircuitBreaker({
      failureThreshold: options.breakerFailures ?? 3,
      resetTimeoutMs: options.breakerResetMs ?? 5000,
      now: options.now,
      onStateChange: (state) => {
        if (state === 'open') this.scheduleProbe();
        this.reportStatus();
      },
    });
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
    this.client.on('ready', () => this.reportStatus());
    this.client.on('close', () => this.reportStatus());
    // Subscribing again after a reconnect is done by ioredis (autoResubscribe).
    this.subscriber.subscribe(options.channel).then(
      () => (this.subscribed = true),
      (err: Error) => options.onError?.(err),
    );
    this.subscriber.on('close', () => {
      for (const h of this.lostHandlers) h();
    });
    this.subscriber.on('message', (_channel: string, message: string) => {
      for (const h of this.handlers) h(message);
    });
  }

  getMany(keys: string[], trace?: RoundTripTrace): Promise<(string | null)[]> {
    // One command for the lot (a household's members are one MGET, not five GETs: each command
    // costs the client an object, a timer and a reply of its own). A cluster spreads keys over
    // slots, which MGET cannot cross: there each key is its own GET, pipelined per node.
    if (this.kind === 'redis' && keys.length > 1) return this.guarded(() => this.client.mget(keys), trace, 'get', 1, 'MGET');
    return this.guarded(() => Promise.all(keys.map((k) => this.client.get(k))), trace, 'get', keys.length);
  }

  async setMany(items: { key: string; value: string; ttlMs: number }[], trace?: RoundTripTrace): Promise<void> {
    await this.guarded(() => Promise.all(items.map((i) => this.client.set(i.key, i.value, 'PX', Math.max(1, Math.round(i.ttlMs))))), trace, 'set', items.length);
  }

  async deleteMany(keys: string[], trace?: RoundTripTrace): Promise<void> {
    await this.guarded(() => Promise.all(keys.map((k) => this.client.unlink(k))), trace, 'delete', keys.length);
  }

  async publish(message: string, trace?: RoundTripTrace): Promise<void> {
    await this.guarded(() => this.client.publish(this.options.channel, message), trace, 'publish', 1);
  }

  /**
   * One script on a single node. A cluster keeps counters on different slots, which one
   * script cannot cross, and a server may refuse scripts (an ACL without `@scripting`, a
   * proxy): there the counters are counted one command after another, in one breaker call.
   */
  incrementUntil(counters: readonly CounterStep[], trace?: RoundTripTrace): Promise<number> {
    if (this.kind === 'redis' && this.scripting) {
      const args: (string | number)[] = counters.map((c) => c.key);
      for (const c of counters) args.push(c.by, Math.max(1, Math.round(c.ttlMs)), c.limit);
      return this.guarded(
        async () => {
          try {
            return Number(await this.client.eval(INCREMENT_UNTIL, counters.length, ...args));
          } catch (err) {
            if (!SCRIPTS_REFUSED.test((err as Error).message)) throw err;
            this.scripting = false;
            this.options.onError?.(new Error(`Redis refuses scripts (${(err as Error).message.split('\n')[0]}): rate limits are counted one command at a time`));
            return this.incrementEach(counters);
          }
        },
        trace,
        'increment',
        1,
        'EVAL',
      );
    }
    return this.guarded(() => this.incrementEach(counters), trace, 'increment', counters.length);
  }

  /**
   * The counters one at a time. Each is created with its expiry (SET NX PX, pipelined with the
   * INCRBY in one round trip) rather than given one after its first increment: an INCRBY that
   * timed out on a hung Redis still runs when it wakes, and the expiry sent after it never would.
   */
  private async incrementEach(counters: readonly CounterStep[]): Promise<number> {
    for (const [i, c] of counters.entries()) {
      const [, count] = await Promise.all([this.client.set(c.key, 0, 'PX', Math.max(1, Math.round(c.ttlMs)), 'NX'), this.client.incrby(c.key, c.by)]);
      if (count > c.limit) return i;
    }
    return -1;
  }

  /** The breaker's state, for readiness. */
  breakerState(): BreakerState {
    return this.breaker.state();
  }

  onMessage(handler: (message: string) => void): void {
    this.handlers.push(handler);
  }

  listening(): boolean {
    return this.subscribed && this.subscriber.status === 'ready';
  }

  onListeningLost(handler: () => void): void {
    this.lostHandlers.push(handler);
  }

  up(): boolean {
    return this.client.status === 'ready' && this.breaker.state() === 'closed';
  }

  /**
   * With no traffic nothing would let the open breaker probe Redis, and readiness and
   * `gateway_cache_up` would report it down long after it came back: each time the breaker
   * opens, a timer probes Redis with a PING once the reset time has passed (it fails fast
   * like any call; a failure opens the breaker again, which arms the timer again).
   */
  private scheduleProbe(delayMs = this.options.breakerResetMs ?? 5000): void {
    if (this.closed) return;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      this.probe();
    }, delayMs);
    this.probeTimer.unref();
  }

  private probe(): void {
    if (this.closed) return;
    switch (this.breaker.state()) {
      case 'closed':
        return;
      case 'open':
        // Timers may fire a moment before the clock says the reset time has passed.
        return this.scheduleProbe(50);
      case 'half_open':
        // A request holding the one probe slot settles the breaker itself (and re-arms this on failure).
        if (!this.breaker.tryAcquire()) return;
        this.client.ping().then(
          () => this.breaker.succeeded(),
          () => this.breaker.failed(),
        );
    }
  }

  /** One call through the breaker: skipped at once while it is open (no round trip, so no span). */
  private async guarded<T>(call: () => Promise<T>, trace: RoundTripTrace | undefined, operation: RoundTripOperation, commands: number, command?: string): Promise<T> {
    if (!this.breaker.tryAcquire()) {
      this.options.onSkipped?.();
      throw new CacheSkippedError();
    }
    const span = trace?.roundTrip(operation, commands, command);
    try {
      const result = await call();
      this.breaker.succeeded();
      span?.end();
      return result;
    } catch (err) {
      this.breaker.failed();
      span?.end(err as Error);
      throw err;
    }
  }

  private reportStatus(): void {
    const up = this.up();
    if (up === this.lastUp) return;
    this.lastUp = up;
    this.options.onStatus?.(up);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.client.disconnect();
    this.subscriber.disconnect();
  }
}
