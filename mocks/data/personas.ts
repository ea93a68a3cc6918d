import { ageOn } from './dates';
import type { MockDataset, MockHousehold, MockPerson, Persona } from './types';

type Finder = (d: MockDataset) => { person: MockPerson; description: string } | undefined;

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

const alive = (p: MockPerson): boolean => !p.dateOfDeath;
const holds = (d: MockDataset, p: MockPerson, kind: string): boolean =>
  (d.documents.get(p.id) ?? []).some((doc) => doc.kind === kind && doc.status === 'VALID');

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
  [
    'minor',
    firstPerson(
      (p, d) => alive(p) && ageOn(p.dateOfBirth, d.asOf) < 14 && ageOn(p.dateOfBirth, d.asOf) >= 6 && !!p.fatherId && !!p.motherId,
      'A child under 14 living with both parents',
    ),
  ],
  ['deceased', firstPerson((p) => !!p.dateOfDeath && !!p.spouseId, 'Deceased; residence deregistered, spouse widowed')],
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
    firstPerson((p, d) => !!d.residences.get(p.id)?.temporary, 'Registered for temporary residence in another province'),
  ],
  ['divorced', firstPerson((p) => alive(p) && p.maritalStatus === 'DIVORCED' && p.childrenIds.length > 0, 'Divorced parent')],
  [
    'widowed-with-child',
    firstPerson((p, d) => alive(p) && p.maritalStatus === 'WIDOWED' && ['Cha', 'Mẹ'].includes(d.residences.get(p.id)?.relationshipToHead ?? ''), 'Widowed; lives in their child’s household'),
  ],
  ['passport-holder', firstPerson((p, d) => alive(p) && holds(d, p, 'HO_CHIEU') && holds(d, p, 'CAN_CUOC'), 'Holds a valid passport and identity card')],
  ['criminal-record-certificate', firstPerson((p, d) => alive(p) && holds(d, p, 'PHIEU_LY_LICH_TU_PHAP'), 'Was issued a criminal-record certificate')],
  [
    'driving-licence',
    firstPerson((p, d) => alive(p) && holds(d, p, 'GIAY_PHEP_LAI_XE') && ageOn(p.dateOfBirth, d.asOf) < 30, 'Young adult with a driving licence'),
  ],
];

/** How the playground introduces each persona, in Vietnamese. */
const TITLES: Readonly<Record<string, string>> = {
  'household-of-five': 'Chủ hộ, hộ năm người',
  'married-couple': 'Vợ chồng sống riêng',
  minor: 'Trẻ em dưới 14 tuổi',
  deceased: 'Người đã mất',
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
