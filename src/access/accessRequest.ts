import type { DocumentType } from '../../connectors/types';
import type { AgencyCaller, CitizenCaller } from '../auth/caller';
import type { FormDefinition, Party } from '../forms/loadForms';
import type { SchemaFacts } from '../schemaFacts/readSchemaFacts';
import type { OperationAnalysis } from './analyzeOperation';
import type { AccessRequest, Read, SubjectAccess } from './decide';

/** A subject of the request, with the field paths the audit records if it is refused. */
export interface AuditedSubject extends SubjectAccess {
  auditFields: readonly string[];
}

/** The request for the decision, and how many citizens it may read (for the lookup limits). */
export interface DescribedAccess {
  request: AccessRequest & { subjects: AuditedSubject[] };
  /** Citizens the operation can read, lists at their largest. */
  lookups: number;
  /** verifyCitizen calls in the operation (their own, tighter limit). */
  verifications: number;
  /** Reports of wrong registry data in the operation (their own limit). */
  reports: number;
}

/**
 * Root fields about one citizen's correction requests: the citizen named (`subjectId`, the
 * caller when omitted) is judged like `citizen(id:)` — their own, or their child's under
 * GUARDIAN — and what the field returns is theirs (OWN).
 */
const CORRECTION_ROOTS: Readonly<Record<string, (args: Record<string, unknown>) => unknown>> = {
  'Mutation.reportIncorrectData': (args) => (args.input as Record<string, unknown> | undefined)?.subjectId,
  'Query.myCorrectionRequests': (args) => args.subjectId,
};

/**
 * How a form reaches each party: the relationship followed from the subject. The legal
 * representative has none: it is the citizen filling the form, whose own record is read.
 */
const PARTY_EDGE: Record<Exclude<Party, 'APPLICANT' | 'LEGAL_REPRESENTATIVE'>, string> = {
  FATHER: 'Person.father',
  MOTHER: 'Person.mother',
  SPOUSE: 'Person.spouse',
  // The child's other parent is the applicant's spouse (the applicant may be either).
  CHILD_MOTHER: 'Person.spouse',
  CHILD_FATHER: 'Person.spouse',
  HOUSEHOLD_HEAD: 'Household.head',
  HOUSEHOLD_MEMBERS: 'Household.members',
};
/** Parties that may be the applicant themselves (read at hop 0 too). */
const MAYBE_APPLICANT: ReadonlySet<Party> = new Set(['CHILD_MOTHER', 'CHILD_FATHER', 'HOUSEHOLD_HEAD', 'HOUSEHOLD_MEMBERS']);

/** The root field that sets a watch; a notice is judged as the read it makes. */
export const WATCH_COORDINATE = 'Mutation.watchCitizen';

/** What verifyCitizen compares, as the fields it compares with. */
export const VERIFIED_FIELDS = {
  fullName: 'Person.fullName',
  dateOfBirth: 'Person.dateOfBirth',
  gender: 'Person.gender',
  permanentAddress: 'Residence.permanentAddress',
  documentNumber: 'Citizen.documents',
} as const;

/**
 * Turns an analysed operation into one request for the access decision, whatever its
 * entry points: citizens reached by the graph (`me`, `citizen`), the parties of a form
 * (`prefill`: the subject and each relative the form names, one step away, withholding
 * what may not be seen), the values compared by `verifyCitizen`, and the citizen a
 * `watchCitizen` watches — under the watch's purpose when `X-Purpose` is not sent.
 */
export function describeAccess(
  analysis: OperationAnalysis,
  caller: CitizenCaller | AgencyCaller,
  purpose: string | null,
  forms: ReadonlyMap<string, FormDefinition>,
  facts: SchemaFacts,
): DescribedAccess {
  const subjects: AuditedSubject[] = [];
  let lookups = analysis.citizenBound;
  let verifications = 0;
  let reports = 0;
  let watchPurpose: string | null = null;
  for (const c of analysis.citizens) {
    const id = c.hop === 0 ? (c.id ?? (c.via === 'Query.me' && caller.kind === 'citizen' ? caller.personalId : undefined)) : undefined;
    subjects.push({ hop: c.hop, ...(id ? { id } : {}), path: c.path, reads: c.reads, auditFields: [...c.fieldPaths].sort() });
  }
  for (const root of analysis.rootFields) {
    if (root.coordinate === 'Query.prefill') {
      const form = forms.get(String(root.args.formId));
      const subjectId = (root.args.subjectId as string | null | undefined) ?? (caller.kind === 'citizen' ? caller.personalId : undefined);
      if (!form || !subjectId) continue; // the resolver answers BAD_USER_INPUT
      const described = formSubjects(form, subjectId, root.responseKey, facts, caller.kind === 'citizen' ? caller.personalId : undefined);
      subjects.push(...described.subjects);
      // Who else read the records recently (provenance) is the subject's to know, and refused to others.
      if (root.ownerReads.length > 0) subjects.push({ hop: 0, id: subjectId, path: root.responseKey, reads: root.ownerReads, auditFields: [] });
      lookups += described.lookups;
    } else if (CORRECTION_ROOTS[root.coordinate]) {
      const named = (CORRECTION_ROOTS[root.coordinate] as (args: Record<string, unknown>) => unknown)(root.args);
      const subjectId = typeof named === 'string' ? named : caller.kind === 'citizen' ? caller.personalId : undefined;
      if (!subjectId) continue; // an agency: refused by @roles
      subjects.push({
        hop: 0,
        id: subjectId,
        path: root.responseKey,
        reads: [{ kind: 'reach', coordinate: root.coordinate, paths: [root.responseKey] }, ...root.ownerReads],
        auditFields: ['correctionRequests'],
      });
      lookups += 1;
      if (root.coordinate === 'Mutation.reportIncorrectData') reports += 1;
    } else if (root.coordinate === 'Query.verifyCitizen') {
      const input = (root.args.input ?? {}) as Record<string, unknown>;
      const compared = (Object.keys(VERIFIED_FIELDS) as (keyof typeof VERIFIED_FIELDS)[]).filter((k) => input[k] !== null && input[k] !== undefined);
      subjects.push({
        hop: 0,
        id: String(input.personalId),
        path: root.responseKey,
        reads: compared.map((k) => ({ kind: 'verify', coordinate: VERIFIED_FIELDS[k], paths: [`${root.responseKey}.${k}`] })),
        auditFields: compared.map((k) => `verify.${k}`),
      });
      lookups += 1;
      verifications += 1;
    } else if (root.coordinate === WATCH_COORDINATE) {
      const watched = String(root.args.purpose);
      watchPurpose ??= watched;
      subjects.push({
        hop: 0,
        id: String(root.args.id),
        path: root.responseKey,
        reads: [{ kind: 'watch', coordinate: root.coordinate, paths: [root.responseKey] }],
        purpose: watched,
        livingOnly: true,
        auditFields: ['watch'],
      });
      // Whether the citizen lives (the decision) and exists (the resolver): one population lookup.
      lookups += 1;
    }
  }
  const rootFields = analysis.rootFields.map((f) => ({ coordinate: f.coordinate, path: f.responseKey }));
  const declared = purpose === null && watchPurpose !== null ? { purpose: watchPurpose, purposeField: 'purpose' } : { purpose };
  return { request: { caller, ...declared, rootFields, subjects }, lookups, verifications, reports };
}

/** What a form reads at a response path, whoever its subject: built once per form, path and actor, frozen. */
interface FormReads {
  own: readonly Read[];
  actor: readonly Read[];
  parties: readonly { reads: readonly Read[]; lookups: number }[];
  auditFields: readonly string[];
}

const formReadsCache = new WeakMap<FormDefinition, Map<string, FormReads>>();
/** Response keys kept per form, and the longest kept. */
const MEMO_KEYS = 64;
const MEMO_KEY_MAX = 64;

/**
 * The subject of a form and each relative it names, with every value the form would read
 * about them; the legal representative's block, when a citizen fills it, as their own record.
 */
export function formSubjects(form: FormDefinition, subjectId: string, path: string, facts: SchemaFacts, actorId?: string): { subjects: AuditedSubject[]; lookups: number } {
  const reads = formReads(form, path, facts, actorId !== undefined);
  const subjects: AuditedSubject[] = [
    { hop: 0, id: subjectId, path, reads: reads.own, withholdDenied: true, purpose: form.purpose, auditFields: reads.auditFields },
  ];
  let lookups = 1;
  if (actorId && reads.actor.length > 0) {
    subjects.push({ hop: 0, id: actorId, path, reads: reads.actor, withholdDenied: true, purpose: form.purpose, auditFields: [] });
    lookups += 1;
  }
  for (const party of reads.parties) {
    subjects.push({ hop: 1, path, reads: party.reads, withholdDenied: true, purpose: form.purpose, auditFields: [] });
    lookups += party.lookups;
  }
  return { subjects, lookups };
}

/** The reads of `formSubjects`, the same for every subject: kept per form, response path and whether a citizen fills it. */
function formReads(form: FormDefinition, path: string, facts: SchemaFacts, withActor: boolean): FormReads {
  let byPath = formReadsCache.get(form);
  if (!byPath) formReadsCache.set(form, (byPath = new Map()));
  const key = `${withActor ? 'a' : '-'}${path}`;
  const kept = byPath.get(key);
  if (kept) return kept;
  const own: Read[] = [{ kind: 'reach', coordinate: 'Query.prefill', paths: [path] }];
  const actor: Read[] = [];
  const byParty = new Map<Exclude<Party, 'APPLICANT' | 'LEGAL_REPRESENTATIVE'>, Read[]>();
  const add = (reads: Read[], coordinate: string, key: string, documentType?: DocumentType) => {
    reads.push({ kind: 'field', coordinate, ...(documentType ? { documentTypes: [documentType] } : {}), paths: [`${path}.${key}`] });
  };
  for (const field of form.fields) {
    for (const s of field.reads) {
      const type = s.source.kind === 'document' ? s.source.type : undefined;
      if (field.party === 'LEGAL_REPRESENTATIVE') {
        // Only a citizen is anyone's legal representative here; an agency reads nothing of it.
        if (withActor) add(actor, s.coordinate, field.key, type);
        continue;
      }
      if (field.party === 'APPLICANT' || MAYBE_APPLICANT.has(field.party)) add(own, s.coordinate, field.key, type);
      if (field.party === 'APPLICANT') continue;
      const reads = byParty.get(field.party) ?? [{ kind: 'reach', coordinate: PARTY_EDGE[field.party], paths: [`${path}.${field.key}`] } as Read];
      add(reads, s.coordinate, field.key, type);
      byParty.set(field.party, reads);
    }
  }
  const parties: { reads: Read[]; lookups: number }[] = [];
  const reached = new Set<string>();
  for (const [party, reads] of byParty) {
    // Both parents of the child are the applicant and their spouse: one relative, not two.
    const edge = PARTY_EDGE[party];
    const counted = !reached.has(edge);
    reached.add(edge);
    parties.push({ reads, lookups: counted ? (party === 'HOUSEHOLD_MEMBERS' ? (facts.listSize('Household.members') ?? 1) : 1) : 0 });
  }
  const frozen = (list: Read[]) => Object.freeze(list.map((r) => Object.freeze({ ...r, paths: Object.freeze(r.paths) as string[], ...(r.documentTypes ? { documentTypes: Object.freeze(r.documentTypes) } : {}) })));
  const made: FormReads = Object.freeze({
    own: frozen(own),
    actor: frozen(actor),
    parties: Object.freeze(parties.map((p) => Object.freeze({ reads: frozen(p.reads), lookups: p.lookups }))),
    auditFields: Object.freeze(formPaths(form)),
  });
  // Kept for the response keys portals use (`prefill`, a short alias). A key is the client's to choose:
  // a long one is not kept (each read's path holds it), and a client cycling through keys only
  // empties the map, so that the next request refills it with what is really used.
  if (path.length <= MEMO_KEY_MAX) {
    if (byPath.size >= MEMO_KEYS) byPath.clear();
    byPath.set(key, made);
  }
  return made;
}

/** The field paths a form reads, as the audit records them. */
export function formPaths(form: FormDefinition): string[] {
  return [...new Set(form.fields.filter((f) => f.party !== 'LEGAL_REPRESENTATIVE').flatMap((f) => f.reads.map((r) => r.path)))].sort();
}
