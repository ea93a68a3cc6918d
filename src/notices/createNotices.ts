import type { Decide, DecisionLookups } from '../access/decide';
import type { AuditLog } from '../audit/AuditLog';
import type { NoticeConfig } from '../config';
import type { RegistryChangeListener } from '../http/registryEvents';
import type { KeyRing } from '../keys/loadKeyRing';
import type { Logger } from '../logger';
import type { PolicyCatalogue } from '../policy/loadCatalogue';
import type { Store } from '../store/createStore';
import type { NoticeObserver } from '../metrics';
import { createNoticeDeliverer, type NoticeDeliverer } from './createNoticeDeliverer';
import { NoticeStore } from './NoticeStore';

/** Change notices to agencies: watches, the outbox, what fills it and what drains it. */
export interface Notices {
  store: NoticeStore;
  /**
   * The registry change listener: writes a notice for each watch in force on a citizen the
   * event names, then wakes the deliverer without waiting for it. Idempotent per event.
   */
  listener: RegistryChangeListener;
  deliverer: NoticeDeliverer;
}

export interface NoticesOptions {
  store: Store;
  catalogue: PolicyCatalogue;
  decide: Decide;
  lookups: () => DecisionLookups;
  keys: KeyRing;
  audit: Pick<AuditLog, 'append'>;
  observer: NoticeObserver;
  logger: Logger;
  config: NoticeConfig;
  now: () => Date;
}

/** Wires watches, the outbox, its listener and its deliverer (see docs/NOTICES.md). */
export function createNotices(options: NoticesOptions): Notices {
  const { config, logger } = options;
  const store = new NoticeStore(options.store, { now: options.now, keepDeadMs: config.deadLetterDays * 86_400_000 });
  const deliverer = createNoticeDeliverer({ ...options, store, settings: config });
  const listener: RegistryChangeListener = async (change) => {
    const queued = await store.enqueue(change);
    if (queued === 0) return;
    logger.info({ registry: change.registry, notices: queued }, 'registry change: change notices queued');
    deliverer.wake();
  };
  return { store, listener, deliverer };
}
