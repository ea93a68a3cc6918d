import { MalformedResponseError, UpstreamError } from './UpstreamError';
import type { AddressRecord, ProvenanceRecord, RegistryName } from './types';

/**
 * Readers for registry JSON. A registry that breaks its own contract yields a
 * MalformedResponseError naming the path, never a TypeError deep in a resolver.
 */
export type Wire = Record<string, unknown>;

export function object(value: unknown, path: string): Wire {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedResponseError(`${path} is not an object`);
  }
  return value as Wire;
}

export function string(o: Wire, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new MalformedResponseError(`${path}.${key} is not a string`);
  return v;
}

export function optionalString(o: Wire, key: string, path: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new MalformedResponseError(`${path}.${key} is not a string`);
  return v;
}

export function array(o: Wire, key: string, path: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new MalformedResponseError(`${path}.${key} is not an array`);
  return v;
}

export function optionalObject(o: Wire, key: string, path: string): Wire | null {
  const v = o[key];
  return v === undefined || v === null ? null : object(v, `${path}.${key}`);
}

/**
 * Maps a registry address (`line`, `commune`, `district`, `province`, `unitsAsOf`). `district`
 * is only present in addresses written in the three-level units before 2025-07-01.
 */
export function address(value: Wire | null, path: string): AddressRecord | null {
  if (!value) return null;
  const commune = optionalObject(value, 'commune', path);
  const district = optionalObject(value, 'district', path);
  const province = optionalObject(value, 'province', path);
  const line = optionalString(value, 'line', path);
  const communeName = commune && optionalString(commune, 'name', `${path}.commune`);
  const districtName = district && optionalString(district, 'name', `${path}.district`);
  const provinceName = province && optionalString(province, 'name', `${path}.province`);
  return {
    full: [line, communeName, districtName, provinceName].filter(Boolean).join(', '),
    line,
    communeCode: commune && optionalString(commune, 'code', `${path}.commune`),
    communeName,
    districtName,
    provinceCode: province && optionalString(province, 'code', `${path}.province`),
    provinceName,
    unitsAsOf: optionalString(value, 'unitsAsOf', path),
  };
}

export function provenance(registry: RegistryName, asOf: string, fetchedAt: string): ProvenanceRecord {
  return { registry, asOf, fetchedAt, fromCache: false, ageSeconds: 0, stale: false };
}

/** Runs a mapper; a contract breach becomes an UpstreamError like any other registry failure. */
export function mapOrFail<T>(registry: RegistryName, map: () => T): T {
  try {
    return map();
  } catch (err) {
    if (err instanceof MalformedResponseError) {
      throw new UpstreamError(registry, 'unavailable', `malformed response: ${err.message}`);
    }
    throw err;
  }
}

/** Splits IDs into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
