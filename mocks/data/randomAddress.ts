import { legacyProvinceByName, legacySourcesOf } from '../../src/domain/legacyUnits';
import { province as provinceByCode } from '../../src/domain/provinces';
import type { Random } from './random';
import type { MockAddress } from './types';
import { COMMUNES, STREETS } from './vocabulary';

/** The date the 34-province units (QĐ 19/2025/QĐ-TTg) took effect. */
export const UNITS_AS_OF = '2025-07-01';

/**
 * A house in a random commune of a post-2025 province, with its pre-2025 form: one of the
 * legacy communes the commune was formed from, a whole one more often than a split one.
 */
export function randomAddress(rng: Random, provinceCode: string): MockAddress {
  const communes = COMMUNES[provinceCode];
  const p = provinceByCode(provinceCode);
  if (!communes || !p) throw new Error(`unknown province code: ${provinceCode}`);
  const index = rng.int(0, communes.length - 1);
  const communeName = communes[index] as string;
  const sources = legacySourcesOf(provinceCode, communeName);
  const source = rng.weighted(sources.map((s) => [s, s.partial ? 1 : 3] as const));
  const legacyProvince = legacyProvinceByName(source.provinceCode);
  if (!legacyProvince) throw new Error(`unknown legacy province code: ${source.provinceCode}`);
  const street = rng.pick(STREETS);
  const line = rng.chance(0.45) ? `Số ${rng.int(1, 80)}, ngõ ${rng.int(1, 300)}, đường ${street}` : `Số ${rng.int(1, 400)}, đường ${street}`;
  return {
    line,
    communeCode: `${provinceCode}${String(index + 1).padStart(3, '0')}`,
    communeName,
    provinceCode,
    provinceName: p.fullName,
    unitsAsOf: UNITS_AS_OF,
    legacy: { provinceCode: legacyProvince.code, provinceName: legacyProvince.fullName, districtName: source.district, communeName: source.commune },
  };
}
