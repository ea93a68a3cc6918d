import { generateDataset } from '../mocks/data/generateDataset';
import { ageOn } from '../mocks/data/dates';
import type { MockPerson } from '../mocks/data/types';
import { contradictionWithRecord, parsePersonalId } from '../src/domain/personalId';
import { PROVINCES } from '../src/domain/provinces';
import { testDataset } from './helpers/stack';

const RELATIONSHIPS = ['Chủ hộ', 'Vợ', 'Chồng', 'Con', 'Con dâu', 'Con rể', 'Cháu', 'Cha', 'Mẹ', 'Anh', 'Chị', 'Em'];

/**
 * Invariants of the synthetic registries: the data must be as consistent as real data
 * should be. Each test collects every violation, so a failure lists them all.
 */
describe('synthetic registry data', () => {
  const d = testDataset();
  const people = [...d.people.values()];
  const asOf = new Date(`${d.asOf}T00:00:00Z`);
  const violations = (check: (p: MockPerson) => string | null | undefined | false) =>
    people.map((p) => check(p)).filter((v): v is string => typeof v === 'string');

  it('holds at least 20,000 citizens by default', () => {
    expect(d.people.size).toBeGreaterThanOrEqual(20_000);
  });

  it('is deterministic for a seed and different for another seed', () => {
    const again = generateDataset({ seed: d.seed, size: 3000 });
    const other = generateDataset({ seed: 'another-seed', size: 3000 });
    const firstIds = (x: typeof d) => [...x.people.keys()].slice(0, 50);
    expect(firstIds(again)).toEqual(firstIds(d));
    expect(firstIds(other)).not.toEqual(firstIds(d));
  });

  it('gives everyone a structurally valid ID consistent with their birth date, gender and birth province', () => {
    expect(
      violations((p) => {
        const parsed = parsePersonalId(p.id, asOf);
        if (!parsed.ok) return `${p.id}: ${parsed.reason}`;
        const contradiction = contradictionWithRecord(parsed.parts, p);
        if (contradiction) return `${p.id}: ${contradiction}`;
        return parsed.parts.birthProvinceCode !== p.birthProvinceCode && `${p.id}: prefix is not the birth province`;
      }),
    ).toEqual([]);
  });

  it('writes Vietnamese names with diacritics', () => {
    const withDiacritics = people.filter((p) => /[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]/i.test(p.fullName));
    expect(withDiacritics.length / people.length).toBeGreaterThan(0.8);
    expect(violations((p) => p.fullName.split(' ').length < 3 && p.fullName)).toEqual([]);
  });

  it('links fathers, mothers, spouses and children to real, reciprocal records', () => {
    expect(
      violations((p) => {
        for (const [role, id, gender] of [['father', p.fatherId, 'MALE'], ['mother', p.motherId, 'FEMALE']] as const) {
          if (!id) continue;
          const parent = d.people.get(id);
          if (!parent) return `${p.id}: ${role} ${id} does not exist`;
          if (parent.gender !== gender) return `${p.id}: ${role} has gender ${parent.gender}`;
          if (!parent.childrenIds.includes(p.id)) return `${p.id}: ${role} does not list this child`;
          if (ageOn(parent.dateOfBirth, p.dateOfBirth) < 17) return `${p.id}: ${role} was under 17 at the birth`;
        }
        if (p.spouseId && d.people.get(p.spouseId)?.spouseId !== p.id) return `${p.id}: spouse does not point back`;
        const orphan = p.childrenIds.find((c) => ![d.people.get(c)?.fatherId, d.people.get(c)?.motherId].includes(p.id));
        return orphan && `${p.id}: child ${orphan} does not point back`;
      }),
    ).toEqual([]);
  });

  it('puts every living citizen in exactly one household of 1 to 8 with one head', () => {
    const problems: string[] = [];
    const householdOf = new Map<string, string>();
    for (const h of d.households.values()) {
      if (h.members.length < 1 || h.members.length > 8) problems.push(`${h.id}: ${h.members.length} members`);
      const heads = h.members.filter((m) => m.relationshipToHead === 'Chủ hộ').map((m) => m.personalId);
      if (heads.length !== 1 || heads[0] !== h.headId) problems.push(`${h.id}: heads ${heads.join(',')}`);
      for (const m of h.members) {
        if (householdOf.has(m.personalId)) problems.push(`${m.personalId}: in two households`);
        householdOf.set(m.personalId, h.id);
        if (!RELATIONSHIPS.includes(m.relationshipToHead)) problems.push(`${h.id}: label ${m.relationshipToHead}`);
      }
    }
    problems.push(...violations((p) => householdOf.has(p.id) === !!p.dateOfDeath && `${p.id}: housed=${householdOf.has(p.id)} dead=${!!p.dateOfDeath}`));
    expect(problems).toEqual([]);
    const sizes = new Set([...d.households.values()].map((h) => h.members.length));
    expect([...sizes].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('places addresses in the 34 post-2025 provinces', () => {
    const codes = new Set(PROVINCES.map((p) => p.code));
    const households = [...d.households.values()];
    expect(households.filter((h) => !codes.has(h.address.provinceCode) || !h.address.communeCode.startsWith(h.address.provinceCode) || h.address.unitsAsOf !== '2025-07-01')).toEqual([]);
    expect(new Set(households.map((h) => h.address.provinceCode)).size).toBe(34);
  });

  it('issues documents consistent with each life', () => {
    let withoutAny = 0;
    const problems = violations((p) => {
      const held = d.documents.get(p.id) ?? [];
      if (held.length === 0) {
        withoutAny++;
        return null;
      }
      if (held.filter((x) => x.kind === 'GIAY_KHAI_SINH').length !== 1) return `${p.id}: birth certificates`;
      const afterDeath = held.find((x) => x.issuedOn < p.dateOfBirth || (p.dateOfDeath && x.issuedOn > p.dateOfDeath));
      if (afterDeath) return `${p.id}: ${afterDeath.kind} issued outside the holder's life`;
      const card = held.find((x) => x.kind === 'CAN_CUOC');
      const cardExpected = ageOn(p.dateOfBirth, d.asOf) >= 14 && !(p.dateOfDeath && p.dateOfDeath < '2021-01-01');
      if (!!card !== cardExpected) return `${p.id}: identity card at age ${ageOn(p.dateOfBirth, d.asOf)}`;
      if (card && (card.number !== p.id || ageOn(p.dateOfBirth, card.issuedOn) < 14)) return `${p.id}: identity card ${card.number} ${card.issuedOn}`;
      const adultOnly = held.find((x) => ['HO_CHIEU', 'GIAY_PHEP_LAI_XE', 'PHIEU_LY_LICH_TU_PHAP'].includes(x.kind) && ageOn(p.dateOfBirth, x.issuedOn) < 18);
      if (adultOnly) return `${p.id}: ${adultOnly.kind} issued before 18`;
      return p.maritalStatus === 'MARRIED' && !held.some((x) => x.kind === 'GIAY_CHUNG_NHAN_KET_HON') && `${p.id}: married without certificate`;
    });
    expect(problems).toEqual([]);
    expect(withoutAny).toBeGreaterThan(0);
    expect(new Set(people.flatMap((p) => (d.documents.get(p.id) ?? []).map((x) => x.kind))).size).toBe(6);
  });

  it('includes deceased citizens, deregistered from residence', () => {
    const dead = people.filter((p) => p.dateOfDeath);
    expect(dead.length).toBeGreaterThan(100);
    expect(dead.filter((p) => d.residences.get(p.id)?.deregistration?.reason !== 'Đã chết' || (p.dateOfDeath as string) <= p.dateOfBirth)).toEqual([]);
  });

  it('offers the personas developers need', () => {
    expect(d.personas.map((p) => p.key)).toEqual(
      expect.arrayContaining(['household-of-five', 'married-couple', 'minor', 'deceased', 'no-documents', 'household-of-one', 'household-of-four', 'household-of-eight']),
    );
  });
});
