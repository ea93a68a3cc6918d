/**
 * Parent values of the citizen graph. A citizen is only a personal ID until one of
 * its registry-backed fields is asked for; the loaders fetch on demand.
 */
export interface CitizenRef {
  id: string;
}

export interface HouseholdMemberRef {
  personalId: string;
  relationshipToHead: string;
}
