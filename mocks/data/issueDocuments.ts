import { province as provinceByCode } from '../../src/domain/provinces';
import { addDays, addYears, ageOn, dateBetween, maxDate, minDate } from './dates';
import { inInstitutionName, legacy, legacyFullName, updatedAt, type Couple, type FamilyGenerator } from './FamilyGenerator';
import { UNITS_AS_OF } from './randomAddress';
import type { Random } from './random';
import type { MockAddress, MockDocument, MockPerson, MockResidence } from './types';

/** Since 2024-07-01 (Luật Căn cước 2023) the card is "thẻ căn cước", issued by the Ministry of Public Security. */
const IDENTITY_LAW = '2024-07-01';
/** Since 2025-03-01 the police, not the Departments of Justice or of Transport, issue criminal-record certificates and driving licences. */
const POLICE_TAKEOVER = '2025-03-01';
const PLACE_WORDS = ['Tân Phú', 'Hòa Bình', 'An Thịnh', 'Phú Lợi', 'Đông Hòa', 'Tây Sơn', 'Thạnh Mỹ', 'Hưng Lộc', 'Bình An', 'Phước Long', 'Quang Trung', 'Thanh Bình'];

type Draft = Omit<MockDocument, 'documentId' | 'updatedAt' | 'status' | 'statusChangedOn' | 'statusReason' | 'refersTo'> & Partial<Pick<MockDocument, 'status' | 'statusChangedOn' | 'statusReason' | 'refersTo'>>;

/** dd/MM/yyyy, as Vietnamese documents write dates. */
function vnDate(iso: string): string {
  return iso.split('-').reverse().join('/');
}

/** Thừa Thiên Huế became the centrally-run city of Huế on this day (Nghị quyết 175/2024/QH15). */
const HUE_CITY_SINCE = '2025-01-01';

/**
 * The province an address belonged to on a date, as named in an institution's name: the
 * 63-province unit before 2025-07-01, the merged one after ("tỉnh Nam Định" / "tỉnh Ninh Bình").
 */
function provinceOn(address: MockAddress, on: string): string {
  if (on >= UNITS_AS_OF) return inInstitutionName(address.provinceName);
  if (address.legacy.provinceCode === '46' && on < HUE_CITY_SINCE) return 'tỉnh Thừa Thiên Huế';
  return inInstitutionName(address.legacy.provinceName);
}

/** Where someone's permanent residence was on a date (the last one before, for a date after their death). */
function residenceOn(residence: MockResidence | undefined, on: string): MockAddress | null {
  const permanent = (residence?.history ?? []).filter((r) => r.kind === 'PERMANENT' && r.from <= on);
  return permanent[permanent.length - 1]?.address ?? null;
}

/** The court that decided a divorce: the district court before 2025-07-01, a regional court after (Nghị quyết 81/2025/UBTVQH15). */
function divorceCourt(home: MockAddress, on: string): string {
  if (on < UNITS_AS_OF) return `Tòa án nhân dân ${inInstitutionName(home.legacy.districtName)}, ${provinceOn(home, on)}`;
  const p = provinceByCode(home.provinceCode);
  const area = (Number(home.communeCode.slice(2)) % 6) + 1;
  return `Tòa án nhân dân khu vực ${area} - ${home.provinceCode === '79' ? 'Thành phố Hồ Chí Minh' : (p?.name ?? home.provinceName)}`;
}

/** The issued-document registry: what each person holds, consistent with their life. */
export function issueDocuments(rng: Random, asOf: string, gen: FamilyGenerator, residences: Map<string, MockResidence>): Map<string, MockDocument[]> {
  const documents = new Map<string, MockDocument[]>();
  let seq = 0;
  const doc = (d: Draft): MockDocument => ({
    documentId: `GT${String(++seq).padStart(9, '0')}`,
    kind: d.kind,
    title: d.title,
    number: d.number,
    issuedOn: d.issuedOn,
    issuingAuthority: d.issuingAuthority,
    expiresOn: d.expiresOn,
    status: d.status ?? (d.expiresOn && d.expiresOn < asOf ? 'EXPIRED' : 'VALID'),
    statusChangedOn: d.statusChangedOn ?? (d.status ? null : d.expiresOn && d.expiresOn < asOf ? addDays(d.expiresOn, 1) : null),
    statusReason: d.statusReason ?? null,
    refersTo: d.refersTo ?? null,
    updatedAt: updatedAt(rng, asOf),
  });
  /** The holder's permanent residence province on a date, for a provincial issuer's name. */
  const provinceOf = (p: MockPerson, on: string): string => {
    const home = residenceOn(residences.get(p.id), on);
    return home ? provinceOn(home, on) : inInstitutionName(legacyFullName(legacy(p.birthProvinceCode)));
  };
  const revokedAtDeath = (p: MockPerson): Partial<MockDocument> =>
    p.dateOfDeath ? { status: 'REVOKED', statusChangedOn: p.dateOfDeath, statusReason: `Người được cấp đã chết ngày ${vnDate(p.dateOfDeath)}` } : {};

  for (const p of gen.people.values()) {
    const held: MockDocument[] = [];
    documents.set(p.id, held);
    const birthYear = Number(p.dateOfBirth.slice(0, 4));
    // Some older citizens' papers were never digitised: the registry holds nothing for them.
    if (birthYear < 1965 && p.maritalStatus !== 'DIVORCED' && rng.chance(0.04)) continue;
    const age = ageOn(p.dateOfBirth, asOf);
    const end = p.dateOfDeath ?? asOf;
    held.push(
      doc({
        kind: 'GIAY_KHAI_SINH',
        title: 'Giấy khai sinh',
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
          title: issuedOn >= IDENTITY_LAW ? 'Thẻ căn cước' : 'Thẻ Căn cước công dân',
          number: p.id,
          issuedOn,
          issuingAuthority: issuedOn >= IDENTITY_LAW ? 'Bộ Công an' : 'Cục Cảnh sát quản lý hành chính về trật tự xã hội',
          expiresOn: identityCardExpiry(p.dateOfBirth, issuedOn),
          ...revokedAtDeath(p),
        }),
      );
    }
    const adultFrom = addYears(p.dateOfBirth, 18);
    // Passports: a quarter of the living adults; some of the recently dead had one too.
    const passportWindowStart = maxDate(addYears(asOf, -10), adultFrom);
    const passportWindowEnd = minDate(addDays(end, -30), addDays(asOf, -7));
    if (passportWindowStart <= passportWindowEnd && rng.chance(p.dateOfDeath ? 0.15 : 0.25)) {
      const issuedOn = dateBetween(rng.next, passportWindowStart, passportWindowEnd);
      const lost = !p.dateOfDeath && rng.chance(0.05);
      const lostOn = lost ? dateBetween(rng.next, addDays(issuedOn, 30), maxDate(addDays(issuedOn, 30), addDays(asOf, -40))) : null;
      const passport = (on: string, extra: Partial<MockDocument> = {}) =>
        doc({
          kind: 'HO_CHIEU',
          title: 'Hộ chiếu phổ thông',
          number: `${on >= '2022-07-01' ? 'P' : 'C'}${rng.digits(7)}`,
          issuedOn: on,
          issuingAuthority: 'Cục Quản lý xuất nhập cảnh',
          expiresOn: addDays(addYears(on, 10), -1),
          ...extra,
        });
      if (lostOn && lostOn < asOf) {
        held.push(passport(issuedOn, { status: 'LOST', statusChangedOn: lostOn, statusReason: `Người được cấp báo mất ngày ${vnDate(lostOn)}` }));
        held.push(passport(dateBetween(rng.next, addDays(lostOn, 10), maxDate(addDays(lostOn, 10), addDays(asOf, -7)))));
      } else {
        held.push(passport(issuedOn, revokedAtDeath(p)));
      }
    }
    if (!p.dateOfDeath && age >= 18) {
      if (rng.chance(0.45)) {
        const issuedOn = dateBetween(rng.next, maxDate(adultFrom, '2010-01-01'), addDays(asOf, -7));
        const motorbikeOnly = rng.chance(0.6);
        const province = provinceOf(p, issuedOn);
        held.push(
          doc({
            kind: 'GIAY_PHEP_LAI_XE',
            title: 'Giấy phép lái xe',
            number: rng.digits(12),
            issuedOn,
            issuingAuthority: issuedOn >= POLICE_TAKEOVER ? `Công an ${province}` : `Sở Giao thông vận tải ${province}`,
            expiresOn: motorbikeOnly ? null : addYears(issuedOn, 10),
          }),
        );
      }
      if (rng.chance(0.08)) {
        const issuedOn = dateBetween(rng.next, maxDate(addYears(asOf, -3), adultFrom), addDays(asOf, -7));
        const province = provinceOf(p, issuedOn);
        held.push(
          doc({
            kind: 'PHIEU_LY_LICH_TU_PHAP',
            title: rng.chance(0.8) ? 'Phiếu lý lịch tư pháp số 1' : 'Phiếu lý lịch tư pháp số 2',
            number: `${rng.int(1, 9999)}/${issuedOn.slice(0, 4)}/LLTP`,
            issuedOn,
            // Luật Lý lịch tư pháp 2009, Điều 45: issued where the applicant lives; by the police since 2025-03-01.
            issuingAuthority: issuedOn >= POLICE_TAKEOVER ? `Công an ${province}` : `Sở Tư pháp ${province}`,
            expiresOn: null,
          }),
        );
      }
    }
  }

  // One marriage certificate per couple, held by both spouses; a divorce record for each divorce.
  for (const c of gen.couples) {
    const home = residenceOn(residences.get(c.husband.id), c.marriedOn) ?? residenceOn(residences.get(c.wife.id), c.marriedOn);
    const place = home ? provinceOn(home, c.marriedOn) : inInstitutionName(legacyFullName(legacy(c.homeCode)));
    const number = `${rng.int(1, 300)}/${c.marriedOn.slice(0, 4)}`;
    const issuingAuthority = `Ủy ban nhân dân ${rng.pick(['xã', 'phường'])} ${rng.pick(PLACE_WORDS)}, ${place}`;
    const divorce = divorceRecord(rng, c, residences);
    for (const spouse of [c.husband, c.wife]) {
      const held = documents.get(spouse.id) as MockDocument[];
      if (held.length === 0) continue;
      const certificate = doc({
        kind: 'GIAY_CHUNG_NHAN_KET_HON',
        title: 'Giấy chứng nhận kết hôn',
        number,
        issuedOn: c.marriedOn,
        issuingAuthority,
        expiresOn: null,
        ...marriageEnd(c, divorce),
      });
      held.push(certificate);
      if (divorce) held.push(doc({ ...divorce, refersTo: certificate.documentId }));
    }
  }
  return documents;
}

/** The court record that ended a marriage: a judgment (contested divorce) or a decision recognising a consensual one. */
function divorceRecord(rng: Random, c: Couple, residences: Map<string, MockResidence>): Draft | null {
  if (!c.divorce) return null;
  const { decidedOn, byJudgment } = c.divorce;
  const home = residenceOn(residences.get(c.husband.id), decidedOn) ?? residenceOn(residences.get(c.wife.id), decidedOn);
  const year = decidedOn.slice(0, 4);
  return {
    kind: 'BAN_AN_QUYET_DINH_LY_HON',
    title: byJudgment ? 'Bản án ly hôn' : 'Quyết định công nhận thuận tình ly hôn',
    number: byJudgment ? `${rng.int(1, 400)}/${year}/HNGĐ-ST` : `${rng.int(1, 900)}/${year}/QĐST-HNGĐ`,
    issuedOn: decidedOn,
    issuingAuthority: home ? divorceCourt(home, decidedOn) : 'Tòa án nhân dân',
    expiresOn: null,
  };
}

/** A marriage certificate's status: dissolved by a divorce in force, or by the death of a spouse. */
function marriageEnd(c: Couple, divorce: Draft | null): Partial<MockDocument> {
  if (c.divorce && divorce) {
    return {
      status: 'DISSOLVED',
      statusChangedOn: c.divorce.effectiveOn,
      statusReason: `Ly hôn theo ${divorce.title} số ${divorce.number} ngày ${vnDate(divorce.issuedOn)} của ${divorce.issuingAuthority}`,
    };
  }
  const deaths = [c.husband, c.wife].filter((p) => p.dateOfDeath).sort((a, b) => ((a.dateOfDeath as string) < (b.dateOfDeath as string) ? -1 : 1));
  const first = deaths[0];
  if (!first) return {};
  // Luật Hôn nhân và Gia đình 2014, Điều 65: the marriage ends when a spouse dies.
  return {
    status: 'DISSOLVED',
    statusChangedOn: first.dateOfDeath,
    statusReason: `Hôn nhân chấm dứt do ${first.gender === 'MALE' ? 'chồng' : 'vợ'} chết ngày ${vnDate(first.dateOfDeath as string)}`,
  };
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
