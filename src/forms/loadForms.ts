import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DocumentType, RegistryName } from '../../connectors/types';
import type { AccessRules } from '../access/accessRules';
import { packageRoot } from '../paths';
import type { PolicyCatalogue } from '../policy/loadCatalogue';

/** Whose data a form field holds. */
export type Party = 'APPLICANT' | 'FATHER' | 'MOTHER' | 'SPOUSE' | 'HOUSEHOLD_HEAD' | 'HOUSEHOLD_MEMBERS' | 'CHILD_MOTHER' | 'CHILD_FATHER';
export type Transform = 'none' | 'date' | 'year' | 'gender' | 'upper' | 'address' | 'identityDocument';

const PARTIES: readonly Party[] = ['APPLICANT', 'FATHER', 'MOTHER', 'SPOUSE', 'HOUSEHOLD_HEAD', 'HOUSEHOLD_MEMBERS', 'CHILD_MOTHER', 'CHILD_FATHER'];
const TRANSFORMS: readonly Transform[] = ['none', 'date', 'year', 'gender', 'upper', 'address', 'identityDocument'];
const DOCUMENT_TYPES: readonly DocumentType[] = ['BIRTH_CERTIFICATE', 'MARRIAGE_CERTIFICATE', 'IDENTITY_CARD', 'PASSPORT', 'DRIVING_LICENCE', 'CRIMINAL_RECORD_CERTIFICATE'];
const DOCUMENT_PARTS = ['number', 'issuedOn', 'issuer', 'validUntil'] as const;
const RESIDENCE_FIELDS = ['permanentAddress', 'temporaryAddress', 'currentAddress', 'residenceRecordNumber', 'permanentSince', 'temporaryUntil'];

/** Where a value comes from, parsed from `person.fullName`, `documents.PASSPORT.number`, ... */
export type Source =
  | { kind: 'id' }
  | { kind: 'person'; field: string }
  | { kind: 'residence'; field: string }
  | { kind: 'relationshipToHead' }
  | { kind: 'document'; type: DocumentType; part: (typeof DOCUMENT_PARTS)[number] | null };

export interface FormColumn {
  key: string;
  label: string;
  source: Source;
  /** The schema coordinate whose access rule applies. */
  coordinate: string;
  path: string;
  transform: Transform;
}

export interface FormField {
  key: string;
  label: string;
  party: Party;
  /** Null: typed by the citizen, never prefilled. */
  source: Source | null;
  coordinate: string | null;
  /** The source as written (`person.fullName`), also the audit's field path. */
  path: string | null;
  transform: Transform;
  editable: boolean;
  /** A table, one row per household member. */
  columns: FormColumn[] | null;
}

export interface FormDefinition {
  id: string;
  title: string;
  legalBasis: string;
  /** The purpose under which an agency may prefill it. */
  purpose: string;
  fields: FormField[];
}

export class FormCatalogueError extends Error {
  override readonly name = 'FormCatalogueError';
  constructor(readonly problems: string[]) {
    super(`Invalid form catalogue:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The registry a source reads, if any. */
export function registryOf(source: Source): RegistryName | null {
  switch (source.kind) {
    case 'id':
      return null;
    case 'person':
      return 'POPULATION';
    case 'residence':
    case 'relationshipToHead':
      return 'RESIDENCE';
    case 'document':
      return 'DOCUMENTS';
  }
}

function parseSource(text: string, rules: AccessRules): { source: Source; coordinate: string } | string {
  const [head, a, b, ...rest] = text.split('.');
  if (rest.length > 0) return `"${text}" has too many parts`;
  if (head === 'id' && a === undefined) return { source: { kind: 'id' }, coordinate: 'Citizen.id' };
  if (head === 'person' && a && b === undefined) {
    const coordinate = `Person.${a}`;
    return ['IDENTITY', 'PERSONAL', 'SENSITIVE'].includes(rules.rule(coordinate) ?? '') ? { source: { kind: 'person', field: a }, coordinate } : `Person.${a} is not a field of citizen data`;
  }
  if (head === 'residence' && a && b === undefined) {
    return RESIDENCE_FIELDS.includes(a) ? { source: { kind: 'residence', field: a }, coordinate: `Residence.${a}` } : `Residence.${a} is not a residence field`;
  }
  if (head === 'household' && a === 'relationshipToHead' && b === undefined) {
    return { source: { kind: 'relationshipToHead' }, coordinate: 'HouseholdMember.relationshipToHead' };
  }
  if (head === 'documents' && a && DOCUMENT_TYPES.includes(a as DocumentType)) {
    if (b !== undefined && !(DOCUMENT_PARTS as readonly string[]).includes(b)) return `"${b}" is not a part of a document (${DOCUMENT_PARTS.join(', ')})`;
    return { source: { kind: 'document', type: a as DocumentType, part: (b as (typeof DOCUMENT_PARTS)[number] | undefined) ?? null }, coordinate: 'Citizen.documents' };
  }
  return `"${text}" is not a source (id, person.*, residence.*, household.relationshipToHead, documents.<TYPE>[.part])`;
}

/** Reads and validates `src/forms/forms.json` against the schema's rules and the policy catalogue. */
export function loadForms(rules: AccessRules, catalogue: PolicyCatalogue, file = path.join(packageRoot(), 'src', 'forms', 'forms.json')): Map<string, FormDefinition> {
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
    const keys = new Set<string>();
    const fields: FormField[] = [];
    for (const [j, raw] of (Array.isArray(f.fields) ? (f.fields as Record<string, unknown>[]) : []).entries()) {
      const fat = `${at}.fields[${j}]`;
      const key = String(raw.key ?? '');
      if (!/^[a-zA-Z][a-zA-Z0-9.]{0,63}$/.test(key) || keys.has(key)) problems.push(`${fat}.key "${key}" is missing, malformed or repeated`);
      keys.add(key);
      const party = raw.party as Party;
      if (!PARTIES.includes(party)) problems.push(`${fat}.party "${String(raw.party)}" is not one of ${PARTIES.join(', ')}`);
      const transform = (raw.transform ?? 'none') as Transform;
      if (!TRANSFORMS.includes(transform)) problems.push(`${fat}.transform "${String(raw.transform)}" is unknown`);
      const editable = raw.editable === true;
      let parsed: { source: Source; coordinate: string } | null = null;
      let columns: FormColumn[] | null = null;
      if (Array.isArray(raw.columns)) {
        if (party !== 'HOUSEHOLD_MEMBERS') problems.push(`${fat}: only HOUSEHOLD_MEMBERS fields are tables`);
        columns = (raw.columns as Record<string, unknown>[]).flatMap((c, k) => {
          const p = parseSource(String(c.source ?? ''), rules);
          if (typeof p === 'string') {
            problems.push(`${fat}.columns[${k}].source: ${p}`);
            return [];
          }
          return [{ key: String(c.key), label: String(c.label), source: p.source, coordinate: p.coordinate, path: String(c.source), transform: (c.transform ?? 'none') as Transform }];
        });
      } else if (raw.source !== null) {
        const p = parseSource(String(raw.source ?? ''), rules);
        if (typeof p === 'string') problems.push(`${fat}.source: ${p}`);
        else parsed = p;
      } else if (!editable) {
        problems.push(`${fat}: a field the citizen types must be editable`);
      }
      if (typeof raw.label !== 'string' || raw.label.trim() === '') problems.push(`${fat}.label must be a non-empty string`);
      fields.push({
        key,
        label: String(raw.label),
        party,
        source: parsed?.source ?? null,
        coordinate: parsed?.coordinate ?? null,
        path: parsed ? String(raw.source) : null,
        transform,
        editable,
        columns,
      });
    }
    forms.set(id, { id, title: String(f.title), legalBasis: String(f.legalBasis), purpose: String(f.purpose), fields });
  }
  if (problems.length > 0) throw new FormCatalogueError(problems);
  return forms;
}
