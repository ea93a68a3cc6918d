import DataLoader from 'dataloader';
import type { Connectors } from '../../connectors/createConnectors';
import type { CallContext } from '../../connectors/RegistryClient';
import type { HolderDocuments, OpenCorrection, PersonRecord, RegistryName, ResidenceRecord } from '../../connectors/types';
import type { RoundTripTrace } from '../cache/backends';
import type { Caches } from '../cache/createCaches';
import type { RegistryCache } from '../cache/RegistryCache';

/**
 * Per-request loaders, one per registry resource. Every key asked for in one tick
 * goes out as one batch call, so a query costs at most one call per registry per
 * level of the graph; within a request each record is fetched once.
 */
export interface Loaders {
  person: DataLoader<string, PersonRecord | null>;
  residence: DataLoader<string, ResidenceRecord | null>;
  documents: DataLoader<string, HolderDocuments | null>;
  /** Fields under an open correction request, per citizen: one store query for every record a request reads. */
  disputes: DataLoader<string, readonly OpenCorrection[]>;
}

export function createLoaders(
  connectors: Connectors,
  options: {
    maxBatchSize: number;
    /** Open correction requests of these citizens, from the gateway's store (with its deadline). */
    openCorrections: (ids: readonly string[]) => Promise<ReadonlyMap<string, readonly OpenCorrection[]>>;
    caches?: Caches;
    call?: CallContext;
    /** Cache round trips as spans (tracing on only). */
    trace?: RoundTripTrace;
  },
): Loaders {
  const { call, trace } = options;
  const loader = <T extends { provenance: PersonRecord['provenance'] }>(fetch: (ids: readonly string[]) => Promise<Map<string, T>>, cache: RegistryCache<T> | null | undefined) =>
    new DataLoader<string, T | null>(
      async (ids) => {
        if (cache) return cache.load(ids, fetch, trace);
        try {
          const found = await fetch(ids);
          return ids.map((id) => found.get(id) ?? null);
        } catch (err) {
          // One failed call fails each key as a value; the rest of the query goes on.
          return ids.map(() => err as Error);
        }
      },
      { maxBatchSize: options.maxBatchSize },
    );
  return {
    person: loader((ids) => connectors.population.getCitizens(ids, call), options.caches?.population),
    residence: loader((ids) => connectors.residence.getResidents(ids, call), options.caches?.residence),
    documents: loader((ids) => connectors.documents.getHolders(ids, call), options.caches?.documents),
    // Never cached across requests: a dispute opens and closes between two reads of a cached record.
    disputes: new DataLoader<string, readonly OpenCorrection[]>(
      async (ids) => {
        try {
          const open = await options.openCorrections(ids);
          return ids.map((id) => open.get(id) ?? []);
        } catch (err) {
          return ids.map(() => err as Error);
        }
      },
      { maxBatchSize: options.maxBatchSize },
    ),
  };
}

/**
 * A citizen's records from the registries asked for: each one the record, null when the
 * registry holds none, an Error when it failed, or undefined when not asked for.
 */
export interface CitizenRecords {
  person?: PersonRecord | null | Error;
  residence?: ResidenceRecord | null | Error;
  documents?: HolderDocuments | null | Error;
}

/** A promise's value, or its failure as a value: one registry failing leaves the others' answers. */
export async function settle<T>(p: Promise<T>): Promise<T | Error> {
  try {
    return await p;
  } catch (err) {
    return err as Error;
  }
}

/** Loads one citizen's records from the registries named, in one tick (so the loaders batch them). */
export async function loadRecords(loaders: Loaders, id: string, registries: ReadonlySet<RegistryName>): Promise<CitizenRecords> {
  const [person, residence, documents] = await Promise.all([
    registries.has('POPULATION') ? settle(loaders.person.load(id)) : undefined,
    registries.has('RESIDENCE') ? settle(loaders.residence.load(id)) : undefined,
    registries.has('DOCUMENTS') ? settle(loaders.documents.load(id)) : undefined,
  ]);
  return { person, residence, documents };
}
