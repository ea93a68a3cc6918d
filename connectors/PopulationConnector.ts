import type { CallContext } from './RegistryClient';
import { RegistryConnector } from './RegistryConnector';
import { MalformedResponseError } from './UpstreamError';
import type { MaritalStatus, PersonRecord, RegistryName } from './types';
import { array, object, optionalObject, optionalString, provenance, string, type Wire } from './wire';

const MARITAL: readonly MaritalStatus[] = ['SINGLE', 'MARRIED', 'DIVORCED', 'WIDOWED'];

/** The national population database (Luật Căn cước 2023, Điều 9). */
export class PopulationConnector extends RegistryConnector<PersonRecord> {
  readonly registry: RegistryName = 'POPULATION';
  protected readonly batchPath = '/v1/citizens:batchGet';
  protected readonly batchKey = 'ids';
  protected readonly resultKey = 'citizens';

  /** Citizens by personal ID; IDs the registry does not know are absent. */
  getCitizens(ids: readonly string[], call?: CallContext): Promise<Map<string, PersonRecord>> {
    return this.getMany(ids, call);
  }

  protected idOf(record: PersonRecord): string {
    return record.id;
  }

  protected map(w: Wire, fetchedAt: string): PersonRecord {
    const path = `citizen`;
    const name = object(w.name, `${path}.name`);
    const birth = object(w.birth, `${path}.birth`);
    const sex = string(w, 'sex', path);
    if (sex !== 'M' && sex !== 'F') throw new MalformedResponseError(`${path}.sex is neither M nor F`);
    const marital = optionalString(w, 'maritalStatus', path);
    const relatives = array(w, 'relatives', path).map((r, i) => object(r, `${path}.relatives[${i}]`));
    const related = (relation: string) =>
      relatives.filter((r) => r.relation === relation).map((r) => string(r, 'personalId', `${path}.relatives`));
    const contact = optionalObject(w, 'contact', path);
    const death = optionalObject(w, 'death', path);
    const birthProvince = optionalObject(birth, 'province', `${path}.birth`);
    return {
      id: string(w, 'personalId', path),
      legacyIdNumber: optionalString(w, 'legacyIdNumber', path),
      fullName: string(name, 'full', `${path}.name`),
      otherNames: array(name, 'others', `${path}.name`).filter((n): n is string => typeof n === 'string'),
      dateOfBirth: string(birth, 'date', `${path}.birth`),
      gender: sex === 'M' ? 'MALE' : 'FEMALE',
      placeOfBirth: optionalString(birth, 'place', `${path}.birth`),
      placeOfBirthProvince: birthProvince && optionalString(birthProvince, 'name', `${path}.birth.province`),
      placeOfBirthProvinceCode: birthProvince && optionalString(birthProvince, 'code', `${path}.birth.province`),
      birthRegistrationPlace: optionalString(birth, 'registrationPlace', `${path}.birth`),
      hometown: optionalString(w, 'hometown', path),
      ethnicity: optionalString(w, 'ethnicity', path),
      religion: optionalString(w, 'religion', path),
      nationality: string(w, 'nationality', path),
      bloodType: optionalString(w, 'bloodType', path),
      maritalStatus: marital && MARITAL.includes(marital as MaritalStatus) ? (marital as MaritalStatus) : null,
      dateOfDeath: death && optionalString(death, 'date', `${path}.death`),
      fatherId: related('FATHER')[0] ?? null,
      motherId: related('MOTHER')[0] ?? null,
      spouseId: related('SPOUSE')[0] ?? null,
      childrenIds: related('CHILD'),
      phoneNumber: contact && optionalString(contact, 'mobile', `${path}.contact`),
      email: contact && optionalString(contact, 'email', `${path}.contact`),
      provenance: provenance(this.registry, string(w, 'updatedAt', path), fetchedAt),
    };
  }
}
