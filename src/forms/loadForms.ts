import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DocumentType, RegistryName } from '../../connectors/types';
import { packageRoot } from '../paths';
import type { PolicyCatalogue } from '../policy/loadCatalogue';
import { isDisclosure, type SchemaFacts } from '../schemaFacts/readSchemaFacts';

/** Whose data a form field holds. */
export type Party = 'APPLICANT' | 'FATHER' | 'MOTHER' | 'SPOUSE' | 'HOUSEHOLD_HEAD' | 'HOUSEHOLD_MEMBERS' | 'CHILD_MOTHER' | 'CHILD_FATHER';
export type Transform = 'none' | 'date' | 'year' | 'gender' | 'upper' | 'address' | 'identityDocument';

const PARTIES: readonly Party[] = ['APPLICANT', 'FATHER', 'MOTHER', 'SPOUSE', 'HOUSEHOLD_HEAD', 'HOUSEHOLD_MEMBERS', 'CHILD_MOTHER', 'CHILD_FATHER'];
const TRANSFORMS: readonly Transform[] = ['none', 'date', 'year', 'gender', 'upper', 'address', 'identityDocument'];
/** Where a value comes from, parsed from `person.fullName`, `documents.PASSPORT.number`, ... */
export type Source =
  | { kind: 'id' }
  | { kind: 'person'; field: string }
  | { kind: 'residence'; field: string }
  | { kind: 'relationshipToHead' }
  | { kind: 'document'; type: DocumentType; part: DocumentPart | null };

/** A leaf field of an issued document (`number`, `issuedOn`, ...), as the SDL declares them. */
export type DocumentPart = 'number' | 'issuedOn' | 'issuer' | 'validUntil' | 'status';

export interface FormColumn {
  key: string;
  label: string;
  source: Source;
  /** The schema coordinate whose access rule applies. */
  coordinate: string;
  /** The registry holding the value; null for the personal ID itself. */
  registry: RegistryName | null;
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
  registry: RegistryName | null;
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

/** The field of `Citizen` whose registry a source reads. */
const CITIZEN_FIELD: Record<Exclude<Source['kind'], 'id'>, string> = {
  person: 'Citizen.person',
  residence: 'Citizen.residence',
  relationshipToHead: 'Citizen.household',
  document: 'Citizen.documents',
};

interface ParsedSource {
  source: Source;
  coordinate: string;
  registry: RegistryName | null;
}

/** Parses `person.fullName`, `documents.PASSPORT.number`, ... against the schema's facts. */
function parseSource(text: string, facts: SchemaFacts): ParsedSource | string {
  const [head, a, b, ...rest] = text.split('.');
  if (rest.length > 0) return `"${text}" has too many parts`;
  const parsed = (source: Source, coordinate: string): ParsedSource => ({
    source,
    coordinate,
    registry: source.kind === 'id' ? null : (facts.registry(CITIZEN_FIELD[source.kind]) ?? null),
  });
  const disclosing = (type: string, field: string) => facts.fieldsOf(type).includes(`${type}.${field}`) && isDisclosure(facts.rule(`${type}.${field}`));
  if (head === 'id' && a === undefined) return parsed({ kind: 'id' }, 'Citizen.id');
  if (head === 'person' && a && b === undefined) {
    return disclosing('Person', a) ? parsed({ kind: 'person', field: a }, `Person.${a}`) : `Person.${a} is not a field of citizen data`;
  }
  if (head === 'residence' && a && b === undefined) {
    return disclosing('Residence', a) ? parsed({ kind: 'residence', field: a }, `Residence.${a}`) : `Residence.${a} is not a residence field`;
  }
  if (head === 'household' && a === 'relationshipToHead' && b === undefined) {
    return parsed({ kind: 'relationshipToHead' }, 'HouseholdMember.relationshipToHead');
  }
  if (head === 'documents' && a && facts.documentTypes.includes(a as DocumentType)) {
    if (b !== undefined && !facts.documentParts.includes(b)) return `"${b}" is not a part of a document (${facts.documentParts.join(', ')})`;
    return parsed({ kind: 'document', type: a as DocumentType, part: (b as DocumentPart | undefined) ?? null }, 'Citizen.documents');
  }
  return `"${text}" is not a source (id, person.*, residence.*, household.relationshipToHead, documents.<TYPE>[.part])`;
}

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
      let parsed: ParsedSource | null = null;
      let columns: FormColumn[] | null = null;
      if (Array.isArray(raw.columns)) {
        if (party !== 'HOUSEHOLD_MEMBERS') problems.push(`${fat}: only HOUSEHOLD_MEMBERS fields are tables`);
        columns = (raw.columns as Record<string, unknown>[]).flatMap((c, k) => {
          const p = parseSource(String(c.source ?? ''), facts);
          if (typeof p === 'string') {
            problems.push(`${fat}.columns[${k}].source: ${p}`);
            return [];
          }
          return [{ key: String(c.key), label: String(c.label), source: p.source, coordinate: p.coordinate, registry: p.registry, path: String(c.source), transform: (c.transform ?? 'none') as Transform }];
        });
      } else if (raw.source !== null) {
        const p = parseSource(String(raw.source ?? ''), facts);
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
        registry: parsed?.registry ?? null,
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
