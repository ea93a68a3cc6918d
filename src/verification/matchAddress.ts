import type { AddressRecord } from '../../connectors/types';
import { foldUnitName, legacyProvinceByName, mergedCommunesOf } from '../domain/legacyUnits';

/** Names compare without regard to case, spacing or Unicode composition; letters and diacritics count. */
export function normalizeName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('vi');
}

/** Addresses also ignore punctuation between their parts. */
export function normalizeAddress(address: string): string {
  return normalizeName(address.replace(/[,.;–-]/g, ' '));
}

/** Splits "line, commune, [district,] province" as people write it. */
function parts(address: string): string[] {
  return address
    .split(/[,;]/)
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * Whether an address someone holds is the registry's. Written in today's units it must
 * be the same address, punctuation, case and spacing aside. Written in the units before
 * 2025-07-01 — three levels, "commune, district, province", as banks and old dossiers
 * still hold millions of them, with or without diacritics in the unit names — its
 * commune must be one that became the registry's commune (src/domain/legacyUnits.ts),
 * and the line before it (house number, street, village) the same.
 */
export function addressMatches(registry: AddressRecord, given: string): boolean {
  if (normalizeAddress(registry.full) === normalizeAddress(given)) return true;
  if (!registry.communeName || !registry.provinceCode || registry.line === null) return false;
  const p = parts(given);
  if (p.length < 3) return false;
  const province = p[p.length - 1] as string;
  if (!legacyProvinceByName(province)) return false;
  // With a district: line…, commune, district, province. Without (many old addresses omit it): line…, commune, province.
  const candidates: { line: string[]; commune: string; district: string | null }[] = [{ line: p.slice(0, -2), commune: p[p.length - 2] as string, district: null }];
  if (p.length >= 4) candidates.unshift({ line: p.slice(0, -3), commune: p[p.length - 3] as string, district: p[p.length - 2] as string });
  return candidates.some(({ line, commune, district }) => {
    if (normalizeAddress(line.join(', ')) !== normalizeAddress(registry.line as string)) return false;
    const merged = mergedCommunesOf({ province, district, commune });
    return merged.some((m) => m.provinceCode === registry.provinceCode && foldUnitName(m.name) === foldUnitName(registry.communeName as string));
  });
}
