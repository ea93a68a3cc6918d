import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DocumentType } from '../../connectors/types';
import { AGENCY_CODE, SCOPE } from '../auth/caller';
import { packageRoot } from '../paths';
import { isDisclosure, type SchemaFacts } from '../schemaFacts/readSchemaFacts';

export type AgencyKind = 'STATE' | 'NON_STATE';

export interface Agency {
  code: string;
  /** Vietnamese name, as citizens see it in their access log. */
  name: string;
  kind: AgencyKind;
  /**
   * Where the gateway POSTs the agency's change notices (docs/NOTICES.md); null: the
   * agency sets no watch. Part of the reviewed policy, like its grants: an https URL,
   * or in development a loopback one.
   */
  noticeEndpoint: string | null;
}

export interface Purpose {
  code: string;
  /** Vietnamese title. */
  title: string;
  legalBasis: string;
  consentRequired: boolean;
  /** How long audit records of disclosures for this purpose are kept. */
  retentionDays: number;
  /**
   * What a citizen filling in a form of this purpose may see of a relative the form
   * names, beyond basic identity: reached through one of `via` (`Person.spouse`), these
   * `fields`. A married parent registering a birth sees the other parent's ethnicity,
   * nationality and residence, which the form asks for. Null: basic identity only.
   */
  citizenRelatives: { via: ReadonlySet<string>; fields: ReadonlySet<string> } | null;
}

/** Relationships a form may follow to a relative: the edges of the citizen graph. */
const RELATIONSHIPS: ReadonlySet<string> = new Set(['Person.father', 'Person.mother', 'Person.spouse', 'Person.children', 'Household.head', 'Household.members']);

export interface FieldGrant {
  /** Schema coordinates (`Person.fullName`) whose rule is not INHERIT. */
  fields: ReadonlySet<string>;
  documentTypes: ReadonlySet<DocumentType>;
}

export interface Grant {
  agency: Agency;
  purpose: Purpose;
  /** The scope an official's token must carry to act under this grant. */
  scope: string;
  /** What may be read about the citizen the request names. */
  subject: FieldGrant;
  /** What may be read about citizens reached from the subject, up to `maxHops` steps. */
  related: (FieldGrant & { maxHops: number }) | null;
  /** May answer match / no match about submitted values (verifyCitizen). */
  verification: boolean;
}

export interface PolicyCatalogue {
  version: string;
  agencies: ReadonlyMap<string, Agency>;
  purposes: ReadonlyMap<string, Purpose>;
  grants: readonly Grant[];
  grant(agency: string, purpose: string): Grant | undefined;
}

export class CatalogueError extends Error {
  override readonly name = 'CatalogueError';
  constructor(readonly problems: string[]) {
    super(`Invalid policy catalogue:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** How the catalogue is read: development admits notice endpoints on this machine. */
export interface CatalogueOptions {
  development?: boolean;
}

/** Hosts that are this machine (0.0.0.0 and :: reach it too). */
const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0|\[::\])$/;

/** Purpose codes: upper case, as sent in `X-Purpose`. */
export const PURPOSE_CODE = /^[A-Z][A-Z0-9_]{1,63}$/;
const SENSITIVE_DOCUMENTS: ReadonlySet<string> = new Set(['CRIMINAL_RECORD_CERTIFICATE']);

/** The catalogue file: `POLICY_CATALOGUE` when set, else the one shipped in `src/policy/`. */
export function readCatalogueFile(file?: string | null): unknown {
  const location = file ?? path.join(packageRoot(), 'src', 'policy', 'catalogue.json');
  try {
    return JSON.parse(readFileSync(location, 'utf8'));
  } catch (err) {
    throw new CatalogueError([`cannot read ${location}: ${(err as Error).message}`]);
  }
}

/**
 * Validates the catalogue against the schema's access rules and returns it. Every
 * problem is listed at once. Rules beyond shape: fields must be real coordinates that
 * disclose something; sensitive data and criminal records are never granted to
 * non-state organisations; a purpose that needs consent covers one citizen only
 * (no related citizens), because each citizen consents for themselves; a notice
 * endpoint is https, never on this machine but in development (where http is allowed
 * there only).
 */
export function loadCatalogue(raw: unknown, facts: SchemaFacts, options: CatalogueOptions = {}): PolicyCatalogue {
  const problems: string[] = [];
  const development = options.development === true;
  const root = asObject(raw, 'catalogue', problems);
  const documentTypes: ReadonlySet<string> = new Set(facts.documentTypes);

  const agencies = new Map<string, Agency>();
  for (const [i, a] of asArray(root.agencies, 'agencies', problems).entries()) {
    const at = `agencies[${i}]`;
    const o = asObject(a, at, problems);
    const code = text(o.code, `${at}.code`, problems);
    if (code && !AGENCY_CODE.test(code)) problems.push(`${at}.code "${code}" is not an agency code`);
    if (code && agencies.has(code)) problems.push(`${at}.code "${code}" is listed twice`);
    const kind = o.kind;
    if (kind !== 'STATE' && kind !== 'NON_STATE') problems.push(`${at}.kind must be STATE or NON_STATE`);
    agencies.set(code, { code, name: text(o.name, `${at}.name`, problems), kind: kind as AgencyKind, noticeEndpoint: noticeEndpoint(o.noticeEndpoint, `${at}.noticeEndpoint`) });
  }

  const purposes = new Map<string, Purpose>();
  for (const [i, p] of asArray(root.purposes, 'purposes', problems).entries()) {
    const at = `purposes[${i}]`;
    const o = asObject(p, at, problems);
    const code = text(o.code, `${at}.code`, problems);
    if (code && !PURPOSE_CODE.test(code)) problems.push(`${at}.code "${code}" is not a purpose code`);
    if (code && purposes.has(code)) problems.push(`${at}.code "${code}" is listed twice`);
    if (typeof o.consentRequired !== 'boolean') problems.push(`${at}.consentRequired must be true or false`);
    const retentionDays = o.retentionDays;
    if (!Number.isInteger(retentionDays) || (retentionDays as number) < 1 || (retentionDays as number) > 36_500) {
      problems.push(`${at}.retentionDays must be a whole number of days between 1 and 36500`);
    }
    purposes.set(code, {
      code,
      title: text(o.title, `${at}.title`, problems),
      legalBasis: text(o.legalBasis, `${at}.legalBasis`, problems),
      consentRequired: o.consentRequired === true,
      retentionDays: retentionDays as number,
      citizenRelatives: o.citizenRelatives === undefined ? null : citizenRelatives(o.citizenRelatives, `${at}.citizenRelatives`),
    });
  }

  /** Notices name citizens: they go over TLS to the agency's own host, never to this machine but in development. */
  function noticeEndpoint(value: unknown, where: string): string | null {
    if (value === undefined || value === null) return null;
    let url: URL | null = null;
    try {
      url = typeof value === 'string' && value.length <= 500 ? new URL(value) : null;
    } catch {
      url = null;
    }
    if (!url) {
      problems.push(`${where} must be an absolute URL of at most 500 characters`);
      return null;
    }
    const loopback = LOOPBACK_HOST.test(url.hostname);
    if (url.username || url.password || url.hash) problems.push(`${where} must carry no credentials and no fragment`);
    else if (loopback && !development) problems.push(`${where}: ${url.host} is this machine, allowed in development only`);
    else if (url.protocol !== 'https:' && !(development && loopback && url.protocol === 'http:')) {
      problems.push(`${where} must be an https:// URL (http:// only to this machine, in development)`);
    } else return url.href;
    return null;
  }

  function citizenRelatives(value: unknown, where: string): Purpose['citizenRelatives'] {
    const o = asObject(value, where, problems);
    const via = new Set<string>();
    for (const e of asArray(o.via, `${where}.via`, problems)) {
      if (typeof e === 'string' && RELATIONSHIPS.has(e)) via.add(e);
      else problems.push(`${where}.via: "${String(e)}" is not a relationship (${[...RELATIONSHIPS].join(', ')})`);
    }
    const fields = new Set<string>();
    for (const f of asArray(o.fields, `${where}.fields`, problems)) {
      if (typeof f === 'string' && isDisclosure(facts.rule(f))) fields.add(f);
      else problems.push(`${where}.fields: "${String(f)}" is not a field that discloses citizen data`);
    }
    return { via, fields };
  }

  const grants: Grant[] = [];
  const seen = new Set<string>();
  for (const [i, g] of asArray(root.grants, 'grants', problems).entries()) {
    const at = `grants[${i}]`;
    const o = asObject(g, at, problems);
    const agency = agencies.get(o.agency as string);
    const purpose = purposes.get(o.purpose as string);
    if (!agency) problems.push(`${at}.agency "${String(o.agency)}" is not in agencies`);
    if (!purpose) problems.push(`${at}.purpose "${String(o.purpose)}" is not in purposes`);
    const key = `${String(o.agency)}/${String(o.purpose)}`;
    if (seen.has(key)) problems.push(`${at}: ${key} is granted twice`);
    seen.add(key);
    const scope = text(o.scope, `${at}.scope`, problems);
    if (scope && !SCOPE.test(scope)) problems.push(`${at}.scope "${scope}" is not a scope name`);

    const fieldGrant = (value: unknown, where: string): FieldGrant => {
      const fg = asObject(value, where, problems);
      const fields = new Set<string>();
      for (const f of asArray(fg.fields, `${where}.fields`, problems)) {
        const rule = typeof f === 'string' ? facts.rule(f) : undefined;
        if (!isDisclosure(rule)) problems.push(`${where}.fields: "${String(f)}" is not a field that discloses citizen data`);
        else if (rule === 'SENSITIVE' && agency?.kind === 'NON_STATE') problems.push(`${where}.fields: sensitive ${f} cannot be granted to non-state ${agency.code}`);
        else fields.add(f as string);
      }
      const types = new Set<DocumentType>();
      for (const t of asArray(fg.documentTypes, `${where}.documentTypes`, problems)) {
        if (!documentTypes.has(t as string)) problems.push(`${where}.documentTypes: "${String(t)}" is not a DocumentType`);
        else if (SENSITIVE_DOCUMENTS.has(t as string) && agency?.kind === 'NON_STATE') problems.push(`${where}.documentTypes: ${String(t)} cannot be granted to non-state ${agency.code}`);
        else types.add(t as DocumentType);
      }
      if (types.size > 0 && !fields.has('Citizen.documents')) problems.push(`${where}: documentTypes need "Citizen.documents" in fields`);
      return { fields, documentTypes: types };
    };

    const subject = fieldGrant(o.subject, `${at}.subject`);
    let related: Grant['related'] = null;
    if (o.related !== undefined) {
      const r = asObject(o.related, `${at}.related`, problems);
      if (!Number.isInteger(r.maxHops) || (r.maxHops as number) < 1 || (r.maxHops as number) > 3) problems.push(`${at}.related.maxHops must be 1, 2 or 3`);
      if (purpose?.consentRequired) problems.push(`${at}.related: purpose ${purpose.code} needs consent, which covers only the citizen who gives it`);
      related = { ...fieldGrant(r, `${at}.related`), maxHops: r.maxHops as number };
    }
    if (o.verification !== undefined && typeof o.verification !== 'boolean') problems.push(`${at}.verification must be true or false`);
    if (agency && purpose) grants.push({ agency, purpose, scope, subject, related, verification: o.verification === true });
  }

  const version = text(root.version, 'version', problems);
  if (problems.length > 0) throw new CatalogueError(problems);
  const byKey = new Map(grants.map((g) => [`${g.agency.code}/${g.purpose.code}`, g]));
  return { version, agencies, purposes, grants, grant: (agency, purpose) => byKey.get(`${agency}/${purpose}`) };
}

/**
 * An agency or purpose named by a record that outlives its catalogue entry (a consent,
 * an audit record): shown by its code rather than hidden.
 */
export function agencyOrPlaceholder(catalogue: PolicyCatalogue, code: string): Agency {
  return catalogue.agencies.get(code) ?? { code, name: code, kind: 'STATE', noticeEndpoint: null };
}

/** See {@link agencyOrPlaceholder}. */
export function purposeOrPlaceholder(catalogue: PolicyCatalogue, code: string): Purpose {
  return catalogue.purposes.get(code) ?? { code, title: code, legalBasis: '', consentRequired: true, retentionDays: 1, citizenRelatives: null };
}

function asObject(value: unknown, at: string, problems: string[]): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  problems.push(`${at} must be an object`);
  return {};
}

function asArray(value: unknown, at: string, problems: string[]): unknown[] {
  if (Array.isArray(value)) return value;
  problems.push(`${at} must be a list`);
  return [];
}

function text(value: unknown, at: string, problems: string[]): string {
  if (typeof value === 'string' && value.trim().length > 0) return value;
  problems.push(`${at} must be a non-empty string`);
  return '';
}
