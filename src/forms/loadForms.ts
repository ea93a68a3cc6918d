import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DocumentType, RegistryName } from '../../connectors/types';
import { packageRoot } from '../paths';
import type { PolicyCatalogue } from '../policy/loadCatalogue';
import { isDisclosure, type SchemaFacts } from '../schemaFacts/readSchemaFacts';

/**
 * Whose data a form field holds. `LEGAL_REPRESENTATIVE` is the citizen filling the form for
 * their child (TK01a): their own record, filled only when they are the subject's parent.
 */
export type Party =
  | 'APPLICANT'
  | 'FATHER'
  | 'MOTHER'
  | 'SPOUSE'
  | 'HOUSEHOLD_HEAD'
  | 'HOUSEHOLD_MEMBERS'
  | 'CHILD_MOTHER'
  | 'CHILD_FATHER'
  | 'LEGAL_REPRESENTATIVE';
export type Transform =
  | 'none'
  | 'date'
  | 'monthYear'
  | 'year'
  | 'gender'
  | 'upper'
  | 'address'
  | 'identityDocument'
  | 'documentTitle'
  | 'communePolice'
  | 'communeCommittee'
  | 'parentTitle';

const PARTIES: readonly Party[] = ['APPLICANT', 'FATHER', 'MOTHER', 'SPOUSE', 'HOUSEHOLD_HEAD', 'HOUSEHOLD_MEMBERS', 'CHILD_MOTHER', 'CHILD_FATHER', 'LEGAL_REPRESENTATIVE'];
const TRANSFORMS: readonly Transform[] = [
  'none',
  'date',
  'monthYear',
  'year',
  'gender',
  'upper',
  'address',
  'identityDocument',
  'documentTitle',
  'communePolice',
  'communeCommittee',
  'parentTitle',
];

/** A part of one registration in the residence registry's history. */
export type HistoryPart = 'from' | 'to' | 'address';

/** Where a value comes from, parsed from `person.fullName`, `documents.PASSPORT.number`, `residence.history.from`, ... */
export type Source =
  | { kind: 'id' }
  | { kind: 'person'; field: string }
  | { kind: 'residence'; field: string }
  | { kind: 'history'; part: HistoryPart }
  | { kind: 'relationshipToHead' }
  | { kind: 'document'; type: DocumentType; part: DocumentPart | null };

/** A leaf field of an issued document (`number`, `issuedOn`, ...), as the SDL declares them. */
export type DocumentPart = 'number' | 'issuedOn' | 'issuer' | 'validUntil' | 'status';

/** One schema coordinate a field reads, as the access decision judges it. */
export interface SourceRead {
  source: Source;
  /** The schema coordinate whose access rule applies. */
  coordinate: string;
  /** The registry holding the value; null for the personal ID itself. */
  registry: RegistryName | null;
  /** The source as written (`person.fullName`), also the audit's field path. */
  path: string;
}

export interface FormColumn {
  key: string;
  label: string;
  /** Null: a column the citizen types (e.g. "Nghề nghiệp, nơi làm việc" beside each residence). */
  source: Source | null;
  coordinate: string;
  registry: RegistryName | null;
  path: string;
  transform: Transform;
  /** The citizen may change this cell (the relationship to the head of the household joined). */
  editable: boolean;
}

/** Which registry values a document field takes: the one in force today, or the latest issued whatever its status. */
export type DocumentChoice = 'CURRENT' | 'LATEST';
/** What a field about a relative shows once they have died: nothing (the form wants a living one) or their data, marked. */
export type WhenDeceased = 'OMIT' | 'KEEP';

export interface FormField {
  key: string;
  label: string;
  party: Party;
  /** Null: typed by the citizen, never prefilled (or a table, see `columns`). */
  source: Source | null;
  coordinate: string | null;
  registry: RegistryName | null;
  /** The source as written (`person.fullName`), also the audit's field path. */
  path: string | null;
  transform: Transform;
  /** The citizen may change the value even when the registries filled it. */
  editable: boolean;
  /** A table: one row per household member (HOUSEHOLD_MEMBERS) or per registration in the applicant's residence history. */
  columns: FormColumn[] | null;
  /** Household tables: which members are on the form by default (`NONE`: none; the others are offered). */
  defaultRows: 'ALL' | 'NONE';
  /** Residence-history tables: registrations still running on the applicant's birthday of this age or later. */
  historySinceAge: number | null;
  /** Other registry values the citizen may choose instead (`residence.temporaryAddress` for "nơi cư trú"). */
  alternatives: SourceRead[];
  document: DocumentChoice;
  whenDeceased: WhenDeceased;
  /** For a field the citizen types: the answers the printed form offers ("Có", "Không"). */
  choices: string[] | null;
  /** Every coordinate the field reads: its source, its alternatives, its columns. */
  reads: SourceRead[];
}

/** Who may be the subject of a form, by age on the day it is filled. */
export interface SubjectAge {
  /** The subject must be at least this old (KHAI_SINH: an adult parent). */
  min: number | null;
  /** The subject must be younger than this (TK01a: under 14). */
  below: number | null;
  /** The form for subjects outside these ages, if there is one (TK01 and TK01A point at each other). */
  otherwise: string | null;
}

export interface FormDefinition {
  /** The gateway's identifier (`TK01A`). */
  id: string;
  /** The form's number as printed (`TK01a`, `Mẫu số 03/2013/TT-LLTP`). */
  code: string;
  title: string;
  legalBasis: string;
  /** The purpose under which an agency may prefill it. */
  purpose: string;
  subjectAge: SubjectAge;
  fields: FormField[];
}

export class FormCatalogueError extends Error {
  override readonly name = 'FormCatalogueError';
  constructor(readonly problems: string[]) {
    super(`Invalid form catalogue:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The field of `Citizen` whose registry a source reads. */
const CITIZEN_FIELD: Record<Exclude<Source['kind'], 'id'>, string> = {
  person: 'Citizen.person',
  residence: 'Citizen.residence',
  history: 'Citizen.residence',
  relationshipToHead: 'Citizen.household',
  document: 'Citizen.documents',
};

const HISTORY_PARTS: readonly HistoryPart[] = ['from', 'to', 'address'];

/** Parses `person.fullName`, `documents.PASSPORT.number`, ... against the schema's facts: the coordinates it reads. */
function parseSource(text: string, facts: SchemaFacts): SourceRead[] | string {
  const [head, a, b, ...rest] = text.split('.');
  if (rest.length > 0) return `"${text}" has too many parts`;
  const reads = (source: Source, coordinate: string): SourceRead[] => [
    { source, coordinate, registry: source.kind === 'id' ? null : (facts.registry(CITIZEN_FIELD[source.kind]) ?? null), path: text },
  ];
  const disclosing = (coordinate: string) => facts.fieldsOf(coordinate.split('.')[0] as string).includes(coordinate) && isDisclosure(facts.rule(coordinate));
  if (head === 'id' && a === undefined) return reads({ kind: 'id' }, 'Citizen.id');
  if (head === 'person' && a && b === undefined) {
    return disclosing(`Person.${a}`) ? reads({ kind: 'person', field: a }, `Person.${a}`) : `Person.${a} is not a field of citizen data`;
  }
  if (head === 'residence' && a === 'history') {
    if (!HISTORY_PARTS.includes(b as HistoryPart)) return `"${text}": a registration's parts are ${HISTORY_PARTS.join(', ')}`;
    return disclosing('Residence.history') ? reads({ kind: 'history', part: b as HistoryPart }, 'Residence.history') : 'Residence.history is not a residence field';
  }
  if (head === 'residence' && a && b === undefined) {
    return disclosing(`Residence.${a}`) ? reads({ kind: 'residence', field: a }, `Residence.${a}`) : `Residence.${a} is not a residence field`;
  }
  if (head === 'household' && a === 'relationshipToHead' && b === undefined) {
    return reads({ kind: 'relationshipToHead' }, 'HouseholdMember.relationshipToHead');
  }
  if (head === 'documents' && a && facts.documentTypes.includes(a as DocumentType)) {
    if (b !== undefined && !facts.documentParts.includes(b)) return `"${b}" is not a part of a document (${facts.documentParts.join(', ')})`;
    return reads({ kind: 'document', type: a as DocumentType, part: (b as DocumentPart | undefined) ?? null }, 'Citizen.documents');
  }
  return `"${text}" is not a source (id, person.*, residence.*, residence.history.*, household.relationshipToHead, documents.<TYPE>[.part])`;
}

const optionalInt = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 150 ? v : null);

/** Reads and validates `src/forms/forms.json` against the schema's facts and the policy catalogue. */
export function loadForms(facts: SchemaFacts, catalogue: PolicyCatalogue, file = path.join(packageRoot(), 'src', 'forms', 'forms.json')): Map<string, FormDefinition> {
  const problems: string[] = [];
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { forms?: unknown };
  const forms = new Map<string, FormDefinition>();
  const list = Array.isArray(raw.forms) ? (raw.forms as Record<string, unknown>[]) : [];
  if (list.length === 0) problems.push('forms must be a non-empty list');
  for (const [i, f] of list.entries()) {
    const at = `forms[${i}]`;
    const id = String(f.id ?? '');
    if (!/^[A-Z][A-Z0-9_]{1,31}$/.test(id)) problems.push(`${at}.id "${id}" is not a form id`);
    if (forms.has(id)) problems.push(`${at}.id "${id}" is listed twice`);
    if (!catalogue.purposes.has(String(f.purpose))) problems.push(`${at}.purpose "${String(f.purpose)}" is not a purpose in the policy catalogue`);
    for (const k of ['code', 'title', 'legalBasis'] as const) {
      if (typeof f[k] !== 'string' || (f[k] as string).trim() === '') problems.push(`${at}.${k} must be a non-empty string`);
    }
    const age = (f.subjectAge ?? {}) as Record<string, unknown>;
    const subjectAge: SubjectAge = { min: optionalInt(age.min), below: optionalInt(age.below), otherwise: typeof age.otherwise === 'string' ? age.otherwise : null };
    if ((age.min !== undefined && subjectAge.min === null) || (age.below !== undefined && subjectAge.below === null)) problems.push(`${at}.subjectAge: ages are whole numbers of years`);
    const keys = new Set<string>();
    const fields: FormField[] = [];
    for (const [j, raw] of (Array.isArray(f.fields) ? (f.fields as Record<string, unknown>[]) : []).entries()) {
      const field = parseField(raw, `${at}.fields[${j}]`, facts, problems);
      if (keys.has(field.key)) problems.push(`${at}.fields[${j}].key "${field.key}" is repeated`);
      keys.add(field.key);
      fields.push(field);
    }
    forms.set(id, { id, code: String(f.code), title: String(f.title), legalBasis: String(f.legalBasis), purpose: String(f.purpose), subjectAge, fields });
  }
  for (const form of forms.values()) {
    if (form.subjectAge.otherwise && !forms.has(form.subjectAge.otherwise)) problems.push(`${form.id}.subjectAge.otherwise "${form.subjectAge.otherwise}" is not a form`);
  }
  if (problems.length > 0) throw new FormCatalogueError(problems);
  return forms;
}

function parseField(raw: Record<string, unknown>, fat: string, facts: SchemaFacts, problems: string[]): FormField {
  const key = String(raw.key ?? '');
  if (!/^[a-zA-Z][a-zA-Z0-9.]{0,63}$/.test(key)) problems.push(`${fat}.key "${key}" is missing or malformed`);
  const party = raw.party as Party;
  if (!PARTIES.includes(party)) problems.push(`${fat}.party "${String(raw.party)}" is not one of ${PARTIES.join(', ')}`);
  const transformOf = (value: unknown, where: string): Transform => {
    const t = (value ?? 'none') as Transform;
    if (!TRANSFORMS.includes(t)) problems.push(`${where}.transform "${String(value)}" is unknown`);
    return t;
  };
  const transform = transformOf(raw.transform, fat);
  const editable = raw.editable === true;
  if (typeof raw.label !== 'string' || raw.label.trim() === '') problems.push(`${fat}.label must be a non-empty string`);
  const sourceOf = (text: unknown, where: string): SourceRead[] => {
    const p = parseSource(String(text ?? ''), facts);
    if (typeof p === 'string') {
      problems.push(`${where}.source: ${p}`);
      return [];
    }
    return p;
  };

  let own: SourceRead[] = [];
  let columns: FormColumn[] | null = null;
  const reads: SourceRead[] = [];
  if (Array.isArray(raw.columns)) {
    if (party !== 'HOUSEHOLD_MEMBERS' && party !== 'APPLICANT') problems.push(`${fat}: tables list household members (HOUSEHOLD_MEMBERS) or the applicant's residence history (APPLICANT)`);
    columns = (raw.columns as Record<string, unknown>[]).flatMap((c, k): FormColumn[] => {
      const cat = `${fat}.columns[${k}]`;
      const base = { key: String(c.key), label: String(c.label), transform: transformOf(c.transform, cat), editable: c.editable === true || c.source === null };
      if (c.source === null) {
        if (c.editable === false) problems.push(`${cat}: a column the citizen types must be editable`);
        return [{ ...base, source: null, coordinate: '', registry: null, path: '' }];
      }
      const parsed = sourceOf(c.source, cat);
      const first = parsed[0];
      if (!first) return [];
      const history = first.source.kind === 'history';
      if (history !== (party === 'APPLICANT')) problems.push(`${cat}.source: ${party === 'APPLICANT' ? "the applicant's tables list their residence history (residence.history.*)" : 'household tables read each member'}`);
      reads.push(...parsed);
      return [{ ...base, source: first.source, coordinate: first.coordinate, registry: first.registry, path: first.path }];
    });
  } else if (raw.source !== null) {
    own = sourceOf(raw.source, fat);
    reads.push(...own);
  } else if (!editable) {
    problems.push(`${fat}: a field the citizen types must be editable`);
  }
  const alternatives = (Array.isArray(raw.alternatives) ? raw.alternatives : []).flatMap((a, k) => sourceOf(a, `${fat}.alternatives[${k}]`));
  if (alternatives.length > 0 && own.length === 0) problems.push(`${fat}.alternatives: only a prefilled field offers alternatives`);
  reads.push(...alternatives);

  const defaultRows = raw.defaultRows === 'NONE' ? 'NONE' : 'ALL';
  if (raw.defaultRows !== undefined && (party !== 'HOUSEHOLD_MEMBERS' || !['ALL', 'NONE'].includes(String(raw.defaultRows)))) problems.push(`${fat}.defaultRows is ALL or NONE, for household tables`);
  const historySinceAge = optionalInt(raw.historySinceAge);
  if (raw.historySinceAge !== undefined && (historySinceAge === null || party !== 'APPLICANT' || !columns)) problems.push(`${fat}.historySinceAge is an age, for residence-history tables`);
  const document: DocumentChoice = raw.document === 'LATEST' ? 'LATEST' : 'CURRENT';
  if (raw.document !== undefined && (!['CURRENT', 'LATEST'].includes(String(raw.document)) || own[0]?.source.kind !== 'document')) problems.push(`${fat}.document is CURRENT or LATEST, for document sources`);
  const whenDeceased: WhenDeceased = raw.whenDeceased === 'KEEP' ? 'KEEP' : 'OMIT';
  if (raw.whenDeceased !== undefined && (!['OMIT', 'KEEP'].includes(String(raw.whenDeceased)) || party === 'APPLICANT')) problems.push(`${fat}.whenDeceased is OMIT or KEEP, for relatives`);
  const choices = Array.isArray(raw.choices) ? raw.choices.map(String) : null;
  if (choices && (raw.source !== null || choices.length < 2)) problems.push(`${fat}.choices: two or more answers, for a field the citizen types`);

  const main = own[0];
  return {
    key,
    label: String(raw.label),
    party,
    source: main?.source ?? null,
    coordinate: main?.coordinate ?? null,
    registry: main?.registry ?? null,
    path: main?.path ?? null,
    transform,
    editable,
    columns,
    defaultRows,
    historySinceAge,
    alternatives,
    document,
    whenDeceased,
    choices,
    reads,
  };
}
