import { addDays, addYears, ageOn, dateBetween, maxDate, minDate } from './dates';
import { legacy, updatedAt, type Couple, type FamilyGenerator } from './FamilyGenerator';
import { randomAddress } from './randomAddress';
import type { Random } from './random';
import type { MockAddress, MockHousehold, MockPerson, MockRegistration, MockResidence } from './types';
import { RELATIONSHIP } from './vocabulary';

const MAX_HOUSEHOLD = 8;
/** A married son's family lives in his parents' household (three generations under one roof). */
const THREE_GENERATIONS = 0.8;
/** A widowed parent moves into a child's household rather than staying in their own home. */
const WIDOW_MOVES_IN = 0.9;
/** Grown-up unmarried children still living with their parents, by age. */
const STAYS_HOME_UNDER_30 = 0.95;
const STAYS_HOME_FROM_30 = 0.75;
/** Post-2025 codes of the provinces where people register for temporary residence. */
const TEMPORARY_DESTINATIONS: readonly (readonly [string, number])[] = [['01', 5], ['79', 6], ['48', 1], ['31', 1], ['92', 1], ['24', 2], ['75', 2]];
/** Luật Cư trú 2020, Điều 27: a temporary registration lasts at most two years (renewable). */
const LONGEST_TEMPORARY_MONTHS = 24;

/**
 * Households as of `asOf` and every citizen's residence record, history included. Households
 * grow from marriages (a couple's own home, or a son's family in his parents' home), widowed
 * parents moving in with a child, divorced mothers leaving with their children, and grown
 * children moving out. A person's history follows the same story: registered at birth in the
 * parents' home, in the couple's home from the wedding, then wherever they live today.
 */
export class HouseholdBuilder {
  private readonly households = new Map<string, MockHousehold>();
  private readonly householdOf = new Map<string, MockHousehold>();
  /** When someone moved into their household, when it was not at birth or at the wedding. */
  private readonly joinedOn = new Map<string, string>();
  /** Each couple's home: their own household's address, or the parents' home they moved into. */
  private readonly coupleHome = new Map<Couple, MockAddress>();
  /** Where people whose parents are not on record grew up. */
  private readonly birthHome = new Map<string, MockAddress>();

  constructor(
    private readonly rng: Random,
    private readonly asOf: string,
    private readonly gen: FamilyGenerator,
  ) {}

  build(): { households: Map<string, MockHousehold>; residences: Map<string, MockResidence> } {
    const people = this.gen.people;
    const alive = (p: MockPerson | undefined): p is MockPerson => !!p && !p.dateOfDeath;

    // Couples together today, oldest first, so that parents' households exist when their sons marry.
    const byWedding = [...this.gen.couples].sort((a, b) => (a.marriedOn < b.marriedOn ? -1 : 1));
    for (const c of byWedding) {
      const { husband, wife } = c;
      if (!alive(husband) || !alive(wife) || c.divorce) continue;
      if (this.householdOf.has(husband.id) || this.householdOf.has(wife.id)) continue;
      const kids = this.childrenStayingHome(husband);
      const parents = this.parentsHousehold(husband);
      let household: MockHousehold;
      let childLabel: string = RELATIONSHIP.child;
      if (parents && this.isHeir(husband) && parents.members.length + 2 + kids.length <= MAX_HOUSEHOLD && this.rng.chance(THREE_GENERATIONS)) {
        household = parents;
        if (!this.householdOf.has(husband.id)) this.join(household, husband, RELATIONSHIP.child);
        this.join(household, wife, RELATIONSHIP.daughterInLaw);
        this.coupleHome.set(c, household.address);
        childLabel = RELATIONSHIP.grandchild;
      } else {
        const headIsWife = this.rng.chance(0.15);
        household = this.create(headIsWife ? wife : husband, this.homeOfCouple(c));
        this.join(household, headIsWife ? husband : wife, headIsWife ? RELATIONSHIP.husband : RELATIONSHIP.wife);
      }
      for (const kid of kids) if (household.members.length < MAX_HOUSEHOLD) this.join(household, kid, childLabel);
    }

    // Widowed parents move in with a child or stay home; divorced mothers leave with their children.
    for (const p of people.values()) {
      if (!alive(p) || this.householdOf.has(p.id)) continue;
      const c = this.gen.coupleOf.get(p.id);
      if (!c) continue;
      const kids = this.childrenStayingHome(p);
      if (p.maritalStatus === 'WIDOWED') {
        const spouse = people.get(p.spouseId ?? '') as MockPerson;
        const target = p.childrenIds
          .map((id) => this.householdOf.get(id))
          .find((h) => h && p.childrenIds.includes(h.headId) && h.members.length + 1 + kids.length <= MAX_HOUSEHOLD);
        if (target && this.rng.chance(WIDOW_MOVES_IN)) {
          const on = this.moveDate(addDays(spouse.dateOfDeath as string, this.rng.int(30, 400)));
          this.join(target, p, p.gender === 'MALE' ? RELATIONSHIP.father : RELATIONSHIP.mother, on);
          const head = people.get(target.headId) as MockPerson;
          for (const kid of kids) this.join(target, kid, siblingOfHead(kid, head), on);
        } else {
          const h = this.create(p, this.homeOfCouple(c));
          for (const kid of kids) if (h.members.length < MAX_HOUSEHOLD) this.join(h, kid, RELATIONSHIP.child);
        }
      } else if (p.maritalStatus === 'DIVORCED' && p.gender === 'FEMALE' && c.divorce) {
        const on = this.moveDate(addDays(c.divorce.effectiveOn, this.rng.int(10, 120)));
        const h = this.create(p, randomAddress(this.rng, legacy(c.homeCode).mergedInto), on);
        for (const kid of kids) if (h.members.length < MAX_HOUSEHOLD) this.join(h, kid, RELATIONSHIP.child, on);
      } else if (p.maritalStatus === 'DIVORCED' && c.divorce) {
        const parents = this.parentsHousehold(p);
        if (parents && parents.members.length < MAX_HOUSEHOLD && this.rng.chance(0.6)) {
          this.join(parents, p, RELATIONSHIP.child, this.moveDate(addDays(c.divorce.effectiveOn, this.rng.int(10, 120))));
        } else {
          this.create(p, this.homeOfCouple(c));
        }
      }
    }

    // Everyone else: minors live with a grandparent or a grown sibling; adults on their own.
    for (const p of people.values()) {
      if (!alive(p) || this.householdOf.has(p.id)) continue;
      const age = ageOn(p.dateOfBirth, this.asOf);
      const orphanedOn = this.parentsGoneOn(p);
      if (age < 18) {
        const grandparents = [p.fatherId, p.motherId]
          .flatMap((id) => [people.get(id ?? '')?.fatherId, people.get(id ?? '')?.motherId])
          .map((id) => this.householdOf.get(id ?? ''))
          .find((h) => h && h.members.length < MAX_HOUSEHOLD);
        const sibling = this.siblingsOf(p)
          .map((s) => this.householdOf.get(s.id))
          .find((h) => h && h.members.length < MAX_HOUSEHOLD && this.siblingsOf(p).some((s) => s.id === h.headId));
        const on = this.moveDate(maxDate(addDays(p.dateOfBirth, 30), addDays(orphanedOn ?? p.dateOfBirth, this.rng.int(10, 90))));
        const parent = this.parentsHousehold(p);
        if (parent && parent.members.length < MAX_HOUSEHOLD) this.join(parent, p, RELATIONSHIP.child, on);
        else if (grandparents) this.join(grandparents, p, RELATIONSHIP.grandchild, on);
        else if (sibling) this.join(sibling, p, siblingOfHead(p, people.get(sibling.headId) as MockPerson), on);
        else this.create(p, this.childhoodHome(p));
        continue;
      }
      const parentsCouple = this.parentsCouple(p);
      if (orphanedOn && parentsCouple && this.rng.chance(0.5)) {
        // Grown children often keep their late parents' home.
        this.create(p, this.homeOfCouple(parentsCouple));
      } else {
        const left = this.moveDate(dateBetween(this.rng.next, addYears(p.dateOfBirth, 19), maxDate(addYears(p.dateOfBirth, 19), addDays(this.asOf, -60))));
        const province = this.rng.chance(0.3) ? this.rng.weighted(TEMPORARY_DESTINATIONS) : legacy(this.gen.homeOf.get(p.id) as string).mergedInto;
        this.create(p, randomAddress(this.rng, province), left);
      }
    }

    const residences = new Map<string, MockResidence>();
    for (const p of people.values()) residences.set(p.id, this.residenceOf(p));
    return { households: this.households, residences };
  }

  /** Living, unmarried children not yet housed; some grown-up ones have moved out. */
  private childrenStayingHome(parent: MockPerson): MockPerson[] {
    return parent.childrenIds
      .map((id) => this.gen.people.get(id) as MockPerson)
      .filter((k) => !k.dateOfDeath && k.maritalStatus === 'SINGLE' && !this.householdOf.has(k.id))
      .filter((k) => {
        const age = ageOn(k.dateOfBirth, this.asOf);
        return age < 18 || this.rng.chance(age < 30 ? STAYS_HOME_UNDER_30 : STAYS_HOME_FROM_30);
      });
  }

  /** The household a person's father or mother heads, if any. */
  private parentsHousehold(p: MockPerson): MockHousehold | undefined {
    for (const id of [p.fatherId, p.motherId]) {
      const h = id ? this.householdOf.get(id) : undefined;
      if (h && (h.headId === p.fatherId || h.headId === p.motherId)) return h;
    }
    return undefined;
  }

  /** The son who stays with his parents: the eldest, or one of the others now and then. */
  private isHeir(son: MockPerson): boolean {
    const father = this.gen.people.get(son.fatherId ?? '');
    const sons = (father?.childrenIds ?? []).map((id) => this.gen.people.get(id)).filter((s) => s?.gender === 'MALE');
    return sons[0]?.id === son.id || this.rng.chance(0.5);
  }

  private parentsCouple(p: MockPerson): Couple | undefined {
    const c = p.fatherId ? this.gen.coupleOf.get(p.fatherId) : undefined;
    return c && c.wife.id === p.motherId ? c : undefined;
  }

  /** The day the last living parent died, when both have. */
  private parentsGoneOn(p: MockPerson): string | undefined {
    const parents = [p.fatherId, p.motherId].map((id) => this.gen.people.get(id ?? '')).filter((x): x is MockPerson => !!x);
    if (parents.length === 0 || parents.some((x) => !x.dateOfDeath)) return undefined;
    return parents.map((x) => x.dateOfDeath as string).sort().pop();
  }

  private siblingsOf(p: MockPerson): MockPerson[] {
    const father = this.gen.people.get(p.fatherId ?? '');
    return (father?.childrenIds ?? []).filter((id) => id !== p.id).map((id) => this.gen.people.get(id) as MockPerson);
  }

  private homeOfCouple(c: Couple): MockAddress {
    let home = this.coupleHome.get(c);
    if (!home) {
      home = randomAddress(this.rng, legacy(c.homeCode).mergedInto);
      this.coupleHome.set(c, home);
    }
    return home;
  }

  /** Where someone was registered as a child: the parents' home, or a home in their birth province. */
  private childhoodHome(p: MockPerson): MockAddress {
    const parents = this.parentsCouple(p);
    if (parents) return this.homeOfCouple(parents);
    let home = this.birthHome.get(p.id);
    if (!home) {
      home = randomAddress(this.rng, legacy(p.birthProvinceCode).mergedInto);
      this.birthHome.set(p.id, home);
    }
    return home;
  }

  private moveDate(on: string): string {
    return minDate(on, addDays(this.asOf, -1));
  }

  private create(head: MockPerson, address: MockAddress, since?: string): MockHousehold {
    const rng = this.rng;
    let id: string;
    do id = `HK${address.provinceCode}${rng.digits(8)}`;
    while (this.households.has(id));
    const household: MockHousehold = { id, headId: head.id, address, members: [], updatedAt: updatedAt(rng, this.asOf) };
    this.households.set(id, household);
    this.join(household, head, RELATIONSHIP.head, since);
    return household;
  }

  private join(household: MockHousehold, person: MockPerson, relationshipToHead: string, on?: string): void {
    household.members.push({ personalId: person.id, relationshipToHead });
    this.householdOf.set(person.id, household);
    if (on) this.joinedOn.set(person.id, on);
  }

  /**
   * Permanent registrations from birth: the childhood home, the couple's home from the wedding,
   * then the household the person lives in today (or, for the dead, until the day of death).
   */
  private permanentHistory(p: MockPerson): MockRegistration[] {
    const rng = this.rng;
    const end = p.dateOfDeath ?? null;
    const segments: { address: MockAddress; from: string }[] = [{ address: this.childhoodHome(p), from: minDate(addDays(p.dateOfBirth, rng.int(10, 60)), this.asOf) }];
    const moveTo = (address: MockAddress, on: string) => {
      const last = segments[segments.length - 1] as { address: MockAddress; from: string };
      if (address === last.address) return;
      const from = maxDate(on, addDays(last.from, 1));
      if (end && from >= end) return;
      segments.push({ address, from: minDate(from, this.asOf) });
    };
    const couple = this.gen.coupleOf.get(p.id);
    if (couple) moveTo(this.homeOfCouple(couple), addDays(couple.marriedOn, rng.int(0, 120)));
    const household = this.householdOf.get(p.id);
    if (household) moveTo(household.address, this.joinedOn.get(p.id) ?? this.defaultJoin(p, couple));
    return segments.map((s, i) => ({
      kind: 'PERMANENT',
      address: s.address,
      from: s.from,
      to: i + 1 < segments.length ? addDays((segments[i + 1] as { from: string }).from, -1) : end,
    }));
  }

  /** When someone moved into today's household with no recorded move: after their wedding, or as a young adult. */
  private defaultJoin(p: MockPerson, couple: Couple | undefined): string {
    if (couple) return addDays(couple.divorce?.effectiveOn ?? couple.marriedOn, this.rng.int(10, 120));
    return this.moveDate(addYears(p.dateOfBirth, 19));
  }

  /** Past temporary stays (study, work in a city) and the current one, never overlapping each other. */
  private temporaryHistory(p: MockPerson, permanentProvince: string | null): { past: MockRegistration[]; current: MockRegistration | null } {
    const rng = this.rng;
    const age = ageOn(p.dateOfBirth, this.asOf);
    const end = p.dateOfDeath ?? this.asOf;
    const past: MockRegistration[] = [];
    let free = addYears(p.dateOfBirth, 18);
    const stays = rng.chance(0.3) ? rng.int(1, 2) : 0;
    for (let i = 0; i < stays; i++) {
      const latestStart = minDate(addYears(p.dateOfBirth, 40), addDays(end, -(LONGEST_TEMPORARY_MONTHS * 31 + 400)));
      if (free > latestStart) break;
      const from = dateBetween(rng.next, free, minDate(latestStart, addYears(free, 8)));
      const to = addDays(addMonths(from, rng.int(6, LONGEST_TEMPORARY_MONTHS)), -1);
      const destination = rng.weighted(TEMPORARY_DESTINATIONS.filter(([code]) => code !== permanentProvince));
      past.push({ kind: 'TEMPORARY', address: randomAddress(rng, destination), from, to });
      free = addDays(to, rng.int(30, 900));
    }
    let current: MockRegistration | null = null;
    if (!p.dateOfDeath && age >= 18 && age <= 45 && rng.chance(0.1)) {
      // Registered within the last two years for six months to two years, and valid today.
      const from = maxDate(dateBetween(rng.next, addMonths(this.asOf, -LONGEST_TEMPORARY_MONTHS + 1), addDays(this.asOf, -30)), addDays(past[past.length - 1]?.to ?? free, 30));
      if (from < this.asOf) {
        const shortest = Math.max(6, monthsBetween(from, this.asOf) + 1);
        const months = rng.int(shortest, Math.max(shortest, LONGEST_TEMPORARY_MONTHS));
        const destination = rng.weighted(TEMPORARY_DESTINATIONS.filter(([code]) => code !== permanentProvince));
        current = { kind: 'TEMPORARY', address: randomAddress(rng, destination), from, to: addDays(addMonths(from, months), -1) };
      }
    }
    return { past, current };
  }

  private residenceOf(p: MockPerson): MockResidence {
    const rng = this.rng;
    const household = this.householdOf.get(p.id);
    const member = household?.members.find((m) => m.personalId === p.id);
    const record = `${String(rng.int(1, 96)).padStart(3, '0')}${rng.digits(9)}`;
    const permanent = this.permanentHistory(p);
    const last = permanent[permanent.length - 1] as MockRegistration;
    const temporary = this.temporaryHistory(p, household?.address.provinceCode ?? null);
    const history = [...permanent, ...temporary.past, ...(temporary.current ? [{ ...temporary.current, to: null }] : [])].sort((a, b) =>
      a.from < b.from ? -1 : a.from > b.from ? 1 : 0,
    );
    if (!household || !member) {
      return {
        personalId: p.id,
        residenceRecordNumber: record,
        permanent: null,
        temporary: null,
        current: null,
        // Luật Cư trú 2020, Điều 24: a dead person's permanent residence is struck off.
        deregistration: p.dateOfDeath ? { reason: 'Chết', on: p.dateOfDeath } : null,
        householdId: null,
        relationshipToHead: null,
        history,
        updatedAt: updatedAt(rng, this.asOf),
      };
    }
    const current = temporary.current;
    return {
      personalId: p.id,
      residenceRecordNumber: record,
      permanent: { address: household.address, registeredOn: last.from },
      temporary: current && { address: current.address, registeredOn: current.from, expiresOn: current.to as string },
      current: current?.address ?? household.address,
      deregistration: null,
      householdId: household.id,
      relationshipToHead: member.relationshipToHead,
      history,
      updatedAt: updatedAt(rng, this.asOf),
    };
  }
}

/** A member's relationship to a head who is their sibling: Anh / Chị when older, Em when younger. */
function siblingOfHead(member: MockPerson, head: MockPerson): string {
  if (member.dateOfBirth >= head.dateOfBirth) return RELATIONSHIP.youngerSibling;
  return member.gender === 'MALE' ? RELATIONSHIP.elderBrother : RELATIONSHIP.elderSister;
}

/** Same day `months` later (clamped to the month's end). */
function addMonths(iso: string, months: number): string {
  const y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7)) - 1 + months;
  const year = y + Math.floor(m / 12);
  const month = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(Number(iso.slice(8, 10)), lastDay);
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Whole months from one date to a later one. */
function monthsBetween(from: string, to: string): number {
  const months = (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7));
  return Number(to.slice(8, 10)) < Number(from.slice(8, 10)) ? months - 1 : months;
}
