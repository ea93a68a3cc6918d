import { centuryGenderDigit } from '../../src/domain/personalId';
import { LEGACY_PROVINCES, type LegacyProvince } from '../../src/domain/provinces';
import { composeName, namesOf } from './composeName';
import { addDays, addYears, ageOn, dateBetween, maxDate, minDate } from './dates';
import { lifespan } from './lifespan';
import type { Random } from './random';
import type { Gender, MockPerson } from './types';
import { BLOOD_TYPES, ETHNICITIES, HOME_PROVINCES_BY_ETHNICITY, RELIGIONS } from './vocabulary';

/** A marriage, from the wedding to its end (death of a spouse or divorce) or to today. */
export interface Couple {
  husband: MockPerson;
  wife: MockPerson;
  marriedOn: string;
  /** Legacy province code where the couple lives (children's births are registered there). */
  homeCode: string;
  /** The divorce, when the marriage ended by one: decided by a court on `decidedOn`, in force on `effectiveOn`. */
  divorce: { decidedOn: string; effectiveOn: string; byJudgment: boolean } | null;
}

/** Tunable shape of the synthetic population; the defaults approximate the 2019 census. */
const FOUNDER_BIRTH_YEARS: readonly (readonly [number, number])[] = [
  [1926, 2], [1931, 4], [1936, 5], [1941, 6], [1946, 7], [1951, 7], [1956, 7], [1961, 6], [1966, 6], [1971, 5], [1976, 4], [1981, 3], [1986, 2],
];
/** Children per couple by the mother's birth year: completed fertility fell from about 5 to 2. */
const CHILDREN_BY_MOTHER_COHORT: readonly (readonly [number, readonly (readonly [number, number])[]])[] = [
  [1945, [[0, 3], [1, 4], [2, 10], [3, 16], [4, 20], [5, 19], [6, 15], [7, 13]]],
  [1955, [[0, 3], [1, 6], [2, 16], [3, 26], [4, 24], [5, 15], [6, 10]]],
  [1965, [[0, 4], [1, 10], [2, 34], [3, 30], [4, 15], [5, 7]]],
  [1975, [[0, 5], [1, 14], [2, 50], [3, 23], [4, 8]]],
  [9999, [[0, 5], [1, 13], [2, 52], [3, 23], [4, 7]]],
];
/** Share of marriages between two people of the dataset rather than with a spouse from outside it. */
const IN_DATASET_MARRIAGE = 0.45;
const SAME_ETHNICITY_SPOUSE = 0.92;
const CLANS_PER_BATCH = 24;
/** Ancestors looked at when refusing a marriage: parents, grandparents, great-grandparents. */
const KIN_GENERATIONS = 3;
const NICKNAMES = ['Út', 'Hai', 'Ba', 'Tư', 'Bé', 'Tý', 'Cu'];
const PLACE_WORDS = ['Tân Phú', 'Hòa Bình', 'An Thịnh', 'Phú Lợi', 'Đông Hòa', 'Tây Sơn', 'Thạnh Mỹ', 'Hưng Lộc', 'Bình An', 'Phước Long', 'Quang Trung', 'Thanh Bình'];
/** Where young couples move to: legacy codes of the big cities. */
const CITY_LEGACY_CODES: readonly (readonly [string, number])[] = [['01', 4], ['79', 5], ['48', 1], ['31', 1], ['92', 1]];

/** "Tỉnh Nam Định" for a legacy province, as written in an address. */
export function legacyFullName(p: LegacyProvince): string {
  if (p.code === '79') return 'Thành phố Hồ Chí Minh';
  if (p.code === '46') return 'Tỉnh Thừa Thiên Huế';
  return ['01', '31', '48', '92'].includes(p.code) ? `Thành phố ${p.name}` : `Tỉnh ${p.name}`;
}

/** "tỉnh Nam Định": a unit's full name as part of an institution's name. */
export function inInstitutionName(fullName: string): string {
  return fullName.charAt(0).toLowerCase() + fullName.slice(1);
}

const legacyByCode = new Map(LEGACY_PROVINCES.map((l) => [l.code, l]));

/** The 63-province unit with this code. */
export function legacy(code: string): LegacyProvince {
  const p = legacyByCode.get(code);
  if (!p) throw new Error(`unknown legacy province code: ${code}`);
  return p;
}

export function updatedAt(rng: Random, asOf: string): string {
  const day = dateBetween(rng.next, '2025-01-10', asOf);
  const time = `${String(rng.int(7, 17)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}`;
  return `${day}T${time}Z`;
}

/**
 * Families over five generations: founding couples whose parents are not on record, their
 * descendants, and spouses who marry in. Births stop at a parent's death or divorce; nobody
 * marries a relative sharing a parent, grandparent or great-grandparent; a child takes one
 * parent's ethnic group and a name in that group's usage.
 */
export class FamilyGenerator {
  readonly people = new Map<string, MockPerson>();
  readonly couples: Couple[] = [];
  /** The legacy province each person grew up in. */
  readonly homeOf = new Map<string, string>();
  /** Each married (or once-married) person's couple; nobody remarries. */
  readonly coupleOf = new Map<string, Couple>();
  /** The day each person dies, which may lie after `asOf`. */
  private readonly diesOn = new Map<string, string>();
  private readonly ancestorCache = new Map<string, Set<string>>();

  constructor(
    private readonly rng: Random,
    private readonly asOf: string,
  ) {}

  /** One batch of unrelated clans whose descendants marry each other, or outsiders, over the generations. */
  batch(): void {
    let couples: Couple[] = [];
    for (let i = 0; i < CLANS_PER_BATCH; i++) {
      const c = this.founders();
      if (c) couples.push(c);
    }
    while (couples.length > 0) {
      const children = couples.flatMap((c) => this.childrenOf(c));
      couples = this.marry(children);
    }
  }

  /** Marital statuses from deaths and divorces; the dead keep the status they had at death. */
  settleMaritalStatuses(): void {
    for (const c of this.couples) {
      const { husband, wife } = c;
      if (c.divorce) {
        husband.maritalStatus = 'DIVORCED';
        wife.maritalStatus = 'DIVORCED';
        husband.spouseId = null;
        wife.spouseId = null;
        continue;
      }
      const hd = husband.dateOfDeath;
      const wd = wife.dateOfDeath;
      husband.maritalStatus = wd && (!hd || wd < hd) ? 'WIDOWED' : 'MARRIED';
      wife.maritalStatus = hd && (!wd || hd < wd) ? 'WIDOWED' : 'MARRIED';
    }
  }

  private founders(): Couple | null {
    const rng = this.rng;
    const ethnicity = rng.weighted(ETHNICITIES);
    const regions = HOME_PROVINCES_BY_ETHNICITY[ethnicity];
    const home = regions ? rng.pick(regions) : rng.pick(LEGACY_PROVINCES).code;
    const decade = rng.weighted(FOUNDER_BIRTH_YEARS);
    const husbandBorn = dateBetween(rng.next, `${decade}-01-01`, `${decade + 4}-12-31`);
    const wifeBorn = dateBetween(rng.next, addYears(husbandBorn, -1), addYears(husbandBorn, 6));
    const husband = this.person({ gender: 'MALE', dateOfBirth: husbandBorn, birthCode: home, ethnicity });
    const wife = this.person({
      gender: 'FEMALE',
      dateOfBirth: wifeBorn,
      birthCode: home,
      ethnicity: rng.chance(SAME_ETHNICITY_SPOUSE) ? ethnicity : rng.weighted(ETHNICITIES),
    });
    this.homeOf.set(husband.id, home);
    this.homeOf.set(wife.id, home);
    const marriedOn = this.weddingDay(husband, wife, addYears(husbandBorn, rng.int(22, 30)));
    return marriedOn ? this.wed(husband, wife, marriedOn, home) : null;
  }

  /** A wedding day soon after `intended`, with both of legal age and alive; null if none fits. */
  private weddingDay(husband: MockPerson, wife: MockPerson, intended: string): string | null {
    // Luật Hôn nhân và Gia đình 2014, Điều 8: men from 20, women from 18.
    const earliest = maxDate(intended, maxDate(addYears(husband.dateOfBirth, 20), addYears(wife.dateOfBirth, 18)));
    const latest = minDate(minDate(this.death(husband), this.death(wife)), addDays(this.asOf, -1));
    if (earliest > latest) return null;
    return dateBetween(this.rng.next, earliest, minDate(addDays(earliest, 700), latest));
  }

  private death(p: MockPerson): string {
    return this.diesOn.get(p.id) as string;
  }

  private wed(husband: MockPerson, wife: MockPerson, marriedOn: string, homeCode: string): Couple {
    const rng = this.rng;
    husband.spouseId = wife.id;
    wife.spouseId = husband.id;
    husband.maritalStatus = 'MARRIED';
    wife.maritalStatus = 'MARRIED';
    let divorce: Couple['divorce'] = null;
    // About one marriage in fourteen since the 1980s ends in divorce; earlier ones rarely did.
    if (marriedOn >= '1980-01-01' && rng.chance(0.035)) {
      const decidedOn = dateBetween(rng.next, addYears(marriedOn, 2), addYears(marriedOn, 20));
      const byJudgment = rng.chance(0.4);
      // A first-instance judgment takes effect when the appeal period ends; a decision recognising a consensual divorce at once.
      const effectiveOn = byJudgment ? addDays(decidedOn, 30) : decidedOn;
      const end = minDate(this.death(husband), this.death(wife));
      if (effectiveOn < addDays(this.asOf, -1) && effectiveOn < end) divorce = { decidedOn, effectiveOn, byJudgment };
    }
    const couple: Couple = { husband, wife, marriedOn, homeCode, divorce };
    this.couples.push(couple);
    this.coupleOf.set(husband.id, couple);
    this.coupleOf.set(wife.id, couple);
    return couple;
  }

  private childrenOf(couple: Couple): MockPerson[] {
    const rng = this.rng;
    const motherYear = Number(couple.wife.dateOfBirth.slice(0, 4));
    const table = (CHILDREN_BY_MOTHER_COHORT.find(([upTo]) => motherYear <= upTo) as (typeof CHILDREN_BY_MOTHER_COHORT)[number])[1];
    const count = rng.weighted(table);
    const children: MockPerson[] = [];
    let born = addDays(couple.marriedOn, rng.int(300, 1100));
    // Births stop when the mother is 44, at either parent's death, or at the divorce.
    let lastPossible = minDate(minDate(this.asOf, addYears(couple.wife.dateOfBirth, 44)), minDate(this.death(couple.husband), this.death(couple.wife)));
    if (couple.divorce) lastPossible = minDate(lastPossible, couple.divorce.decidedOn);
    for (let i = 0; i < count && born < lastPossible; i++) {
      const child = this.person({
        gender: rng.chance(0.515) ? 'MALE' : 'FEMALE',
        dateOfBirth: born,
        birthCode: couple.homeCode,
        father: couple.husband,
        mother: couple.wife,
      });
      this.homeOf.set(child.id, couple.homeCode);
      children.push(child);
      born = addDays(born, rng.int(450, 2200));
    }
    return children;
  }

  /**
   * Marries the children of a generation: to one another when they are not close kin, or to
   * spouses from outside the dataset (whose parents are not on record). Some stay single.
   */
  private marry(children: MockPerson[]): Couple[] {
    const rng = this.rng;
    const couples: Couple[] = [];
    const willMarry = rng.shuffle(children.filter((c) => rng.chance(c.gender === 'MALE' ? 0.9 : 0.93)));
    const married = new Set<string>();
    for (const person of willMarry) {
      if (married.has(person.id)) continue;
      const age = person.gender === 'MALE' ? rng.weighted([[22, 2], [24, 4], [26, 4], [28, 3], [31, 2], [35, 1]] as const) : rng.weighted([[19, 2], [21, 4], [23, 4], [25, 3], [28, 2], [32, 1]] as const);
      let spouse: MockPerson | undefined;
      if (rng.chance(IN_DATASET_MARRIAGE)) {
        const sameGroup = rng.chance(SAME_ETHNICITY_SPOUSE);
        spouse = willMarry.find((o) => !married.has(o.id) && (!sameGroup || o.ethnicity === person.ethnicity) && this.canMarry(person, o));
      }
      const inMarrying = !spouse;
      spouse ??= this.outsider(person);
      const [husband, wife] = person.gender === 'MALE' ? [person, spouse] : [spouse, person];
      const marriedOn = this.weddingDay(husband, wife, addYears(person.dateOfBirth, age));
      if (!marriedOn) {
        if (inMarrying) this.forget(spouse);
        continue;
      }
      married.add(person.id);
      married.add(spouse.id);
      const home = rng.chance(0.25) ? rng.weighted(CITY_LEGACY_CODES) : (this.homeOf.get(husband.id) as string);
      couples.push(this.wed(husband, wife, marriedOn, home));
    }
    return couples;
  }

  /** True when two people of the dataset may marry: opposite sexes, close in age, no close kin. */
  private canMarry(a: MockPerson, b: MockPerson): boolean {
    if (a.gender === b.gender) return false;
    const [man, woman] = a.gender === 'MALE' ? [a, b] : [b, a];
    const gap = Number(woman.dateOfBirth.slice(0, 4)) - Number(man.dateOfBirth.slice(0, 4));
    if (gap < -2 || gap > 8) return false;
    return !this.closeKin(a, b);
  }

  /**
   * Relatives the law forbids to marry (Luật Hôn nhân và Gia đình 2014, Điều 5 khoản 2 điểm d and
   * Điều 3 khoản 18: direct line, and "có họ trong phạm vi ba đời", a common parent or
   * grandparent), widened here to a common great-grandparent.
   */
  closeKin(a: MockPerson, b: MockPerson): boolean {
    const up = (p: MockPerson) => this.ancestorsOf(p);
    const ua = up(a);
    const ub = up(b);
    if (ua.has(b.id) || ub.has(a.id)) return true;
    for (const x of ua) if (ub.has(x)) return true;
    return false;
  }

  private ancestorsOf(p: MockPerson): Set<string> {
    const cached = this.ancestorCache.get(p.id);
    if (cached) return cached;
    const out = new Set<string>();
    let frontier: MockPerson[] = [p];
    for (let g = 0; g < KIN_GENERATIONS; g++) {
      const next: MockPerson[] = [];
      for (const x of frontier) {
        for (const id of [x.fatherId, x.motherId]) {
          const parent = id ? this.people.get(id) : undefined;
          if (parent) {
            out.add(parent.id);
            next.push(parent);
          }
        }
      }
      frontier = next;
    }
    this.ancestorCache.set(p.id, out);
    return out;
  }

  /** A spouse from outside the dataset's families, of a fitting age and usually the same group. */
  private outsider(partner: MockPerson): MockPerson {
    const rng = this.rng;
    const gender: Gender = partner.gender === 'MALE' ? 'FEMALE' : 'MALE';
    const gap = rng.int(0, 5);
    const dateOfBirth = gender === 'FEMALE' ? addYears(partner.dateOfBirth, gap) : addYears(partner.dateOfBirth, -gap);
    const ethnicity = rng.chance(SAME_ETHNICITY_SPOUSE) ? partner.ethnicity : rng.weighted(ETHNICITIES);
    const regions = HOME_PROVINCES_BY_ETHNICITY[ethnicity];
    const partnerHome = this.homeOf.get(partner.id) as string;
    const birthCode = rng.chance(0.6) ? partnerHome : regions ? rng.pick(regions) : rng.pick(LEGACY_PROVINCES).code;
    const spouse = this.person({ gender, dateOfBirth, birthCode, ethnicity });
    this.homeOf.set(spouse.id, birthCode);
    return spouse;
  }

  /** Removes someone created for a marriage that could not take place. */
  private forget(p: MockPerson): void {
    this.people.delete(p.id);
    this.homeOf.delete(p.id);
    this.diesOn.delete(p.id);
    this.ancestorCache.delete(p.id);
  }

  private person(o: { gender: Gender; dateOfBirth: string; birthCode: string; father?: MockPerson; mother?: MockPerson; ethnicity?: string }): MockPerson {
    const rng = this.rng;
    const { father, mother } = o;
    let ethnicity: string;
    if (father && mother) {
      // Bộ luật Dân sự 2015, Điều 29: a child takes the father's or the mother's ethnic group.
      ethnicity = father.ethnicity === mother.ethnicity || rng.chance(0.75) ? father.ethnicity : mother.ethnicity;
    } else {
      ethnicity = o.ethnicity ?? rng.weighted(ETHNICITIES);
    }
    const names = namesOf(ethnicity);
    let inherited: string | undefined;
    if (father && mother) {
      if (names.matrilineal && mother.ethnicity === ethnicity) inherited = mother.familyName;
      else if (father.ethnicity === ethnicity) inherited = father.familyName;
      else if (mother.ethnicity === ethnicity) inherited = mother.familyName;
    }
    const { familyName, fullName } = composeName(rng, ethnicity, o.gender, inherited);
    const birthYear = Number(o.dateOfBirth.slice(0, 4));
    const prefix = `0${o.birthCode}${centuryGenderDigit(birthYear, o.gender)}${String(birthYear % 100).padStart(2, '0')}`;
    let id: string;
    do id = prefix + rng.digits(6);
    while (this.people.has(id));
    const birthPlace = legacy(o.birthCode);
    const diesOn = addDays(o.dateOfBirth, Math.floor(lifespan(rng, o.gender) * 365.2425));
    const dateOfDeath = diesOn < this.asOf ? diesOn : null;
    const age = ageOn(o.dateOfBirth, this.asOf);
    const person: MockPerson = {
      id,
      legacyIdNumber: birthYear <= 1999 ? `${o.birthCode}${rng.digits(7)}` : null,
      familyName,
      fullName,
      otherNames: rng.chance(0.03) ? [rng.pick(NICKNAMES)] : [],
      dateOfBirth: o.dateOfBirth,
      gender: o.gender,
      birthProvinceCode: o.birthCode,
      placeOfBirth:
        rng.chance(0.6) && birthYear >= 1985
          ? `Bệnh viện Đa khoa ${inInstitutionName(legacyFullName(birthPlace))}, ${legacyFullName(birthPlace)}`
          : legacyFullName(birthPlace),
      birthRegistrationPlace: `Ủy ban nhân dân ${rng.pick(['xã', 'phường', 'thị trấn'])} ${rng.pick(PLACE_WORDS)}, ${inInstitutionName(legacyFullName(birthPlace))}`,
      hometown: father?.hometown ?? `${rng.pick(['Xã', 'Phường'])} ${rng.pick(PLACE_WORDS)}, ${legacyFullName(birthPlace)}`,
      ethnicity,
      religion: father && rng.chance(0.85) ? father.religion : rng.weighted(RELIGIONS),
      nationality: 'Việt Nam',
      bloodType: rng.weighted(BLOOD_TYPES),
      maritalStatus: 'SINGLE',
      dateOfDeath,
      fatherId: father?.id ?? null,
      motherId: mother?.id ?? null,
      spouseId: null,
      childrenIds: [],
      phone: !dateOfDeath && age >= 16 && rng.chance(0.85) ? `0${rng.pick(['3', '5', '7', '8', '9'])}${rng.digits(8)}` : null,
      email: null,
      updatedAt: updatedAt(rng, this.asOf),
    };
    if (!dateOfDeath && age >= 16 && birthYear >= 1965 && rng.chance(0.4)) person.email = emailFor(rng, person.fullName, birthYear);
    father?.childrenIds.push(id);
    mother?.childrenIds.push(id);
    this.people.set(id, person);
    this.diesOn.set(id, diesOn);
    return person;
  }
}

function emailFor(rng: Random, fullName: string, birthYear: number): string {
  const ascii = fullName
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z ]/g, '')
    .split(' ')
    .filter(Boolean);
  const given = ascii[ascii.length - 1] as string;
  const initials = ascii.slice(0, -1).map((w) => w[0]).join('');
  return `${given}${initials}${birthYear % 100}${rng.digits(2)}@${rng.pick(['gmail.com', 'yahoo.com', 'outlook.com'])}`;
}
