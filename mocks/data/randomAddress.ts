import { legacyProvinceByName, legacySourcesOf } from '../../src/domain/legacyUnits';
import { province as provinceByCode } from '../../src/domain/provinces';
import type { Random } from './random';
import type { MockAddress, MockLegacyAddress } from './types';
import { COMMUNES, STREETS } from './vocabulary';

/** The date the 34-province units (QĐ 19/2025/QĐ-TTg) took effect. */
export const UNITS_AS_OF = '2025-07-01';

interface CommuneChoice {
  code: string;
  name: string;
  /** Legacy forms weighted: a whole legacy commune is more likely than a part of a split one. */
  legacy: readonly (readonly [MockLegacyAddress, number])[];
}

/** Communes of each post-2025 province with their legacy forms, resolved once: addresses are drawn by the hundred thousand. */
const choices = new Map<string, { provinceName: string; communes: CommuneChoice[] }>();

function choicesOf(provinceCode: string): { provinceName: string; communes: CommuneChoice[] } {
  const cached = choices.get(provinceCode);
  if (cached) return cached;
  const names = COMMUNES[provinceCode];
  const p = provinceByCode(provinceCode);
  if (!names || !p) throw new Error(`unknown province code: ${provinceCode}`);
  const communes = names.map((name, index) => ({
    code: `${provinceCode}${String(index + 1).padStart(3, '0')}`,
    name,
    legacy: legacySourcesOf(provinceCode, name).map((s) => {
      const legacyProvince = legacyProvinceByName(s.provinceCode);
      if (!legacyProvince) throw new Error(`unknown legacy province code: ${s.provinceCode}`);
      const form: MockLegacyAddress = { provinceCode: legacyProvince.code, provinceName: legacyProvince.fullName, districtName: s.district, communeName: s.commune };
      return [form, s.partial ? 1 : 3] as const;
    }),
  }));
  const entry = { provinceName: p.fullName, communes };
  choices.set(provinceCode, entry);
  return entry;
}

/**
 * A house in a random commune of a post-2025 province, with its pre-2025 form: one of the
 * legacy communes the commune was formed from, a whole one more often than a split one.
 */
export function randomAddress(rng: Random, provinceCode: string): MockAddress {
  const { provinceName, communes } = choicesOf(provinceCode);
  const commune = rng.pick(communes);
  const street = rng.pick(STREETS);
  const line = rng.chance(0.45) ? `Số ${rng.int(1, 80)}, ngõ ${rng.int(1, 300)}, đường ${street}` : `Số ${rng.int(1, 400)}, đường ${street}`;
  return {
    line,
    communeCode: commune.code,
    communeName: commune.name,
    provinceCode,
    provinceName,
    unitsAsOf: UNITS_AS_OF,
    legacy: rng.weighted(commune.legacy),
  };
}
