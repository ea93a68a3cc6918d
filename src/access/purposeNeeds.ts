import type { GraphQLSchema } from 'graphql';
import { getNamedType, isObjectType } from 'graphql';
import type { DocumentType } from '../../connectors/types';
import { formSubjects, VERIFIED_FIELDS } from './accessRequest';
import type { Decide } from './decide';
import type { AuditEntry } from '../audit/AuditLog';
import type { FormDefinition } from '../forms/loadForms';
import { CITIZEN_TYPE, isDisclosure, type SchemaFacts } from '../schemaFacts/readSchemaFacts';
import type { FieldGrant, Grant, PolicyCatalogue } from '../policy/loadCatalogue';

/** Fields (schema coordinates) and document types a purpose reads of one citizen. */
export interface NeededReads {
  fields: ReadonlySet<string>;
  documentTypes: ReadonlySet<DocumentType>;
}

/**
 * What a purpose needs, derived from what defines it: the forms of the purpose (every
 * value each form prefills, of the subject and of each relative it names) and, when a
 * grant of the purpose verifies, the values `verifyCitizen` compares. The one place that
 * says which fields a purpose needs: the over-grant report and the count of
 * over-collected fields both read it.
 */
export interface PurposeNeeds {
  purpose: string;
  /** Forms of the purpose (FormDefinition ids). */
  forms: readonly string[];
  /** Whether a grant of the purpose verifies (match / no match). */
  verification: boolean;
  /** Neither a form nor a verification defines the purpose: every field read is unaccounted for. */
  defined: boolean;
  /** Of the citizen a request names. */
  subject: NeededReads;
  /** Of the citizens reached from them; `maxHops` 0 when no form names a relative. */
  related: NeededReads & { maxHops: number };
  /** What verification compares (never discloses). */
  compared: ReadonlySet<string>;
  /** Every field read of anyone: what reads are measured against at run time. */
  all: ReadonlySet<string>;
}

const SUBJECT_ID = `${CITIZEN_TYPE}.id`;

/** What each purpose of the catalogue needs, by purpose code. */
export function purposeNeeds(catalogue: PolicyCatalogue, forms: ReadonlyMap<string, FormDefinition>, facts: SchemaFacts): ReadonlyMap<string, PurposeNeeds> {
  const needs = new Map<string, PurposeNeeds>();
  for (const purpose of catalogue.purposes.values()) {
    // The subject's personal ID is what the request names: reading it back tells the agency nothing new.
    const subject = { fields: new Set<string>([SUBJECT_ID]), documentTypes: new Set<DocumentType>() };
    const related = { fields: new Set<string>(), documentTypes: new Set<DocumentType>(), maxHops: 0 };
    const own = [...forms.values()].filter((f) => f.purpose === purpose.code);
    for (const form of own) {
      // The reads an agency's prefill of the form asks the access decision for: the same description.
      for (const s of formSubjects(form, '000000000000', form.id, facts).subjects) {
        const into = s.hop === 0 ? subject : related;
        if (s.hop > 0) related.maxHops = Math.max(related.maxHops, s.hop);
        for (const r of s.reads) {
          if (r.kind !== 'field') continue;
          into.fields.add(r.coordinate);
          for (const t of r.documentTypes ?? []) into.documentTypes.add(t);
        }
      }
    }
    const verification = catalogue.grants.some((g) => g.purpose.code === purpose.code && g.verification);
    const compared = new Set<string>(verification ? Object.values(VERIFIED_FIELDS) : []);
    needs.set(purpose.code, {
      purpose: purpose.code,
      forms: own.map((f) => f.id),
      verification,
      defined: own.length > 0 || verification,
      subject,
      related,
      compared,
      all: new Set([...subject.fields, ...related.fields]),
    });
  }
  return needs;
}

/** What a grant allows beyond what its purpose needs, for one part (subject or related). */
export interface UnneededReads {
  fields: string[];
  documentTypes: DocumentType[];
}

/** One grant of the catalogue against its purpose's needs. */
export interface GrantReport {
  agency: string;
  purpose: string;
  forms: readonly string[];
  verification: boolean;
  /** False when no form or verification defines the purpose: everything granted is listed. */
  defined: boolean;
  subject: UnneededReads;
  related: (UnneededReads & { maxHops: number; neededMaxHops: number }) | null;
}

function unneeded(granted: FieldGrant, needed: NeededReads): UnneededReads {
  return {
    fields: [...granted.fields].filter((f) => !needed.fields.has(f)).sort(),
    documentTypes: [...granted.documentTypes].filter((t) => !needed.documentTypes.has(t)).sort(),
  };
}

/** Fields and document types each grant allows that no form or verification of its purpose reads. */
export function overGrants(catalogue: PolicyCatalogue, needs: ReadonlyMap<string, PurposeNeeds>): GrantReport[] {
  return catalogue.grants.map((g: Grant) => {
    const n = needs.get(g.purpose.code) as PurposeNeeds;
    return {
      agency: g.agency.code,
      purpose: g.purpose.code,
      forms: n.forms,
      verification: n.verification,
      defined: n.defined,
      subject: unneeded(g.subject, n.subject),
      related: g.related ? { ...unneeded(g.related, n.related), maxHops: g.related.maxHops, neededMaxHops: n.related.maxHops } : null,
    };
  });
}

/** Whether a grant report lists anything granted but not needed. */
export function overGrantsSomething(r: GrantReport): boolean {
  const rel = r.related;
  return r.subject.fields.length + r.subject.documentTypes.length > 0 || (!!rel && (rel.fields.length + rel.documentTypes.length > 0 || rel.maxHops > rel.neededMaxHops));
}

/** The report as `npm run policy:report` prints it. */
export function formatOverGrants(version: string, reports: readonly GrantReport[]): string {
  const lines = [`Policy catalogue ${version}: fields granted but not needed by the purpose's forms or verification`, ''];
  const list = (xs: readonly string[]) => (xs.length > 0 ? xs.join(', ') : 'none');
  for (const r of reports) {
    const by = [r.forms.length > 0 ? `forms ${r.forms.join(', ')}` : null, r.verification ? 'verification' : null].filter(Boolean).join(' + ');
    lines.push(`${r.agency} × ${r.purpose} (${by || 'no form or verification defines this purpose'})`);
    lines.push(`  subject: fields ${list(r.subject.fields)}; document types ${list(r.subject.documentTypes)}`);
    if (r.related) {
      const hops = r.related.maxHops > r.related.neededMaxHops ? `; maxHops ${r.related.maxHops}, forms reach ${r.related.neededMaxHops}` : '';
      lines.push(`  related: fields ${list(r.related.fields)}; document types ${list(r.related.documentTypes)}${hops}`);
    }
  }
  const over = reports.filter(overGrantsSomething).length;
  lines.push('', `${over} of ${reports.length} grant(s) allow more than their purpose needs`);
  return `${lines.join('\n')}\n`;
}

/**
 * Maps the field paths the audit trail records for one citizen (`person.fullName`,
 * `residence.permanentAddress.full`, a form's `documents.IDENTITY_CARD.number`, a household
 * member's `relationshipToHead`) to the field that disclosed them: the deepest field on the
 * path whose rule discloses citizen data. Null for what discloses no field (`__typename`,
 * a relationship followed, `verify.*` comparisons, a watch).
 */
export function createAuditPathReader(schema: GraphQLSchema, facts: SchemaFacts): (path: string) => string | null {
  const cache = new Map<string, string | null>();
  const resolve = (path: string): string | null => {
    const parts = path.split('.');
    // A household member's row records their relationship to the head at its root; a form reads it as `household.relationshipToHead`.
    if (path === 'relationshipToHead' || path === 'household.relationshipToHead') return 'HouseholdMember.relationshipToHead';
    let type = schema.getType(CITIZEN_TYPE);
    let found: string | null = null;
    for (const part of parts) {
      if (!isObjectType(type)) break;
      const field = type.getFields()[part];
      if (!field) break;
      const coordinate = `${type.name}.${part}`;
      if (isDisclosure(facts.rule(coordinate))) found = coordinate;
      type = getNamedType(field.type);
    }
    return found;
  };
  return (path) => {
    let c = cache.get(path);
    if (c === undefined) {
      c = resolve(path);
      if (cache.size < 10_000) cache.set(path, c);
    }
    return c;
  };
}

/** What resolvers and the audit need to explain refusals and measure over-collection. */
export interface PolicyInsight {
  decide: Decide;
  facts: SchemaFacts;
  /** By purpose code. */
  needs: ReadonlyMap<string, PurposeNeeds>;
  /** An audit field path to the field that disclosed it. */
  auditPath: (path: string) => string | null;
}

/** The fields among `coordinates` that the purpose's forms and verification never read. */
export function overCollected(needs: PurposeNeeds | undefined, coordinates: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const c of coordinates) if (!needs?.all.has(c)) out.add(c);
  return [...out].sort();
}

/**
 * Counts, for each durable audit record of an agency's disclosure under a purpose, the
 * fields it disclosed that no form or verification of that purpose reads — the same
 * records `policyReport` reads back from the trail.
 */
export function countOverCollection(
  entries: readonly Pick<AuditEntry, 'callerKind' | 'agency' | 'purpose' | 'outcome' | 'fields'>[],
  policy: Pick<PolicyInsight, 'needs' | 'auditPath'>,
  sink: { overCollected(agency: string, purpose: string, field: string): void },
): void {
  for (const e of entries) {
    if (e.callerKind !== 'agency' || e.outcome !== 'disclosed' || !e.agency || !e.purpose) continue;
    const fields = e.fields.map(policy.auditPath).filter((f): f is string => f !== null);
    for (const field of overCollected(policy.needs.get(e.purpose), fields)) sink.overCollected(e.agency, e.purpose, field);
  }
}
