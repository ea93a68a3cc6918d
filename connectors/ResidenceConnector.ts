import type { CallContext } from './RegistryClient';
import { RegistryConnector } from './RegistryConnector';
import { MalformedResponseError } from './UpstreamError';
import type { AddressRecord, HouseholdRecord, RegistrationKind, RegistrationRecord, RegistryName, ResidenceRecord } from './types';
import { address, array, object, optionalObject, optionalString, provenance, string, type Wire } from './wire';

const REGISTRATION_KINDS: readonly RegistrationKind[] = ['PERMANENT', 'TEMPORARY'];

/**
 * The residence database (NĐ 154/2024). Residents are read with `view=FULL`, which
 * embeds the household, so that a citizen's residence and household cost one call.
 */
export class ResidenceConnector extends RegistryConnector<ResidenceRecord> {
  readonly registry: RegistryName = 'RESIDENCE';
  protected readonly batchPath = '/v1/residents:batchGet';
  protected readonly batchKey = 'ids';
  protected readonly resultKey = 'residents';

  protected override batchBodyExtras(): Record<string, unknown> {
    return { view: 'FULL' };
  }

  /** Residence records (with households) by personal ID; unknown IDs are absent. */
  getResidents(ids: readonly string[], call?: CallContext): Promise<Map<string, ResidenceRecord>> {
    return this.getMany(ids, call);
  }

  protected idOf(record: ResidenceRecord): string {
    return record.personalId;
  }

  protected map(w: Wire, fetchedAt: string): ResidenceRecord {
    const path = 'resident';
    const permanent = optionalObject(w, 'permanentResidence', path);
    const temporary = optionalObject(w, 'temporaryResidence', path);
    const current = optionalObject(w, 'currentResidence', path);
    const household = optionalObject(w, 'household', path);
    const deregistration = optionalObject(w, 'deregistration', path);
    const at = (o: Wire | null, key: string, p: string) => (o ? optionalString(o, key, p) : null);
    return {
      personalId: string(w, 'personalId', path),
      residenceRecordNumber: optionalString(w, 'residenceRecordNumber', path),
      permanentAddress: address(permanent && optionalObject(permanent, 'address', `${path}.permanentResidence`), `${path}.permanentResidence.address`),
      permanentSince: at(permanent, 'registeredOn', `${path}.permanentResidence`),
      temporaryAddress: address(temporary && optionalObject(temporary, 'address', `${path}.temporaryResidence`), `${path}.temporaryResidence.address`),
      temporarySince: at(temporary, 'registeredOn', `${path}.temporaryResidence`),
      temporaryUntil: at(temporary, 'expiresOn', `${path}.temporaryResidence`),
      currentAddress: address(current && optionalObject(current, 'address', `${path}.currentResidence`), `${path}.currentResidence.address`),
      deregistration: deregistration && {
        reason: string(deregistration, 'reason', `${path}.deregistration`),
        on: string(deregistration, 'on', `${path}.deregistration`),
      },
      history: array(w, 'history', path).map((item, i) => this.mapRegistration(object(item, `${path}.history[${i}]`), `${path}.history[${i}]`)),
      relationshipToHead: at(household, 'relationshipToHead', `${path}.household`),
      household: household && household.members !== undefined ? this.mapHousehold(household, fetchedAt) : null,
      provenance: provenance(this.registry, string(w, 'updatedAt', path), fetchedAt),
    };
  }

  private mapRegistration(r: Wire, path: string): RegistrationRecord {
    const kind = string(r, 'kind', path);
    if (!REGISTRATION_KINDS.includes(kind as RegistrationKind)) throw new MalformedResponseError(`${path}.kind is neither PERMANENT nor TEMPORARY`);
    return {
      kind: kind as RegistrationKind,
      address: address(object(r.address, `${path}.address`), `${path}.address`) as AddressRecord,
      from: string(r, 'from', path),
      to: optionalString(r, 'to', path),
    };
  }

  private mapHousehold(h: Wire, fetchedAt: string): HouseholdRecord {
    const path = 'resident.household';
    const head = object(h.head, `${path}.head`);
    return {
      id: string(h, 'householdId', path),
      headId: string(head, 'personalId', `${path}.head`),
      address: address(optionalObject(h, 'address', path), `${path}.address`),
      members: array(h, 'members', path).map((m, i) => {
        const member = object(m, `${path}.members[${i}]`);
        return {
          personalId: string(member, 'personalId', `${path}.members[${i}]`),
          relationshipToHead: string(member, 'relationshipToHead', `${path}.members[${i}]`),
        };
      }),
      provenance: provenance(this.registry, string(h, 'updatedAt', path), fetchedAt),
    };
  }
}
