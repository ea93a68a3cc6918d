import { generateDataset } from '../mocks/data/generateDataset';
import { addDays, addYears, ageOn } from '../mocks/data/dates';
import { MOCK_DOCUMENT_STATUSES, type MockAddress, type MockDocument, type MockPerson } from '../mocks/data/types';
import { COMMUNES, NAMES_BY_ETHNICITY } from '../mocks/data/vocabulary';
import { LEGACY_PROVINCE_NAMES, legacyProvinceByName, legacySourcesOf, mergedCommunesOf, mergedProvinceCodeOf } from '../src/domain/legacyUnits';
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
        if (contradiction) return `${p.id}: ${contradiction.en}`;
        return parsed.parts.birthProvinceCode !== p.birthProvinceCode && `${p.id}: prefix is not the birth province`;
      }),
    ).toEqual([]);
  });

  it('writes Vietnamese names with diacritics', () => {
    const withDiacritics = people.filter((p) => /[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]/i.test(p.fullName));
    expect(withDiacritics.length / people.length).toBeGreaterThan(0.8);
    // Kinh names have three or more words; some minorities write two ("Ksor Kơk", "H'Hen Niê").
    expect(violations((p) => p.fullName.split(' ').length < (p.ethnicity === 'Kinh' ? 3 : 2) && p.fullName)).toEqual([]);
    expect(violations((p) => p.fullName !== p.fullName.normalize('NFC') && `${p.fullName} is not NFC`)).toEqual([]);
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
    expect(new Set(people.flatMap((p) => (d.documents.get(p.id) ?? []).map((x) => x.kind))).size).toBe(7);
  });

  it('includes deceased citizens, deregistered from residence', () => {
    const dead = people.filter((p) => p.dateOfDeath);
    expect(dead.length).toBeGreaterThan(100);
    expect(dead.filter((p) => d.residences.get(p.id)?.deregistration?.reason !== 'Chết' || (p.dateOfDeath as string) <= p.dateOfBirth)).toEqual([]);
  });

  it('offers the personas developers need', () => {
    expect(d.personas.map((p) => p.key)).toEqual(
      expect.arrayContaining([
        'household-of-five', 'married-couple', 'minor', 'deceased', 'widowed', 'divorced', 'temporary-residence', 'no-documents', 'child',
        'birth-registration-parent', 'household-of-one', 'household-of-four', 'household-of-eight', 'three-generations', 'passport-holder',
      ]),
    );
    expect(d.personas.filter((p) => !p.description || !p.title)).toEqual([]);
  });
});


/**
 * Targets from the 2019 census (Tổng điều tra dân số và nhà ở 2019, Tổng cục Thống kê): 24.3 %
 * of the population under 15, 7.7 % aged 65 and over, 3.5 people per household, and about one
 * household in nine of a single person. The dataset is measured as a census counts: the living,
 * on the data's `asOf` date. Percentages are in points, household size in people.
 */
const CENSUS_2019 = {
  under15: { target: 24.3, tolerance: 2 },
  aged65AndOver: { target: 7.7, tolerance: 1.5 },
  householdSize: { target: 3.5, tolerance: 0.2 },
  singlePersonHouseholds: { target: 11, tolerance: 1.5 },
} as const;

/** Family names the groups of the vocabulary commonly bear (ethnographic usage). */
const TYPICAL_FAMILY_NAMES: Readonly<Record<string, readonly string[]>> = {
  Khmer: ['Thạch', 'Danh', 'Sơn', 'Kim', 'Lâm'],
  Mông: ['Giàng', 'Vàng', 'Sùng', 'Thào', 'Lý', 'Hạng'],
  Thái: ['Lò', 'Cầm', 'Lường', 'Quàng'],
  Tày: ['Nông', 'Hoàng', 'Lục', 'Bế', 'Ma'],
  Nùng: ['Nông', 'Hoàng', 'Lục', 'Vi'],
  Mường: ['Bùi', 'Đinh', 'Quách'],
  Hoa: ['Lâm', 'Trương', 'Quách', 'Lý'],
};

describe('synthetic population measured against the 2019 census', () => {
  const d = testDataset();
  const people = [...d.people.values()];
  const living = people.filter((p) => !p.dateOfDeath);
  const percent = (part: number, whole: number) => Math.round((1000 * part) / whole) / 10;
  const expectNear = (measured: number, { target, tolerance }: { target: number; tolerance: number }) => {
    expect(measured).toBeGreaterThanOrEqual(target - tolerance);
    expect(measured).toBeLessThanOrEqual(target + tolerance);
  };

  it('has as many children under 15 and people aged 65 and over as the census when measured on the living', () => {
    const age = (p: MockPerson) => ageOn(p.dateOfBirth, d.asOf);
    expectNear(percent(living.filter((p) => age(p) < 15).length, living.length), CENSUS_2019.under15);
    expectNear(percent(living.filter((p) => age(p) >= 65).length, living.length), CENSUS_2019.aged65AndOver);
  });

  it('has households of the census average size, about one in nine of a single person', () => {
    const households = [...d.households.values()];
    const members = households.reduce((sum, h) => sum + h.members.length, 0);
    expectNear(Math.round((100 * members) / households.length) / 100, CENSUS_2019.householdSize);
    expectNear(percent(households.filter((h) => h.members.length === 1).length, households.length), CENSUS_2019.singlePersonHouseholds);
  });

  it('has no marriage between relatives within three generations, nor in the direct line', () => {
    // Every couple the data knows: spouses, parents of a child, and the two parties of a divorce.
    const couples = new Map<string, [MockPerson, MockPerson]>();
    const couple = (a: MockPerson | undefined, b: MockPerson | undefined) => {
      if (a && b) couples.set([a.id, b.id].sort().join('|'), [a, b]);
    };
    const divorces = new Map<string, MockPerson[]>();
    for (const p of people) {
      couple(p, d.people.get(p.spouseId ?? ''));
      couple(d.people.get(p.fatherId ?? ''), d.people.get(p.motherId ?? ''));
      for (const doc of d.documents.get(p.id) ?? []) {
        if (doc.kind !== 'BAN_AN_QUYET_DINH_LY_HON') continue;
        const key = `${doc.number}|${doc.issuedOn}|${doc.issuingAuthority}`;
        divorces.set(key, [...(divorces.get(key) ?? []), p]);
      }
    }
    for (const parties of divorces.values()) if (parties.length === 2) couple(parties[0], parties[1]);
    const ancestors = (p: MockPerson, generations: number): Set<string> => {
      const out = new Set<string>();
      let frontier = [p];
      for (let g = 0; g < generations && frontier.length > 0; g++) {
        frontier = frontier.flatMap((x) => [x.fatherId, x.motherId].map((id) => d.people.get(id ?? '')).filter((y): y is MockPerson => !!y));
        for (const x of frontier) out.add(x.id);
      }
      return out;
    };
    // Parents, grandparents and great-grandparents: siblings, first and second cousins share one.
    const forbidden = [...couples.values()].filter(([a, b]) => {
      if (ancestors(a, 20).has(b.id) || ancestors(b, 20).has(a.id)) return true;
      const up = ancestors(b, 3);
      return [...ancestors(a, 3)].some((x) => up.has(x));
    });
    expect(forbidden.map(([a, b]) => `${a.fullName} (${a.id}) × ${b.fullName} (${b.id})`)).toEqual([]);
    const bothWithParents = [...couples.values()].filter(([a, b]) => a.fatherId && b.fatherId);
    expect(bothWithParents.length).toBeGreaterThan(500);
  });

  it("gives every child the ethnicity of one of its parents", () => {
    const withBoth = people.filter((p) => d.people.has(p.fatherId ?? '') && d.people.has(p.motherId ?? ''));
    const parents = (p: MockPerson) => [d.people.get(p.fatherId as string) as MockPerson, d.people.get(p.motherId as string) as MockPerson];
    expect(withBoth.filter((p) => !parents(p).some((x) => x.ethnicity === p.ethnicity)).map((p) => `${p.id} ${p.ethnicity}`)).toEqual([]);
    expect(withBoth.length).toBeGreaterThan(10_000);
    // Mixed couples exist, so the check above is not trivially met.
    expect(withBoth.filter((p) => new Set(parents(p).map((x) => x.ethnicity)).size === 2).length).toBeGreaterThan(50);
  });

  it("names people after their ethnic group's usage", () => {
    expect(
      people
        .map((p) => {
          const names = NAMES_BY_ETHNICITY[p.ethnicity];
          if (!names) return `${p.id}: no naming usage for ${p.ethnicity}`;
          if (!names.family.some(([f]) => f === p.familyName)) return `${p.fullName} (${p.ethnicity}): family name ${p.familyName}`;
          const placed = names.familyLast ? p.fullName.endsWith(` ${p.familyName}`) : p.fullName.startsWith(`${p.familyName} `);
          return placed ? null : `${p.fullName}: family name ${p.familyName} misplaced`;
        })
        .filter(Boolean),
    ).toEqual([]);
    for (const [group, typical] of Object.entries(TYPICAL_FAMILY_NAMES)) {
      const members = people.filter((p) => p.ethnicity === group);
      expect({ group, members: members.length > 30 }).toEqual({ group, members: true });
      const share = members.filter((p) => typical.includes(p.familyName)).length / members.length;
      expect({ group, mostlyTypical: share >= 0.4 }).toEqual({ group, mostlyTypical: true });
      expect(members.filter((p) => ['Nguyễn', 'Trần', 'Phạm', 'Lê'].includes(p.familyName)).map((p) => p.fullName)).toEqual([]);
    }
  });
});

describe('life events in the synthetic registries', () => {
  const d = testDataset();
  const people = [...d.people.values()];
  const dead = people.filter((p) => p.dateOfDeath);
  const documentsOf = (p: MockPerson, kind: MockDocument['kind']) => (d.documents.get(p.id) ?? []).filter((x) => x.kind === kind);
  const sameAddress = (a: MockAddress, b: MockAddress) => a.line === b.line && a.communeCode === b.communeCode && a.provinceCode === b.provinceCode;
  /** "tỉnh Nam Định": a unit's name inside an institution's name. */
  const inside = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

  it('strikes a deceased citizen off residence on the day of death, outside any household', () => {
    expect(
      dead
        .map((p) => {
          const r = d.residences.get(p.id);
          if (!r) return `${p.id}: no residence record`;
          if (r.deregistration?.reason !== 'Chết' || r.deregistration.on !== p.dateOfDeath) return `${p.id}: deregistration ${JSON.stringify(r.deregistration)}`;
          if (r.permanent || r.temporary || r.current || r.householdId || r.relationshipToHead) return `${p.id}: still registered`;
          const permanent = r.history.filter((x) => x.kind === 'PERMANENT');
          if (permanent[permanent.length - 1]?.to !== p.dateOfDeath) return `${p.id}: last registration does not end at death`;
          return r.history.some((x) => x.to === null || x.to > (p.dateOfDeath as string)) ? `${p.id}: registered after death` : null;
        })
        .filter(Boolean),
    ).toEqual([]);
    const heads = new Set([...d.households.values()].map((h) => h.headId));
    expect(dead.filter((p) => heads.has(p.id)).map((p) => p.id)).toEqual([]);
  });

  it("makes a deceased citizen's surviving spouse widowed", () => {
    const survivors = dead.map((p) => [p, d.people.get(p.spouseId ?? '')] as const).filter(([, s]) => s && !s.dateOfDeath);
    expect(survivors.filter(([p, s]) => s?.maritalStatus !== 'WIDOWED' || s.spouseId !== p.id).map(([p]) => p.id)).toEqual([]);
    expect(survivors.length).toBeGreaterThan(200);
    const widowed = people.filter((p) => !p.dateOfDeath && p.maritalStatus === 'WIDOWED');
    expect(widowed.filter((p) => !d.people.get(p.spouseId ?? '')?.dateOfDeath).map((p) => p.id)).toEqual([]);
  });

  it('gives every divorced citizen a court record and a marriage certificate that is no longer valid', () => {
    const divorced = people.filter((p) => p.maritalStatus === 'DIVORCED');
    expect(divorced.length).toBeGreaterThan(100);
    expect(
      divorced
        .map((p) => {
          const [record, ...moreRecords] = documentsOf(p, 'BAN_AN_QUYET_DINH_LY_HON');
          const [certificate, ...moreCertificates] = documentsOf(p, 'GIAY_CHUNG_NHAN_KET_HON');
          if (!record || !certificate || moreRecords.length || moreCertificates.length) return `${p.id}: records and certificates missing or repeated`;
          if (p.spouseId) return `${p.id}: still has a spouse`;
          if (!['Bản án ly hôn', 'Quyết định công nhận thuận tình ly hôn'].includes(record.title)) return `${p.id}: title ${record.title}`;
          if (!record.issuingAuthority.startsWith('Tòa án nhân dân ')) return `${p.id}: issuer ${record.issuingAuthority}`;
          if (record.refersTo !== certificate.documentId || record.issuedOn <= certificate.issuedOn) return `${p.id}: record does not follow its certificate`;
          if (certificate.status !== 'DISSOLVED' || !certificate.statusChangedOn || certificate.statusChangedOn < record.issuedOn) return `${p.id}: certificate ${certificate.status}`;
          return null;
        })
        .filter(Boolean),
    ).toEqual([]);
  });

  it('keeps the marriage certificate of a living couple valid', () => {
    const married = people.filter((p) => !p.dateOfDeath && p.maritalStatus === 'MARRIED');
    expect(married.flatMap((p) => documentsOf(p, 'GIAY_CHUNG_NHAN_KET_HON').filter((c) => c.status !== 'VALID').map((c) => `${p.id}: ${c.status}`))).toEqual([]);
  });

  it("uses only the registry's document statuses, each change dated and the serious ones explained", () => {
    const all = [...d.documents.values()].flat();
    expect(new Set(all.map((x) => x.status))).toEqual(new Set(MOCK_DOCUMENT_STATUSES));
    expect(
      all
        .filter((x) => (x.status === 'VALID') !== (x.statusChangedOn === null) || (['REVOKED', 'LOST', 'DISSOLVED'].includes(x.status) && !x.statusReason))
        .map((x) => `${x.documentId} ${x.status} ${x.statusChangedOn} ${x.statusReason}`),
    ).toEqual([]);
    expect(all.filter((x) => x.status === 'VALID' && x.expiresOn && x.expiresOn < d.asOf).map((x) => x.documentId)).toEqual([]);
    const identity = dead.flatMap((p) => [...documentsOf(p, 'CAN_CUOC'), ...documentsOf(p, 'HO_CHIEU')]);
    expect(identity.filter((x) => x.status === 'VALID').map((x) => x.documentId)).toEqual([]);
  });

  it('has criminal-record certificates issued where the holder lived: by the police from 2025-03-01, the Department of Justice before', () => {
    const issued = people.flatMap((p) => documentsOf(p, 'PHIEU_LY_LICH_TU_PHAP').map((doc) => [p, doc] as const));
    const expected = ([p, doc]: readonly [MockPerson, MockDocument]) => {
      const home = (d.residences.get(p.id)?.history ?? []).filter((r) => r.kind === 'PERMANENT' && r.from <= doc.issuedOn).pop()?.address;
      if (!home) return null;
      const province = doc.issuedOn >= '2025-07-01' ? home.provinceName : home.legacy.provinceCode === '46' && doc.issuedOn < '2025-01-01' ? 'Tỉnh Thừa Thiên Huế' : home.legacy.provinceName;
      return `${doc.issuedOn >= '2025-03-01' ? 'Công an' : 'Sở Tư pháp'} ${inside(province)}`;
    };
    expect(issued.filter((x) => expected(x) !== x[1].issuingAuthority).map(([p, doc]) => `${p.id} ${doc.issuedOn}: ${doc.issuingAuthority}, expected ${expected([p, doc])}`)).toEqual([]);
    expect(issued.filter(([, doc]) => doc.issuingAuthority.startsWith('Công an ')).length).toBeGreaterThan(50);
    expect(issued.filter(([, doc]) => doc.issuingAuthority.startsWith('Sở Tư pháp ')).length).toBeGreaterThan(50);
  });

  it('registers temporary residence for at most two years, the current ones valid on the data date', () => {
    const residences = [...d.residences.values()];
    expect(
      residences
        .filter((r) => r.temporary && (r.temporary.registeredOn > d.asOf || r.temporary.expiresOn < d.asOf || r.temporary.expiresOn >= addYears(r.temporary.registeredOn, 2)))
        .map((r) => r.personalId),
    ).toEqual([]);
    const past = residences.flatMap((r) => r.history.filter((x) => x.kind === 'TEMPORARY' && x.to !== null));
    expect(past.filter((x) => (x.to as string) >= addYears(x.from, 2) || (x.to as string) < x.from)).toEqual([]);
    expect(past.length).toBeGreaterThan(1000);
    expect(residences.filter((r) => r.temporary).length).toBeGreaterThan(300);
  });

  it('keeps each resident’s registration history since birth, consistent with the current record', () => {
    expect(
      people
        .map((p) => {
          const r = d.residences.get(p.id);
          if (!r || r.history.length === 0) return `${p.id}: no history`;
          if (r.history.some((x, i) => i > 0 && x.from < (r.history[i - 1]?.from as string))) return `${p.id}: history out of order`;
          const permanent = r.history.filter((x) => x.kind === 'PERMANENT');
          const [first] = permanent;
          if (!first || first.from > addYears(p.dateOfBirth, 14)) return `${p.id}: no registration since age 14`;
          const gap = permanent.find((x, i) => i > 0 && permanent[i - 1]?.to !== addDays(x.from, -1));
          if (gap) return `${p.id}: permanent registrations overlap or leave a gap at ${gap.from}`;
          if (p.dateOfDeath) return null;
          const last = permanent[permanent.length - 1] as (typeof permanent)[number];
          if (!r.permanent || last.to !== null || !sameAddress(last.address, r.permanent.address) || last.from !== r.permanent.registeredOn) return `${p.id}: current permanent registration differs`;
          const open = r.history.filter((x) => x.kind === 'TEMPORARY' && x.to === null);
          if (open.length !== (r.temporary ? 1 : 0)) return `${p.id}: ${open.length} open temporary registrations`;
          return r.temporary && (open[0]?.from !== r.temporary.registeredOn || !sameAddress(open[0].address, r.temporary.address)) ? `${p.id}: current temporary registration differs` : null;
        })
        .filter(Boolean),
    ).toEqual([]);
  });

  it('can write every address as it was before 2025-07-01, and map it back to the merged units', () => {
    const addresses = [...d.residences.values()].flatMap((r) => r.history.map((x) => x.address));
    expect(addresses.length).toBeGreaterThan(30_000);
    expect(
      addresses
        .filter((a) => {
          const back = mergedCommunesOf({ province: a.legacy.provinceName, district: a.legacy.districtName, commune: a.legacy.communeName });
          return legacyProvinceByName(a.legacy.provinceName)?.mergedInto !== a.provinceCode || !back.some((m) => m.provinceCode === a.provinceCode && m.name === a.communeName);
        })
        .map((a) => `${a.communeName}, ${a.provinceName} ← ${a.legacy.communeName}, ${a.legacy.districtName}, ${a.legacy.provinceName}`),
    ).toEqual([]);
    const communes = Object.entries(COMMUNES).flatMap(([code, names]) => names.map((name) => [code, name] as const));
    expect(communes.filter(([code, name]) => legacySourcesOf(code, name).length === 0)).toEqual([]);
  });
});

describe('personas for life events', () => {
  const d = testDataset();
  const persona = (key: string) => {
    const found = d.personas.find((p) => p.key === key);
    if (!found) throw new Error(`no persona ${key}`);
    return d.people.get(found.personalId) as MockPerson;
  };
  const age = (p: MockPerson) => ageOn(p.dateOfBirth, d.asOf);
  const home = (p: MockPerson | undefined) => (p ? d.residences.get(p.id)?.householdId : undefined);

  it('pairs the deceased persona with the widowed one', () => {
    const deceased = persona('deceased');
    const widowed = persona('widowed');
    expect(deceased.dateOfDeath).not.toBeNull();
    expect(widowed).toMatchObject({ dateOfDeath: null, maritalStatus: 'WIDOWED', spouseId: deceased.id });
  });

  it('has a divorced persona with a divorce record and no valid marriage certificate', () => {
    const p = persona('divorced');
    const documents = d.documents.get(p.id) ?? [];
    expect(p.maritalStatus).toBe('DIVORCED');
    expect(documents.some((x) => x.kind === 'BAN_AN_QUYET_DINH_LY_HON')).toBe(true);
    expect(documents.filter((x) => x.kind === 'GIAY_CHUNG_NHAN_KET_HON').map((x) => x.status)).toEqual(['DISSOLVED']);
  });

  it.each([
    ['minor', 0, 13],
    ['child', 11, 13],
  ])('has a %s persona aged %i to %i living with both married parents', (key, from, to) => {
    const p = persona(key);
    const father = d.people.get(p.fatherId ?? '');
    const mother = d.people.get(p.motherId ?? '');
    expect(age(p)).toBeGreaterThanOrEqual(from);
    expect(age(p)).toBeLessThanOrEqual(to);
    expect(father?.spouseId).toBe(mother?.id);
    expect([home(father), home(mother)]).toEqual([home(p), home(p)]);
  });

  it('has a temporary-residence persona registered in another province beyond the data date', () => {
    const r = d.residences.get(persona('temporary-residence').id);
    expect(r?.temporary?.expiresOn && r.temporary.expiresOn > d.asOf).toBe(true);
    expect(r?.temporary?.address.provinceCode).not.toBe(r?.permanent?.address.provinceCode);
  });

  it('has a no-documents persona, alive, for whom the registry holds nothing', () => {
    const p = persona('no-documents');
    expect(p.dateOfDeath).toBeNull();
    expect(d.documents.get(p.id)).toEqual([]);
  });

  it('has a birth-registration parent: an adult married to a living spouse in the same household', () => {
    const p = persona('birth-registration-parent');
    const spouse = d.people.get(p.spouseId ?? '');
    expect(age(p)).toBeGreaterThanOrEqual(18);
    expect(p.maritalStatus).toBe('MARRIED');
    expect(spouse).toMatchObject({ dateOfDeath: null, maritalStatus: 'MARRIED', spouseId: p.id });
    expect(home(spouse)).toBe(home(p));
  });
});


describe('pre-2025 administrative units behind the addresses', () => {
  it('merges each of the 63 former provinces into one of the 34 (Nghị quyết 202/2025/QH15)', () => {
    expect(LEGACY_PROVINCE_NAMES).toHaveLength(63);
    expect(new Set(LEGACY_PROVINCE_NAMES.map((p) => p.mergedInto))).toEqual(new Set(PROVINCES.map((p) => p.code)));
    expect([mergedProvinceCodeOf('Tỉnh Nam Định'), mergedProvinceCodeOf('tinh nam dinh'), mergedProvinceCodeOf('Thừa Thiên Huế'), mergedProvinceCodeOf('Bình Dương')]).toEqual(['37', '37', '46', '79']);
  });

  it('finds the merged commune of an old address written with abbreviations or without diacritics', () => {
    const baDinh = [{ provinceCode: '01', name: 'Phường Ba Đình', partial: false }];
    expect(mergedCommunesOf({ province: 'TP Hà Nội', district: 'Q. Ba Đình', commune: 'P. Trúc Bạch' })).toEqual(baDinh);
    expect(mergedCommunesOf({ province: 'Ha Noi', district: 'Ba Dinh', commune: 'Truc Bach' })).toEqual(baDinh);
  });

  it('answers every candidate when an old commune name is ambiguous without its district, and none when the district contradicts it', () => {
    expect(mergedCommunesOf({ province: 'Hà Nội', commune: 'Phường Quang Trung' }).map((m) => m.name).sort()).toEqual(['Phường Hà Đông', 'Phường Đống Đa']);
    expect(mergedCommunesOf({ province: 'Hà Nội', district: 'Quận Hoàn Kiếm', commune: 'Phường Trúc Bạch' })).toEqual([]);
  });
});
