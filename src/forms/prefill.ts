import type { DocumentRecord, DocumentType, HolderDocuments, PersonRecord, ProvenanceRecord, RegistryName, ResidenceRecord } from '../../connectors/types';
import { loadRecords as load, type CitizenRecords as Records, type Loaders } from '../request/createLoaders';
import type { FormColumn, FormDefinition, FormField, Party, Source } from './loadForms';
import { applyTransform } from './transforms';

export type PrefillStatus = 'FILLED' | 'NOT_IN_REGISTRY' | 'NOT_PERMITTED' | 'REGISTRY_UNAVAILABLE' | 'TO_BE_TYPED';

export interface PrefilledValue {
  key: string;
  label: string;
  value: string | null;
  editable: boolean;
  status: PrefillStatus;
  provenance: ProvenanceRecord | null;
  rows: { cells: PrefilledValue[] }[] | null;
}

export interface PrefillResult {
  formId: string;
  subjectId: string;
  fields: PrefilledValue[];
  /** Keys of fields the registries could fill but did not (not held, not permitted, unavailable). */
  missing: string[];
  /** What was disclosed about whom, for the audit. */
  disclosed: Map<string, { fields: Set<string>; registries: Set<RegistryName> }>;
}

/** May the caller see this field of a citizen `hop` steps from the subject? */
export type FieldPermission = (hop: number, coordinate: string, documentType?: DocumentType) => boolean;

const RECORD_OF: Record<RegistryName, keyof Records> = { POPULATION: 'person', RESIDENCE: 'residence', DOCUMENTS: 'documents' };
const RELATIVES: readonly Party[] = ['FATHER', 'MOTHER', 'SPOUSE', 'CHILD_MOTHER', 'CHILD_FATHER'];
const HOUSEHOLD: readonly Party[] = ['HOUSEHOLD_HEAD', 'HOUSEHOLD_MEMBERS'];

/** Sources a field reads: its own, or its table's columns. */
function sourcesOf(field: FormField): { source: Source; coordinate: string; registry: RegistryName | null }[] {
  if (field.columns) return field.columns.map((c) => ({ source: c.source, coordinate: c.coordinate, registry: c.registry }));
  return field.source && field.coordinate ? [{ source: field.source, coordinate: field.coordinate, registry: field.registry }] : [];
}

function documentTypeOf(source: Source): DocumentType | undefined {
  return source.kind === 'document' ? source.type : undefined;
}

/** The newest valid document of a type, or failing that the newest of any status. */
function pickDocument(holder: HolderDocuments, type: DocumentType): DocumentRecord | null {
  const ofType = holder.documents.filter((d) => d.type === type);
  return ofType.find((d) => d.status === 'VALID') ?? ofType[0] ?? null;
}

/**
 * Fills a form for one subject from the registries. Loads level by level — the
 * subject's records, then every related citizen's at once — so the loaders send at
 * most one call per registry per level. A field the caller may not see is left out
 * (status NOT_PERMITTED) rather than failing the form: the form, not the caller,
 * chose which fields to ask for, and the citizen types what is left.
 */
export async function prefillForm(form: FormDefinition, subjectId: string, may: FieldPermission, loaders: Loaders): Promise<PrefillResult> {
  const permitted = (hop: number, source: Source, coordinate: string) => may(hop, coordinate, documentTypeOf(source));
  const needs = (parties: readonly Party[], hop: number) => {
    const registries = new Set<RegistryName>();
    for (const f of form.fields) {
      if (!parties.includes(f.party)) continue;
      for (const s of sourcesOf(f)) {
        // Everyone's relationship to the head is in the subject's household record, read at level 1.
        if (s.source.kind === 'relationshipToHead' && hop > 0) continue;
        const r = s.registry;
        if (r && permitted(hop, s.source, s.coordinate)) registries.add(r);
      }
    }
    return registries;
  };

  // Level 1: the subject. Population also names the relatives; residence the household.
  const subjectNeeds = needs(['APPLICANT'], 0);
  const relativeNeeds = needs(RELATIVES, 1);
  const householdNeeds = needs(HOUSEHOLD, 1);
  for (const r of needs(['CHILD_MOTHER', 'CHILD_FATHER', 'HOUSEHOLD_HEAD', 'HOUSEHOLD_MEMBERS'], 0)) subjectNeeds.add(r);
  if (relativeNeeds.size > 0) subjectNeeds.add('POPULATION');
  if (householdNeeds.size > 0 || form.fields.some((f) => HOUSEHOLD.includes(f.party) && sourcesOf(f).length > 0)) subjectNeeds.add('RESIDENCE');
  const records = new Map<string, Records>();
  records.set(subjectId, await load(loaders, subjectId, subjectNeeds));
  const subject = records.get(subjectId) as Records;
  const person = subject.person instanceof Error ? null : (subject.person ?? null);
  const residence = subject.residence instanceof Error ? null : (subject.residence ?? null);

  // Who the parties are.
  const spouse = person?.spouseId ?? null;
  const partyIds: Record<Party, string[]> = {
    APPLICANT: [subjectId],
    FATHER: person?.fatherId ? [person.fatherId] : [],
    MOTHER: person?.motherId ? [person.motherId] : [],
    SPOUSE: spouse ? [spouse] : [],
    CHILD_MOTHER: person ? (person.gender === 'FEMALE' ? [subjectId] : spouse ? [spouse] : []) : [],
    CHILD_FATHER: person ? (person.gender === 'MALE' ? [subjectId] : spouse ? [spouse] : []) : [],
    HOUSEHOLD_HEAD: residence?.household ? [residence.household.headId] : [],
    HOUSEHOLD_MEMBERS: residence?.household ? residence.household.members.map((m) => m.personalId) : [],
  };

  // Level 2: every related citizen, in one tick, so that each registry gets one batch.
  const related = new Map<string, Set<RegistryName>>();
  for (const party of [...RELATIVES, ...HOUSEHOLD]) {
    for (const id of partyIds[party]) {
      if (id === subjectId) continue;
      const set = related.get(id) ?? new Set<RegistryName>();
      for (const r of needs([party], 1)) set.add(r);
      related.set(id, set);
    }
  }
  const loaded = await Promise.all([...related].map(async ([id, regs]) => [id, await load(loaders, id, regs)] as const));
  for (const [id, recs] of loaded) records.set(id, recs);

  const disclosed: PrefillResult['disclosed'] = new Map();
  const note = (id: string, path: string, registry: RegistryName | null) => {
    const entry = disclosed.get(id) ?? { fields: new Set<string>(), registries: new Set<RegistryName>() };
    entry.fields.add(path);
    if (registry) entry.registries.add(registry);
    disclosed.set(id, entry);
  };

  const valueFor = (id: string, field: FormField | FormColumn, key: string, label: string, editable: boolean): PrefilledValue => {
    const { source, coordinate, path, transform, registry } = field as FormColumn;
    const base = { key, label, editable, rows: null };
    const hop = id === subjectId ? 0 : 1;
    if (!permitted(hop, source, coordinate)) return { ...base, value: null, status: 'NOT_PERMITTED', provenance: null };
    if (!registry) {
      note(id, path, null);
      return { ...base, value: id, status: 'FILLED', provenance: null };
    }
    // Relationships to the head are all in the subject's household record.
    const record = source.kind === 'relationshipToHead' ? subject.residence : records.get(id)?.[RECORD_OF[registry]];
    if (record instanceof Error) return { ...base, value: null, status: 'REGISTRY_UNAVAILABLE', provenance: null };
    if (!record) return { ...base, value: null, status: 'NOT_IN_REGISTRY', provenance: null };
    let raw: unknown = null;
    let provenance: ProvenanceRecord = record.provenance;
    switch (source.kind) {
      case 'person':
        raw = (record as PersonRecord)[source.field as keyof PersonRecord];
        break;
      case 'residence':
        raw = (record as ResidenceRecord)[source.field as keyof ResidenceRecord];
        break;
      case 'relationshipToHead': {
        const household = residence?.household;
        raw = household?.members.find((m) => m.personalId === id)?.relationshipToHead ?? null;
        if (household) provenance = household.provenance;
        break;
      }
      case 'document': {
        const doc = pickDocument(record as HolderDocuments, source.type);
        raw = doc && (source.part ? doc[source.part] : doc);
        if (doc) provenance = doc.provenance;
        break;
      }
    }
    const value = Array.isArray(raw) ? (raw.length > 0 ? raw.join(', ') : null) : applyTransform(transform, raw);
    if (value === null) return { ...base, value: null, status: 'NOT_IN_REGISTRY', provenance: null };
    note(id, path, registry);
    return { ...base, value, status: 'FILLED', provenance };
  };

  const fields: PrefilledValue[] = form.fields.map((f) => {
    if (f.columns) {
      const rows = partyIds.HOUSEHOLD_MEMBERS.map((id) => ({
        cells: (f.columns as FormColumn[]).map((c) => valueFor(id, c, c.key, c.label, false)),
      }));
      const filled = rows.some((r) => r.cells.some((c) => c.status === 'FILLED'));
      const status: PrefillStatus = filled ? 'FILLED' : residence === null && subject.residence instanceof Error ? 'REGISTRY_UNAVAILABLE' : 'NOT_IN_REGISTRY';
      return { key: f.key, label: f.label, value: null, editable: f.editable, status, provenance: residence?.household?.provenance ?? null, rows };
    }
    if (!f.source || !f.coordinate || !f.path) {
      return { key: f.key, label: f.label, value: null, editable: true, status: 'TO_BE_TYPED', provenance: null, rows: null };
    }
    const id = partyIds[f.party][0];
    if (!id) {
      // No such relative on record, or the record naming them could not be read.
      const unreadable = (f.party === 'HOUSEHOLD_HEAD' ? subject.residence : subject.person) instanceof Error;
      const hop = f.party === 'APPLICANT' ? 0 : 1;
      const status: PrefillStatus = !permitted(hop, f.source, f.coordinate) ? 'NOT_PERMITTED' : unreadable ? 'REGISTRY_UNAVAILABLE' : 'NOT_IN_REGISTRY';
      return { key: f.key, label: f.label, value: null, editable: f.editable, status, provenance: null, rows: null };
    }
    return valueFor(id, f, f.key, f.label, f.editable);
  });

  return {
    formId: form.id,
    subjectId,
    fields,
    missing: fields.filter((f) => f.status !== 'FILLED' && f.status !== 'TO_BE_TYPED').map((f) => f.key),
    disclosed,
  };
}
