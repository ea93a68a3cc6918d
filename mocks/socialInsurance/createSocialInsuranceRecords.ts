import { ageOn } from '../data/dates';
import { createRandom, type Random } from '../data/random';
import type { MockDataset } from '../data/types';

/** Where a participant stands with Vietnam Social Security (Bảo hiểm xã hội Việt Nam). */
export type SocialInsuranceStatus = 'PARTICIPATING' | 'PAUSED' | 'PENSIONER' | 'HEALTH_INSURANCE_ONLY' | 'CLOSED';

/** A health insurance card (thẻ bảo hiểm y tế). */
export interface HealthInsuranceCard {
  /** 15 characters: group code, benefit level, province code, social insurance number. */
  number: string;
  validUntil: string;
  /** Code of the facility of first registration (nơi đăng ký khám chữa bệnh ban đầu): province, then 3 digits. */
  primaryCareFacilityCode: string;
  primaryCareFacility: string;
}

/** A citizen's record at the social insurance agency. */
export interface SocialInsuranceRecord {
  personalId: string;
  /** Mã số bảo hiểm xã hội: 10 digits, the province code first. */
  number: string;
  status: SocialInsuranceStatus;
  healthInsuranceCard: HealthInsuranceCard | null;
  /** Months of social insurance contributions (số tháng đóng bảo hiểm xã hội). */
  contributions: number;
}

/** The agency's records, with the indexes its root fields look them up by. */
export interface SocialInsuranceRecords {
  byCitizen: ReadonlyMap<string, SocialInsuranceRecord>;
  /** Personal IDs registered at each primary-care facility, in ascending order. */
  byFacility: ReadonlyMap<string, readonly string[]>;
  /** Personal ID by social insurance number. */
  byNumber: ReadonlyMap<string, string>;
  /** Facility names by code. */
  facilities: ReadonlyMap<string, string>;
}

/** Kinds of facility each province gets, as codes `<province>001` to `<province>003`. */
const FACILITY_KINDS = ['Bệnh viện Đa khoa', 'Trung tâm Y tế', 'Phòng khám Đa khoa khu vực'];
/** Share of citizens with a record: health insurance covered about 94% of the population in 2024. */
const COVERAGE = 0.94;

/**
 * The social insurance agency's own records of the mock registries' citizens, derived
 * from the dataset alone: the same seed gives the same records on every machine, and
 * every record is about a citizen the registries know. Each citizen's draws come from
 * a random source of their own, so the records do not depend on iteration order.
 * Synthetic: group codes, levels and numbering follow the published formats, not any
 * real person's card.
 */
export function createSocialInsuranceRecords(dataset: MockDataset): SocialInsuranceRecords {
  const byCitizen = new Map<string, SocialInsuranceRecord>();
  const byFacility = new Map<string, string[]>();
  const byNumber = new Map<string, string>();
  const facilities = new Map<string, string>();
  const endOfYear = `${dataset.asOf.slice(0, 4)}-12-31`;

  for (const id of [...dataset.people.keys()].sort()) {
    const person = dataset.people.get(id);
    const residence = dataset.residences.get(id);
    const address = residence?.permanent?.address ?? residence?.current ?? residence?.temporary?.address;
    if (!person || !address) continue;
    const random = createRandom(`${dataset.seed}/social-insurance/${id}`);
    if (!random.chance(COVERAGE)) continue;

    let number = `${address.provinceCode}${random.digits(8)}`;
    while (byNumber.has(number)) number = `${address.provinceCode}${random.digits(8)}`;
    const facilityCode = `${address.provinceCode}${String(random.int(1, FACILITY_KINDS.length)).padStart(3, '0')}`;
    const province = address.provinceName.replace(/^(Tỉnh|Thành phố) /, '');
    facilities.set(facilityCode, `${FACILITY_KINDS[Number(facilityCode.slice(-3)) - 1]} ${province}`);

    const age = ageOn(person.dateOfBirth, person.dateOfDeath ?? dataset.asOf);
    const { group, level, status, contributions } = participation(age, person.dateOfDeath !== null, random);
    byCitizen.set(id, {
      personalId: id,
      number,
      status,
      contributions,
      healthInsuranceCard: {
        number: `${group}${level}${address.provinceCode}${number}`,
        validUntil: person.dateOfDeath ?? endOfYear,
        primaryCareFacilityCode: facilityCode,
        primaryCareFacility: facilities.get(facilityCode) as string,
      },
    });
    byNumber.set(number, id);
    const registered = byFacility.get(facilityCode) ?? [];
    registered.push(id);
    byFacility.set(facilityCode, registered);
  }
  return { byCitizen, byFacility, byNumber, facilities };
}

/**
 * How a citizen of this age takes part: the card's group (TE children under 6, HS pupils
 * and students, DN employees, HC public servants, GD households, HT pensioners), its
 * benefit level, and months of contributions for those who pay social insurance.
 */
function participation(age: number, deceased: boolean, random: Random): { group: string; level: number; status: SocialInsuranceStatus; contributions: number } {
  if (age < 6) return { group: 'TE', level: 1, status: healthOnly(deceased), contributions: 0 };
  if (age < 22) return { group: 'HS', level: 4, status: healthOnly(deceased), contributions: 0 };
  if (age >= 62 && random.chance(0.4)) return { group: 'HT', level: 3, status: deceased ? 'CLOSED' : 'PENSIONER', contributions: random.int(240, 420) };
  if (age < 62 && random.chance(0.45)) {
    const months = random.int(0, Math.min(35 * 12, (age - 18) * 12));
    const status: SocialInsuranceStatus = deceased ? 'CLOSED' : random.chance(0.1) ? 'PAUSED' : 'PARTICIPATING';
    return { group: random.chance(0.2) ? 'HC' : 'DN', level: 4, status, contributions: months };
  }
  return { group: 'GD', level: 4, status: healthOnly(deceased), contributions: 0 };
}

function healthOnly(deceased: boolean): SocialInsuranceStatus {
  return deceased ? 'CLOSED' : 'HEALTH_INSURANCE_ONLY';
}
