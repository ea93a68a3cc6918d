import { centuryGenderDigit } from '../../src/domain/personalId';
import { LEGACY_PROVINCES, province as provinceByCode, type LegacyProvince } from '../../src/domain/provinces';
import { addDays, addYears, ageOn, dateBetween, maxDate, minDate } from './dates';
import { pickPersonas } from './personas';
import { createRandom, type Random } from './random';
import type {
  Gender,
  MockAddress,
  MockDataset,
  MockDocument,
  MockHousehold,
  MockPerson,
  MockResidence,
} from './types';
import {
  BLOOD_TYPES,
  COMMUNES,
  ETHNICITIES,
  FAMILY_NAMES,
  FEMALE_GIVEN_NAMES,
  FEMALE_MIDDLE_NAMES,
  MALE_GIVEN_NAMES,
  MALE_MIDDLE_NAMES,
  RELATIONSHIP,
  RELIGIONS,
  STREETS,
} from './vocabulary';

export interface DatasetOptions {
  /** Same seed, same data. */
  seed: string;
  /** Minimum number of citizens; the last family generated may overshoot it. */
  size: number;
  /** The date the data describes (ages, validity, deaths). Fixed so data does not drift. */
  asOf?: string;
}

const DEFAULT_AS_OF = '2026-07-01';
const UNITS_AS_OF = '2025-07-01';
const CLANS_PER_BATCH = 24;
const MAX_HOUSEHOLD = 8;
const NICKNAMES = ['Út', 'Hai', 'Ba', 'Tư', 'Bé', 'Tý', 'Cu'];
const PLACE_WORDS = ['Tân Phú', 'Hòa Bình', 'An Thịnh', 'Phú Lợi', 'Đông Hòa', 'Tây Sơn', 'Thạnh Mỹ', 'Hưng Lộc', 'Bình An', 'Phước Long', 'Quang Trung', 'Thanh Bình'];
/** Where young couples move to: legacy codes of the big cities. */
const CITY_LEGACY_CODES: readonly (readonly [string, number])[] = [['01', 4], ['79', 5], ['48', 1], ['31', 1], ['92', 1]];

interface Couple {
  husband: MockPerson;
  wife: MockPerson;
  marriedOn: string;
  /** Legacy province code where the couple lives (children's births are registered there). */
  homeCode: string;
}

/**
 * Generates the three registries' data from a seed: families over four generations,
 * households, residence records and issued documents, all mutually consistent.
 */
export function generateDataset(options: DatasetOptions): MockDataset {
  if (!Number.isInteger(options.size) || options.size < 1) {
    throw new Error(`generateDataset() needs a positive integer size, but got: ${String(options.size)}`);
  }
  const asOf = options.asOf ?? DEFAULT_AS_OF;
  const rng = createRandom(options.seed);
  const gen = new FamilyGenerator(rng, asOf);
  while (gen.people.size < options.size) gen.batch();
  gen.assignDeathsAndDivorces();
  const { households, residences } = new HouseholdBuilder(rng, asOf, gen).build();
  const documents = issueDocuments(rng, asOf, gen, residences);
  const dataset: MockDataset = {
    seed: options.seed,
    asOf,
    people: gen.people,
    residences,
    households,
    documents,
    personas: [],
  };
  dataset.personas = pickPersonas(dataset);
  return dataset;
}

function updatedAt(rng: Random, asOf: string): string {
  const day = dateBetween(rng.next, '2025-01-10', asOf);
  const time = `${String(rng.int(7, 17)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}`;
  return `${day}T${time}Z`;
}

function legacyFullName(p: LegacyProvince): string {
  return ['01', '31', '48', '79', '92'].includes(p.code) && !p.name.startsWith('TP')
    ? `Thành phố ${p.name}`
    : p.name.startsWith('TP')
      ? p.name
      : `Tỉnh ${p.name}`;
}

function legacy(code: string): LegacyProvince {
  const p = LEGACY_PROVINCES.find((l) => l.code === code);
  if (!p) throw new Error(`unknown legacy province code: ${code}`);
  return p;
}

class FamilyGenerator {
  readonly people = new Map<string, MockPerson>();
  readonly couples: Couple[] = [];
  /** The household province each person grew up in (legacy code). */
  readonly homeOf = new Map<string, string>();

  constructor(
    private readonly rng: Random,
    private readonly asOf: string,
  ) {}

  /** One batch of unrelated clans whose children marry each other over the generations. */
  batch(): void {
    let couples: Couple[] = [];
    for (let i = 0; i < CLANS_PER_BATCH; i++) couples.push(this.founders());
    while (couples.length > 0) {
      const children = couples.flatMap((c) => this.childrenOf(c));
      couples = this.marry(children);
    }
  }

  private founders(): Couple {
    const home = this.rng.pick(LEGACY_PROVINCES).code;
    const husbandBorn = dateBetween(this.rng.next, '1936-01-01', '1962-12-31');
    const wifeBorn = dateBetween(this.rng.next, addYears(husbandBorn, -2), addYears(husbandBorn, 7));
    const husband = this.person({ gender: 'MALE', dateOfBirth: husbandBorn, birthCode: home });
    const wife = this.person({ gender: 'FEMALE', dateOfBirth: wifeBorn, birthCode: home });
    this.homeOf.set(husband.id, home);
    this.homeOf.set(wife.id, home);
    return this.wed(husband, wife, home);
  }

  private wed(husband: MockPerson, wife: MockPerson, homeCode: string): Couple {
    const earliest = maxDate(addYears(husband.dateOfBirth, 21), addYears(wife.dateOfBirth, 19));
    const marriedOn = dateBetween(this.rng.next, earliest, minDate(addYears(earliest, 8), this.asOf));
    husband.maritalStatus = 'MARRIED';
    wife.maritalStatus = 'MARRIED';
    husband.spouseId = wife.id;
    wife.spouseId = husband.id;
    const couple = { husband, wife, marriedOn, homeCode };
    this.couples.push(couple);
    return couple;
  }

  private childrenOf(couple: Couple): MockPerson[] {
    const count = this.rng.weighted([[0, 7], [1, 22], [2, 40], [3, 21], [4, 10]] as const);
    const children: MockPerson[] = [];
    let born = addDays(couple.marriedOn, this.rng.int(300, 1100));
    const lastPossible = minDate(this.asOf, addYears(couple.wife.dateOfBirth, 43));
    for (let i = 0; i < count && born <= lastPossible; i++) {
      const child = this.person({
        gender: this.rng.chance(0.51) ? 'MALE' : 'FEMALE',
        dateOfBirth: born,
        birthCode: couple.homeCode,
        father: couple.husband,
        mother: couple.wife,
      });
      this.homeOf.set(child.id, couple.homeCode);
      children.push(child);
      born = addDays(born, this.rng.int(400, 2000));
    }
    return children;
  }

  /** Pairs adult children of different families; the rest stay single. */
  private marry(children: MockPerson[]): Couple[] {
    const men = this.rng.shuffle(children.filter((c) => c.gender === 'MALE' && ageOn(c.dateOfBirth, this.asOf) >= 22));
    const women = children.filter((c) => c.gender === 'FEMALE' && ageOn(c.dateOfBirth, this.asOf) >= 20);
    const taken = new Set<string>();
    const couples: Couple[] = [];
    for (const man of men) {
      const age = ageOn(man.dateOfBirth, this.asOf);
      if (!this.rng.chance(age < 25 ? 0.3 : age < 30 ? 0.65 : 0.88)) continue;
      const year = Number(man.dateOfBirth.slice(0, 4));
      const wife = women.find((w) => {
        const wy = Number(w.dateOfBirth.slice(0, 4));
        return !taken.has(w.id) && w.fatherId !== man.fatherId && wy >= year - 2 && wy <= year + 8;
      });
      if (!wife) continue;
      taken.add(wife.id);
      const home = this.rng.chance(0.25)
        ? this.rng.weighted(CITY_LEGACY_CODES)
        : (this.homeOf.get(man.id) as string);
      couples.push(this.wed(man, wife, home));
    }
    return couples;
  }

  private person(o: {
    gender: Gender;
    dateOfBirth: string;
    birthCode: string;
    father?: MockPerson;
    mother?: MockPerson;
  }): MockPerson {
    const rng = this.rng;
    const familyName = o.father?.familyName ?? rng.weighted(FAMILY_NAMES);
    const middle = rng.pick(o.gender === 'MALE' ? MALE_MIDDLE_NAMES : FEMALE_MIDDLE_NAMES);
    const given = rng.pick(o.gender === 'MALE' ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES);
    const birthYear = Number(o.dateOfBirth.slice(0, 4));
    const prefix = `0${o.birthCode}${centuryGenderDigit(birthYear, o.gender)}${String(birthYear % 100).padStart(2, '0')}`;
    let id: string;
    do id = prefix + rng.digits(6);
    while (this.people.has(id));
    const birthPlace = legacy(o.birthCode);
    const age = ageOn(o.dateOfBirth, this.asOf);
    const person: MockPerson = {
      id,
      legacyIdNumber: birthYear <= 1999 ? `${o.birthCode}${rng.digits(7)}` : null,
      familyName,
      fullName: `${familyName} ${middle} ${given}`,
      otherNames: rng.chance(0.03) ? [rng.pick(NICKNAMES)] : [],
      dateOfBirth: o.dateOfBirth,
      gender: o.gender,
      birthProvinceCode: o.birthCode,
      placeOfBirth: rng.chance(0.6) && birthYear >= 1985 ? `Bệnh viện đa khoa ${birthPlace.name}, ${legacyFullName(birthPlace)}` : legacyFullName(birthPlace),
      birthRegistrationPlace: `Ủy ban nhân dân ${rng.pick(['xã', 'phường', 'thị trấn'])} ${rng.pick(PLACE_WORDS)}, ${legacyFullName(birthPlace)}`,
      hometown: o.father?.hometown ?? `${rng.pick(['Xã', 'Phường'])} ${rng.pick(PLACE_WORDS)}, ${legacyFullName(birthPlace)}`,
      ethnicity: o.father && rng.chance(0.95) ? o.father.ethnicity : rng.weighted(ETHNICITIES),
      religion: o.father && rng.chance(0.85) ? o.father.religion : rng.weighted(RELIGIONS),
      nationality: 'Việt Nam',
      bloodType: rng.weighted(BLOOD_TYPES),
      maritalStatus: 'SINGLE',
      dateOfDeath: null,
      fatherId: o.father?.id ?? null,
      motherId: o.mother?.id ?? null,
      spouseId: null,
      childrenIds: [],
      phone: age >= 16 && rng.chance(0.85) ? `0${rng.pick(['3', '5', '7', '8', '9'])}${rng.digits(8)}` : null,
      email: null,
      updatedAt: updatedAt(rng, this.asOf),
    };
    if (age >= 16 && birthYear >= 1965 && rng.chance(0.4)) person.email = emailFor(rng, person.fullName, birthYear);
    o.father?.childrenIds.push(id);
    o.mother?.childrenIds.push(id);
    this.people.set(id, person);
    return person;
  }

  assignDeathsAndDivorces(): void {
    const marriedOn = new Map<string, string>();
    for (const c of this.couples) {
      marriedOn.set(c.husband.id, c.marriedOn);
      marriedOn.set(c.wife.id, c.marriedOn);
    }
    for (const p of this.people.values()) {
      const year = Number(p.dateOfBirth.slice(0, 4));
      const risk = year < 1940 ? 0.55 : year < 1950 ? 0.3 : year < 1960 ? 0.12 : year < 1975 ? 0.03 : 0.004;
      if (ageOn(p.dateOfBirth, this.asOf) < 18 || !this.rng.chance(risk)) continue;
      const youngest = p.childrenIds.map((c) => this.people.get(c)?.dateOfBirth ?? p.dateOfBirth).sort().pop();
      const from = maxDate(maxDate(addYears(p.dateOfBirth, year < 1960 ? 55 : 25), youngest ?? p.dateOfBirth), marriedOn.get(p.id) ?? p.dateOfBirth);
      const to = addDays(this.asOf, -1);
      if (from > to) continue;
      p.dateOfDeath = dateBetween(this.rng.next, from, to);
      p.phone = null;
      p.email = null;
    }
    for (const c of this.couples) {
      const { husband, wife } = c;
      if (husband.dateOfDeath && !wife.dateOfDeath) wife.maritalStatus = 'WIDOWED';
      else if (wife.dateOfDeath && !husband.dateOfDeath) husband.maritalStatus = 'WIDOWED';
      else if (!husband.dateOfDeath && !wife.dateOfDeath && this.rng.chance(0.05)) {
        husband.maritalStatus = 'DIVORCED';
        wife.maritalStatus = 'DIVORCED';
        husband.spouseId = null;
        wife.spouseId = null;
      }
    }
  }
}

/** A member's relationship to a head who is their sibling: Anh / Chị when older, Em when younger. */
function siblingOfHead(member: MockPerson, head: MockPerson): string {
  if (member.dateOfBirth >= head.dateOfBirth) return RELATIONSHIP.youngerSibling;
  return member.gender === 'MALE' ? RELATIONSHIP.elderBrother : RELATIONSHIP.elderSister;
}

function emailFor(rng: Random, fullName: string, birthYear: number): string {
  const ascii = fullName
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .split(' ');
  const given = ascii[ascii.length - 1] as string;
  const initials = ascii.slice(0, -1).map((w) => w[0]).join('');
  return `${given}${initials}${birthYear % 100}${rng.digits(2)}@${rng.pick(['gmail.com', 'yahoo.com', 'outlook.com'])}`;
}

class HouseholdBuilder {
  private readonly households = new Map<string, MockHousehold>();
  private readonly residences = new Map<string, MockResidence>();
  private readonly householdOf = new Map<string, MockHousehold>();

  constructor(
    private readonly rng: Random,
    private readonly asOf: string,
    private readonly gen: FamilyGenerator,
  ) {}

  build(): { households: Map<string, MockHousehold>; residences: Map<string, MockResidence> } {
    const alive = (p: MockPerson | undefined): p is MockPerson => !!p && !p.dateOfDeath;
    const people = this.gen.people;

    // Couples, oldest first, so that parents' households exist when their sons marry.
    for (const c of this.gen.couples) {
      const { husband, wife } = c;
      if (!alive(husband) || !alive(wife) || husband.maritalStatus !== 'MARRIED') continue;
      if (this.householdOf.has(husband.id) || this.householdOf.has(wife.id)) continue;
      const parents = this.householdOf.get(husband.fatherId ?? '');
      const eldestSon = husband.fatherId
        ? people.get(husband.fatherId)?.childrenIds.map((id) => people.get(id)).find((s) => s?.gender === 'MALE')
        : undefined;
      const kids = this.childrenStayingHome(husband);
      let household: MockHousehold;
      let childLabel: string = RELATIONSHIP.child;
      if (parents && eldestSon?.id === husband.id && parents.headId === husband.fatherId && parents.members.length + 2 + kids.length <= MAX_HOUSEHOLD && this.rng.chance(0.35)) {
        household = parents;
        this.join(household, husband, RELATIONSHIP.child);
        this.join(household, wife, RELATIONSHIP.daughterInLaw);
        childLabel = RELATIONSHIP.grandchild;
      } else {
        const headIsWife = this.rng.chance(0.15);
        household = this.create(headIsWife ? wife : husband, legacy(c.homeCode).mergedInto);
        this.join(household, headIsWife ? husband : wife, headIsWife ? RELATIONSHIP.husband : RELATIONSHIP.wife);
      }
      for (const kid of kids) {
        if (household.members.length >= MAX_HOUSEHOLD) break;
        this.join(household, kid, childLabel);
      }
    }

    // Divorced mothers keep their children; widowed parents often move in with a child.
    for (const p of people.values()) {
      if (!alive(p) || this.householdOf.has(p.id)) continue;
      const divorcedMother = p.maritalStatus === 'DIVORCED' && p.gender === 'FEMALE';
      if (!divorcedMother && p.maritalStatus !== 'WIDOWED') continue;
      const kids = this.childrenStayingHome(p);
      const target = p.childrenIds
        .map((id) => this.householdOf.get(id))
        .find((h) => h && p.childrenIds.includes(h.headId) && h.members.length + 1 + kids.length <= MAX_HOUSEHOLD);
      if (p.maritalStatus === 'WIDOWED' && target && this.rng.chance(0.55)) {
        this.join(target, p, p.gender === 'MALE' ? RELATIONSHIP.father : RELATIONSHIP.mother);
        for (const kid of kids) this.join(target, kid, siblingOfHead(kid, people.get(target.headId) as MockPerson));
      } else if (kids.length > 0 || divorcedMother) {
        const h = this.create(p, legacy(this.gen.homeOf.get(p.id) as string).mergedInto);
        for (const kid of kids) if (h.members.length < MAX_HOUSEHOLD) this.join(h, kid, RELATIONSHIP.child);
      }
    }

    // Everyone else lives alone, except minors, who live with a grandparent.
    for (const p of people.values()) {
      if (!alive(p) || this.householdOf.has(p.id)) continue;
      const grandparents = [p.fatherId, p.motherId]
        .flatMap((id) => [people.get(id ?? '')?.fatherId, people.get(id ?? '')?.motherId])
        .map((id) => this.householdOf.get(id ?? ''))
        .find((h) => h && h.members.length < MAX_HOUSEHOLD);
      if (ageOn(p.dateOfBirth, this.asOf) < 18 && grandparents) this.join(grandparents, p, RELATIONSHIP.grandchild);
      else this.create(p, legacy(this.gen.homeOf.get(p.id) as string).mergedInto);
    }

    for (const p of people.values()) this.residences.set(p.id, this.residenceOf(p));
    return { households: this.households, residences: this.residences };
  }

  /** Living, unmarried children not yet housed; some grown-up ones have moved out. */
  private childrenStayingHome(parent: MockPerson): MockPerson[] {
    return parent.childrenIds
      .map((id) => this.gen.people.get(id) as MockPerson)
      .filter((k) => !k.dateOfDeath && k.maritalStatus === 'SINGLE' && !this.householdOf.has(k.id))
      .filter((k) => ageOn(k.dateOfBirth, this.asOf) < 22 || !this.rng.chance(0.45));
  }

  private create(head: MockPerson, provinceCode: string): MockHousehold {
    const rng = this.rng;
    let id: string;
    do id = `HK${provinceCode}${rng.digits(8)}`;
    while (this.households.has(id));
    const household: MockHousehold = {
      id,
      headId: head.id,
      address: this.address(provinceCode),
      members: [],
      updatedAt: updatedAt(rng, this.asOf),
    };
    this.households.set(id, household);
    this.join(household, head, RELATIONSHIP.head);
    return household;
  }

  private join(household: MockHousehold, person: MockPerson, relationshipToHead: string): void {
    household.members.push({ personalId: person.id, relationshipToHead });
    this.householdOf.set(person.id, household);
  }

  address(provinceCode: string): MockAddress {
    const rng = this.rng;
    const communes = COMMUNES[provinceCode] as readonly string[];
    const index = rng.int(0, communes.length - 1);
    const p = provinceByCode(provinceCode);
    if (!p) throw new Error(`unknown province code: ${provinceCode}`);
    const street = rng.pick(STREETS);
    const line = rng.chance(0.45)
      ? `Số ${rng.int(1, 80)}, ngõ ${rng.int(1, 300)}, đường ${street}`
      : `Số ${rng.int(1, 400)}, đường ${street}`;
    return {
      line,
      communeCode: `${provinceCode}${String(index + 1).padStart(3, '0')}`,
      communeName: communes[index] as string,
      provinceCode,
      provinceName: p.fullName,
      unitsAsOf: UNITS_AS_OF,
    };
  }

  private residenceOf(p: MockPerson): MockResidence {
    const rng = this.rng;
    const household = this.householdOf.get(p.id);
    const member = household?.members.find((m) => m.personalId === p.id);
    const record = `${String(rng.int(1, 96)).padStart(3, '0')}${rng.digits(9)}`;
    if (!household || !member) {
      return {
        personalId: p.id,
        residenceRecordNumber: record,
        permanent: null,
        temporary: null,
        current: null,
        deregistration: p.dateOfDeath ? { reason: 'Đã chết', on: addDays(p.dateOfDeath, rng.int(3, 60)) } : null,
        householdId: null,
        relationshipToHead: null,
        updatedAt: updatedAt(rng, this.asOf),
      };
    }
    const registeredOn = maxDate(addDays(p.dateOfBirth, rng.int(10, 60)), dateBetween(rng.next, '2005-01-01', '2024-12-31'));
    const age = ageOn(p.dateOfBirth, this.asOf);
    let temporary: MockResidence['temporary'] = null;
    if (age >= 18 && age <= 40 && rng.chance(0.1)) {
      const elsewhere = rng.pick(['01', '79', '48', '31', '92', '24', '75'].filter((c) => c !== household.address.provinceCode));
      const from = dateBetween(rng.next, addYears(this.asOf, -2), addDays(this.asOf, -30));
      temporary = { address: this.address(elsewhere), registeredOn: from, expiresOn: addYears(from, 2) };
    }
    return {
      personalId: p.id,
      residenceRecordNumber: record,
      permanent: { address: household.address, registeredOn: minDate(registeredOn, this.asOf) },
      temporary,
      current: temporary?.address ?? household.address,
      deregistration: null,
      householdId: household.id,
      relationshipToHead: member.relationshipToHead,
      updatedAt: updatedAt(rng, this.asOf),
    };
  }
}

/** The issued-document registry: what each person holds, consistent with their life. */
function issueDocuments(
  rng: Random,
  asOf: string,
  gen: FamilyGenerator,
  residences: Map<string, MockResidence>,
): Map<string, MockDocument[]> {
  const documents = new Map<string, MockDocument[]>();
  let seq = 0;
  const doc = (d: Omit<MockDocument, 'documentId' | 'updatedAt' | 'status'> & { status?: MockDocument['status'] }): MockDocument => ({
    documentId: `GT${String(++seq).padStart(9, '0')}`,
    kind: d.kind,
    number: d.number,
    issuedOn: d.issuedOn,
    issuingAuthority: d.issuingAuthority,
    expiresOn: d.expiresOn,
    status: d.status ?? (d.expiresOn && d.expiresOn < asOf ? 'EXPIRED' : 'VALID'),
    updatedAt: updatedAt(rng, asOf),
  });
  const provinceOf = (id: string): string => {
    const code = residences.get(id)?.permanent?.address.provinceCode;
    return provinceByCode(code ?? '01')?.fullName ?? 'Thành phố Hà Nội';
  };

  for (const p of gen.people.values()) {
    const held: MockDocument[] = [];
    documents.set(p.id, held);
    const birthYear = Number(p.dateOfBirth.slice(0, 4));
    // Some older citizens' papers were never digitised: the registry holds nothing for them.
    if (birthYear < 1965 && rng.chance(0.04)) continue;
    const age = ageOn(p.dateOfBirth, asOf);
    const end = p.dateOfDeath ?? asOf;
    held.push(
      doc({
        kind: 'GIAY_KHAI_SINH',
        number: `${rng.int(1, 480)}/${birthYear}`,
        issuedOn: addDays(p.dateOfBirth, rng.int(5, 55)),
        issuingAuthority: p.birthRegistrationPlace,
        expiresOn: null,
      }),
    );
    // The 12-digit card exists since 2021; those who died before it kept their 9-digit CMND.
    const cardFrom = maxDate(addYears(p.dateOfBirth, 14), '2021-01-01');
    if (age >= 14 && cardFrom <= end) {
      const issuedOn = dateBetween(rng.next, cardFrom, minDate(end, asOf));
      held.push(
        doc({
          kind: 'CAN_CUOC',
          number: p.id,
          issuedOn,
          issuingAuthority: issuedOn >= '2024-07-01' ? 'Bộ Công an' : 'Cục Cảnh sát quản lý hành chính về trật tự xã hội',
          expiresOn: identityCardExpiry(p.dateOfBirth, issuedOn),
          status: p.dateOfDeath ? 'REVOKED' : undefined,
        }),
      );
    }
    if (age >= 18 && !p.dateOfDeath) {
      if (rng.chance(0.25)) {
        const issuedOn = dateBetween(rng.next, maxDate(addYears(asOf, -10), addYears(p.dateOfBirth, 18)), addDays(asOf, -7));
        held.push(
          doc({
            kind: 'HO_CHIEU',
            number: `${issuedOn >= '2022-07-01' ? 'P' : 'C'}${rng.digits(7)}`,
            issuedOn,
            issuingAuthority: 'Cục Quản lý xuất nhập cảnh',
            expiresOn: addDays(addYears(issuedOn, 10), -1),
          }),
        );
      }
      if (rng.chance(0.45)) {
        const issuedOn = dateBetween(rng.next, maxDate(addYears(p.dateOfBirth, 18), '2010-01-01'), addDays(asOf, -7));
        const motorbikeOnly = rng.chance(0.6);
        held.push(
          doc({
            kind: 'GIAY_PHEP_LAI_XE',
            number: rng.digits(12),
            issuedOn,
            issuingAuthority: issuedOn >= '2025-03-01' ? `Công an ${provinceOf(p.id)}` : `Sở Giao thông vận tải ${provinceOf(p.id)}`,
            expiresOn: motorbikeOnly ? null : addYears(issuedOn, 10),
          }),
        );
      }
      if (rng.chance(0.08)) {
        const issuedOn = dateBetween(rng.next, maxDate(addYears(asOf, -3), addYears(p.dateOfBirth, 18)), addDays(asOf, -7));
        held.push(
          doc({
            kind: 'PHIEU_LY_LICH_TU_PHAP',
            number: `${rng.int(1, 9999)}/${issuedOn.slice(0, 4)}/LLTP`,
            issuedOn,
            issuingAuthority: `Sở Tư pháp ${provinceOf(p.id)}`,
            expiresOn: null,
          }),
        );
      }
    }
  }

  // One marriage certificate per couple, held by both spouses.
  for (const c of gen.couples) {
    const number = `${rng.int(1, 300)}/${c.marriedOn.slice(0, 4)}`;
    const issuingAuthority = `Ủy ban nhân dân ${rng.pick(['xã', 'phường'])} ${rng.pick(PLACE_WORDS)}, ${legacyFullName(legacy(c.homeCode))}`;
    for (const spouse of [c.husband, c.wife]) {
      const held = documents.get(spouse.id) as MockDocument[];
      if (held.length === 0) continue;
      held.push(doc({ kind: 'GIAY_CHUNG_NHAN_KET_HON', number, issuedOn: c.marriedOn, issuingAuthority, expiresOn: null }));
    }
  }
  return documents;
}

/**
 * Identity cards are renewed at 25, 40 and 60 (Luật Căn cước 2023); a card issued
 * within two years of a milestone is valid until the next one, and from 60 for life.
 */
function identityCardExpiry(dateOfBirth: string, issuedOn: string): string | null {
  for (const milestone of [25, 40, 60]) {
    const at = addYears(dateOfBirth, milestone);
    if (addYears(issuedOn, 2) <= at) return at;
  }
  return null;
}
