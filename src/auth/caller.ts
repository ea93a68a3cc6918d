/** Who is calling, as established from the bearer token. */
export type Caller = AnonymousCaller | CitizenCaller | AgencyCaller;

export interface AnonymousCaller {
  kind: 'anonymous';
}

export interface CitizenCaller {
  kind: 'citizen';
  /** The token subject: the citizen's own personal ID. */
  personalId: string;
}

export interface AgencyCaller {
  kind: 'agency';
  /** The token subject: the official acting for the agency. */
  officialId: string;
  /** Agency code, e.g. `CA_HN` (Hà Nội police). */
  agency: string;
  scopes: string[];
}

/** Claim formats shared by the verifier and the development identity provider. */
export const OFFICIAL_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const AGENCY_CODE = /^[A-Z0-9][A-Z0-9_.-]{1,63}$/;
export const SCOPE = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;
