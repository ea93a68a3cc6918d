import { ageOn } from './dates';
import type { MockDataset, MockHousehold, MockPerson, Persona } from './types';

type Finder = (d: MockDataset) => { person: MockPerson; description: string } | undefined;

/** Temporary registrations must still be valid when the gateway reads them, months after the data's `asOf`. */
const VALID_WELL_AFTER_AS_OF_YEARS = 1;

function* households(d: MockDataset): Generator<[MockHousehold, MockPerson[]]> {
  for (const h of d.households.values()) {
    yield [h, h.members.map((m) => d.people.get(m.personalId) as MockPerson)];
  }
}

/** True when some member has a parent on record who lives outside the household. */
function hasParentElsewhere(d: MockDataset, members: MockPerson[]): boolean {
  const ids = new Set(members.map((m) => m.id));
  return members.some((m) => [m.fatherId, m.motherId].some((p) => p && d.people.has(p) && !ids.has(p)));
}

function headOfSize(size: number, describe: string): Finder {
  return (d) => {
    for (const [h, members] of households(d)) {
      if (members.length === size && hasParentElsewhere(d, members)) {
        return { person: d.people.get(h.headId) as MockPerson, description: describe };
      }
    }
    return undefined;
  };
}

function firstPerson(test: (p: MockPerson, d: MockDataset) => boolean, description: string): Finder {
  return (d) => {
    for (const p of d.people.values()) if (test(p, d)) return { person: p, description };
    return undefined;
  };
}

const alive = (p: MockPerson | undefined): p is MockPerson => !!p && !p.dateOfDeath;
const age = (p: MockPerson, d: MockDataset) => ageOn(p.dateOfBirth, d.asOf);
const householdOf = (d: MockDataset, p: MockPerson | undefined) => (p ? d.residences.get(p.id)?.householdId : undefined);
const held = (d: MockDataset, p: MockPerson, kind: string) => (d.documents.get(p.id) ?? []).filter((doc) => doc.kind === kind);
const holds = (d: MockDataset, p: MockPerson, kind: string): boolean => held(d, p, kind).some((doc) => doc.status === 'VALID');

/** A widowed citizen and the spouse who died, the latter recently enough to have had a 12-digit identity card. */
function widowedPair(d: MockDataset): [MockPerson, MockPerson] | undefined {
  for (const p of d.people.values()) {
    const spouse = p.spouseId ? d.people.get(p.spouseId) : undefined;
    if (alive(p) && p.maritalStatus === 'WIDOWED' && spouse?.dateOfDeath && householdOf(d, p) && held(d, spouse, 'CAN_CUOC').length > 0) {
      return [p, spouse];
    }
  }
  return undefined;
}

/** True when a child lives in one household with both parents, who are married to each other. */
function withBothParents(d: MockDataset, p: MockPerson): boolean {
  const father = d.people.get(p.fatherId ?? '');
  const mother = d.people.get(p.motherId ?? '');
  const home = householdOf(d, p);
  return alive(father) && alive(mother) && father.spouseId === mother.id && father.maritalStatus === 'MARRIED' && !!home && householdOf(d, father) === home && householdOf(d, mother) === home;
}

const FINDERS: readonly (readonly [string, Finder])[] = [
  ['household-of-five', headOfSize(5, 'Head of a household of five')],
  [
    'married-couple',
    (d) => {
      for (const [h, members] of households(d)) {
        const [a, b] = members;
        if (members.length === 2 && a && b && a.spouseId === b.id && hasParentElsewhere(d, members)) {
          return { person: d.people.get(h.headId) as MockPerson, description: 'Married; lives with their spouse, no one else' };
        }
      }
      return undefined;
    },
  ],
  ['minor', firstPerson((p, d) => alive(p) && age(p, d) < 14 && age(p, d) >= 6 && withBothParents(d, p), 'A child under 14 living with both parents')],
  [
    'deceased',
    (d) => {
      const pair = widowedPair(d);
      return pair && { person: pair[1], description: 'Deceased; residence deregistered, identity card revoked, spouse widowed' };
    },
  ],
  [
    'widowed',
    (d) => {
      const pair = widowedPair(d);
      return pair && { person: pair[0], description: 'Widowed; their spouse (the deceased persona) has died' };
    },
  ],
  [
    'no-documents',
    firstPerson((p, d) => alive(p) && (d.documents.get(p.id) ?? []).length === 0, 'An elderly citizen with no documents in the issued-document registry'),
  ],
  ['household-of-one', headOfSize(1, 'Lives alone; parents on record elsewhere')],
  ['household-of-four', headOfSize(4, 'Head of a household of four')],
  ['household-of-eight', headOfSize(8, 'Head of a household of eight, three generations')],
  [
    'three-generations',
    (d) => {
      for (const [h, members] of households(d)) {
        const labels = new Set(h.members.map((m) => m.relationshipToHead));
        if (labels.has('Con dâu') && labels.has('Cháu') && members.length <= 6) {
          return { person: d.people.get(h.headId) as MockPerson, description: 'Grandparent heading a three-generation household' };
        }
      }
      return undefined;
    },
  ],
  [
    'temporary-residence',
    firstPerson((p, d) => {
      const r = d.residences.get(p.id);
      if (!alive(p) || !r?.temporary || !r.permanent) return false;
      const validUntil = `${Number(d.asOf.slice(0, 4)) + VALID_WELL_AFTER_AS_OF_YEARS}${d.asOf.slice(4)}`;
      return r.temporary.expiresOn >= validUntil && r.temporary.address.provinceCode !== r.permanent.address.provinceCode;
    }, 'Registered for temporary residence in another province, valid for another year at least'),
  ],
  [
    'divorced',
    firstPerson(
      (p, d) =>
        alive(p) &&
        p.maritalStatus === 'DIVORCED' &&
        p.childrenIds.length > 0 &&
        held(d, p, 'BAN_AN_QUYET_DINH_LY_HON').length > 0 &&
        held(d, p, 'GIAY_CHUNG_NHAN_KET_HON').every((c) => c.status === 'DISSOLVED'),
      'Divorced parent; the marriage certificate is dissolved and the divorce record is on file',
    ),
  ],
  [
    'widowed-with-child',
    firstPerson((p, d) => alive(p) && p.maritalStatus === 'WIDOWED' && ['Cha', 'Mẹ'].includes(d.residences.get(p.id)?.relationshipToHead ?? ''), 'Widowed; lives in their child’s household'),
  ],
  ['passport-holder', firstPerson((p, d) => alive(p) && holds(d, p, 'HO_CHIEU') && holds(d, p, 'CAN_CUOC'), 'Holds a valid passport and identity card')],
  ['criminal-record-certificate', firstPerson((p, d) => alive(p) && holds(d, p, 'PHIEU_LY_LICH_TU_PHAP'), 'Was issued a criminal-record certificate')],
  ['driving-licence', firstPerson((p, d) => alive(p) && holds(d, p, 'GIAY_PHEP_LAI_XE') && age(p, d) < 30, 'Young adult with a driving licence')],
  [
    'child',
    firstPerson((p, d) => alive(p) && age(p, d) >= 11 && age(p, d) <= 13 && withBothParents(d, p), 'A child aged 11 to 13: too young to declare a birth or act as a parent'),
  ],
  [
    'birth-registration-parent',
    firstPerson((p, d) => {
      const spouse = d.people.get(p.spouseId ?? '');
      return (
        alive(p) &&
        p.gender === 'FEMALE' &&
        p.maritalStatus === 'MARRIED' &&
        age(p, d) >= 22 &&
        age(p, d) <= 38 &&
        p.childrenIds.length > 0 &&
        alive(spouse) &&
        spouse.maritalStatus === 'MARRIED' &&
        !!householdOf(d, p) &&
        householdOf(d, spouse) === householdOf(d, p) &&
        holds(d, p, 'CAN_CUOC') &&
        holds(d, spouse, 'CAN_CUOC')
      );
    }, 'Married mother living with her husband; the couple may register a newborn'),
  ],
];

/** How the playground introduces each persona, in Vietnamese. */
const TITLES: Readonly<Record<string, string>> = {
  'household-of-five': 'Chủ hộ, hộ năm người',
  'married-couple': 'Vợ chồng sống riêng',
  minor: 'Trẻ em dưới 14 tuổi',
  deceased: 'Người đã mất',
  widowed: 'Người góa vợ/chồng',
  'no-documents': 'Người cao tuổi chưa có giấy tờ số hóa',
  'household-of-one': 'Sống một mình',
  'household-of-four': 'Chủ hộ, hộ bốn người',
  'household-of-eight': 'Chủ hộ, hộ tám người, ba thế hệ',
  'three-generations': 'Ông/bà làm chủ hộ ba thế hệ',
  'temporary-residence': 'Đăng ký tạm trú ở tỉnh khác',
  divorced: 'Đã ly hôn, có con',
  'widowed-with-child': 'Góa, sống cùng con',
  'passport-holder': 'Có hộ chiếu và thẻ căn cước',
  'criminal-record-certificate': 'Đã được cấp phiếu lý lịch tư pháp',
  'driving-licence': 'Thanh niên có giấy phép lái xe',
  child: 'Trẻ em từ 11 đến 13 tuổi',
  'birth-registration-parent': 'Người mẹ đã kết hôn, có thể đăng ký khai sinh cho con',
};

/** Sample citizens for developers, found by looking at the generated data. */
export function pickPersonas(dataset: MockDataset): Persona[] {
  const personas: Persona[] = [];
  for (const [key, find] of FINDERS) {
    const found = find(dataset);
    if (found) {
      personas.push({ key, personalId: found.person.id, fullName: found.person.fullName, description: found.description, title: TITLES[key] ?? key });
    }
  }
  return personas;
}
