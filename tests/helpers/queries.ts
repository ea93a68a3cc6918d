/**
 * Builds selections on a Citizen from schema coordinates, so that tests can ask for
 * exactly the fields a grant lists, or for all of them.
 */
const LEAF: Record<string, string> = {
  'Citizen.id': 'id',
  'Citizen.documents': 'documents { type number }',
  'Residence.permanentAddress': 'permanentAddress { full }',
  'Residence.temporaryAddress': 'temporaryAddress { full }',
  'Residence.currentAddress': 'currentAddress { full }',
  'Residence.deregistration': 'deregistration { reason on }',
  'Residence.history': 'history { kind from to address { full } }',
  'Household.address': 'address { full }',
  'HouseholdMember.relationshipToHead': 'members { relationshipToHead }',
};
const PARENT: Record<string, string | null> = { Citizen: null, Person: 'person', Residence: 'residence', Household: 'household', HouseholdMember: 'household' };

/** `{ id person { fullName } residence { ... } ... }` covering each coordinate once. */
export function selectionFor(coordinates: Iterable<string>): string {
  const groups = new Map<string | null, string[]>();
  for (const c of coordinates) {
    const [type, field] = c.split('.') as [string, string];
    if (!(type in PARENT)) throw new Error(`no selection rule for ${c}`);
    const parent = PARENT[type] ?? null;
    const list = groups.get(parent) ?? [];
    list.push(LEAF[c] ?? field);
    groups.set(parent, list);
  }
  return [...groups.entries()].map(([parent, leaves]) => (parent ? `${parent} { ${leaves.join(' ')} }` : leaves.join(' '))).join(' ');
}

/** Every coordinate that discloses citizen data, as the schema declares today. */
export const ALL_CITIZEN_FIELDS = [
  'Citizen.id', 'Citizen.documents',
  'Person.fullName', 'Person.otherNames', 'Person.dateOfBirth', 'Person.gender', 'Person.placeOfBirth', 'Person.birthRegistrationPlace',
  'Person.placeOfBirthProvince', 'Person.hometown', 'Person.ethnicity', 'Person.religion', 'Person.nationality', 'Person.bloodType', 'Person.legacyIdNumber',
  'Person.maritalStatus', 'Person.dateOfDeath', 'Person.phoneNumber', 'Person.email',
  'Residence.permanentAddress', 'Residence.permanentSince', 'Residence.temporaryAddress', 'Residence.temporarySince', 'Residence.temporaryUntil',
  'Residence.currentAddress', 'Residence.residenceRecordNumber', 'Residence.deregistration', 'Residence.history',
  'Household.id', 'Household.address', 'HouseholdMember.relationshipToHead',
];
