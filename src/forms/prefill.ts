import { bilingual, type Bilingual } from '../bilingual';
import type { DocumentRecord, DocumentType, HolderDocuments, PersonRecord, ProvenanceRecord, RegistrationRecord, RegistryName, ResidenceRecord } from '../../connectors/types';
import { ageOn } from '../domain/dates';
import { deceasedOn, documentStatusOn, residenceOn, type DocumentStatusOnDay } from '../domain/lifeStatus';
import { loadRecords as load, type CitizenRecords as Records, type Loaders } from '../request/createLoaders';
import { type FormColumn, type FormDefinition, type FormField, type Party, type SourceRead } from './loadForms';
import { applyTransform, documentName } from './transforms';

/**
 * - `FILLED`: the registries gave the value.
 * - `NOT_IN_REGISTRY`, `NOT_PERMITTED`, `REGISTRY_UNAVAILABLE`: they did not; the citizen types it.
 * - `DECEASED`: the relative has died and the form asks for a living one (a current spouse).
 * - `NOT_CURRENT`: the registry holds the document, but none in force today (expired, revoked, lost, dissolved).
 * - `TO_BE_TYPED`: the citizen always types it.
 */
export type PrefillStatus = 'FILLED' | 'NOT_IN_REGISTRY' | 'NOT_PERMITTED' | 'REGISTRY_UNAVAILABLE' | 'TO_BE_TYPED' | 'DECEASED' | 'NOT_CURRENT';

export interface PrefilledRow {
  /** On the form by default; rows that are not are offered (household members who may change together). */
  included: boolean;
  cells: PrefilledValue[];
}

export interface PrefilledValue {
  key: string;
  label: string;
  value: string | null;
  /** The citizen may change it: a registry-filled value is locked unless the form lets it change. */
  editable: boolean;
  status: PrefillStatus;
  provenance: ProvenanceRecord | null;
  /** Why a value is missing or how it is marked, in Vietnamese ("Đã mất", "Thẻ căn cước đã hết hạn ngày …"). */
  note: string | null;
  /** Registry values a locked field may take instead of `value` (permanent or temporary residence). */
  options: string[] | null;
  rows: PrefilledRow[] | null;
}

export interface PrefillResult {
  formId: string;
  subjectId: string;
  fields: PrefilledValue[];
  /** Keys of fields the registries could fill but did not (status other than FILLED and TO_BE_TYPED). */
  missing: string[];
  /** What was disclosed about whom, for the audit. */
  disclosed: Map<string, { fields: Set<string>; registries: Set<RegistryName> }>;
}

/** May the caller see this field of a citizen `hop` steps from the subject (0: the subject, or the caller's own record)? */
export type FieldPermission = (hop: number, coordinate: string, documentType?: DocumentType) => boolean;

export interface PrefillOptions {
  may: FieldPermission;
  loaders: Loaders;
  /** Today in Vietnam (`yyyy-mm-dd`): documents, residences and lives are judged on this day. */
  today: string;
  /** The citizen filling the form, when a citizen is: the legal representative of their child. */
  actorId: string | null;
}

/** The subject is not one the form is for (a child declaring a birth, an adult on the under-14 passport form). */
export class IneligibleSubjectError extends Error {
  override readonly name = 'IneligibleSubjectError';
  constructor(readonly reason: Bilingual) {
    super(reason.en);
  }
}

const RECORD_OF: Record<RegistryName, keyof Records> = { POPULATION: 'person', RESIDENCE: 'residence', DOCUMENTS: 'documents' };
const RELATIVES: readonly Party[] = ['FATHER', 'MOTHER', 'SPOUSE', 'CHILD_MOTHER', 'CHILD_FATHER'];
const HOUSEHOLD: readonly Party[] = ['HOUSEHOLD_HEAD', 'HOUSEHOLD_MEMBERS'];
/** What a form says beside a relative who has died. */
const DECEASED_NOTE = 'Đã mất';
/** How a document that is no longer in force is described, after its name. */
const NOT_IN_FORCE: Record<Exclude<DocumentStatusOnDay, 'VALID'>, string> = {
  EXPIRED: 'đã hết hạn',
  REVOKED: 'đã bị thu hồi',
  LOST: 'đã được báo mất',
  DISSOLVED: 'không còn hiệu lực',
  HOLDER_DECEASED: 'không còn giá trị: người được cấp đã mất',
};

/** Documents of a type, newest first, each with its status judged today. */
function documentsOfType(holder: HolderDocuments, type: DocumentType, today: string, holderDeath: string | null): { doc: DocumentRecord; status: DocumentStatusOnDay }[] {
  return holder.documents
    .filter((d) => d.type === type)
    .sort((a, b) => (a.issuedOn < b.issuedOn ? 1 : a.issuedOn > b.issuedOn ? -1 : 0))
    .map((doc) => ({ doc, status: documentStatusOn(doc, today, holderDeath) }));
}

/** The day a person born on `dateOfBirth` turns `age` (`yyyy-mm-dd`). */
function sinceBirthday(dateOfBirth: string, age: number): string {
  return `${String(Number(dateOfBirth.slice(0, 4)) + age).padStart(4, '0')}${dateOfBirth.slice(4)}`;
}

/**
 * Fills a form for one subject from the registries. Loads level by level — the subject's
 * records, then every related citizen's at once — so the loaders send at most one call
 * per registry per level. A field the caller may not see is left out (status
 * NOT_PERMITTED) rather than failing the form: the form, not the caller, chose which
 * fields to ask for, and the citizen types what is left. Everything is judged on `today`:
 * a document past its end is not the current one, a temporary residence past its end is
 * not where the person lives, and a relative who has died is not prefilled as living.
 *
 * Throws {@link IneligibleSubjectError} when the subject's age puts them outside the form
 * (read from the population registry; when it cannot answer, the fields say so instead).
 */
export async function prefillForm(form: FormDefinition, subjectId: string, options: PrefillOptions): Promise<PrefillResult> {
  const { may, loaders, today, actorId } = options;
  const permitted = (hop: number, read: Pick<SourceRead, 'source' | 'coordinate'>) => may(hop, read.coordinate, read.source.kind === 'document' ? read.source.type : undefined);
  const hopOf = (party: Party, id: string) => (id === subjectId || party === 'LEGAL_REPRESENTATIVE' ? 0 : 1);
  const needs = (parties: readonly Party[], hop: number) => {
    const registries = new Set<RegistryName>();
    for (const f of form.fields) {
      if (!parties.includes(f.party)) continue;
      for (const s of f.reads) {
        // Everyone's relationship to the head is in the subject's household record, read at level 1.
        if (s.source.kind === 'relationshipToHead' && hop > 0) continue;
        if (s.registry && permitted(hop, s)) registries.add(s.registry);
      }
    }
    return registries;
  };

  // Level 1: the subject. Population gives the age, the relatives and the marriage; residence the household.
  const subjectNeeds = needs(['APPLICANT', 'CHILD_MOTHER', 'CHILD_FATHER', 'HOUSEHOLD_HEAD', 'HOUSEHOLD_MEMBERS'], 0);
  subjectNeeds.add('POPULATION');
  if (form.fields.some((f) => HOUSEHOLD.includes(f.party) && f.reads.length > 0)) subjectNeeds.add('RESIDENCE');
  const records = new Map<string, Records>();
  records.set(subjectId, await load(loaders, subjectId, subjectNeeds));
  const subject = records.get(subjectId) as Records;
  const person = subject.person instanceof Error ? null : (subject.person ?? null);
  const residence = subject.residence instanceof Error || !subject.residence ? null : residenceOn(subject.residence, today);

  if (person) checkAge(form, person, today);

  // Who the parties are. A widowed subject's recorded spouse has died: not read at all.
  const spouse = person?.spouseId ?? null;
  const spouseDied = !!spouse && person?.maritalStatus === 'WIDOWED';
  const currentSpouse = spouse && person?.maritalStatus !== 'DIVORCED' ? spouse : null;
  const deceased = new Set<string>(spouseDied && spouse ? [spouse] : []);
  const isParentOfSubject = !!actorId && !!person && (person.fatherId === actorId || person.motherId === actorId);
  const partyIds: Record<Party, string[]> = {
    APPLICANT: [subjectId],
    FATHER: person?.fatherId ? [person.fatherId] : [],
    MOTHER: person?.motherId ? [person.motherId] : [],
    SPOUSE: currentSpouse ? [currentSpouse] : [],
    // The child's parents: the applicant by their sex, and their spouse while married (or who died married).
    CHILD_MOTHER: person ? (person.gender === 'FEMALE' ? [subjectId] : currentSpouse ? [currentSpouse] : []) : [],
    CHILD_FATHER: person ? (person.gender === 'MALE' ? [subjectId] : currentSpouse ? [currentSpouse] : []) : [],
    HOUSEHOLD_HEAD: residence?.household ? [residence.household.headId] : [],
    HOUSEHOLD_MEMBERS: residence?.household ? residence.household.members.map((m) => m.personalId) : [],
    LEGAL_REPRESENTATIVE: isParentOfSubject && actorId ? [actorId] : [],
  };

  // Level 2: every related citizen, in one tick, so that each registry gets one batch.
  const related = new Map<string, Set<RegistryName>>();
  for (const party of [...RELATIVES, ...HOUSEHOLD, 'LEGAL_REPRESENTATIVE'] as const) {
    for (const id of partyIds[party]) {
      if (id === subjectId || deceased.has(id)) continue;
      const set = related.get(id) ?? new Set<RegistryName>();
      const wanted = needs([party], hopOf(party, id));
      // A relative's life is judged from their population record whenever anything of theirs is read.
      if (wanted.size > 0 && RELATIVES.includes(party)) wanted.add('POPULATION');
      for (const r of wanted) set.add(r);
      related.set(id, set);
    }
  }
  const loaded = await Promise.all([...related].map(async ([id, regs]) => [id, await load(loaders, id, regs)] as const));
  for (const [id, recs] of loaded) {
    records.set(id, recs);
    const p = recs.person;
    if (p && !(p instanceof Error) && deceasedOn(p.dateOfDeath, today)) deceased.add(id);
  }

  const disclosed: PrefillResult['disclosed'] = new Map();
  const note = (id: string, path: string, registry: RegistryName | null) => {
    const entry = disclosed.get(id) ?? { fields: new Set<string>(), registries: new Set<RegistryName>() };
    entry.fields.add(path);
    if (registry) entry.registries.add(registry);
    disclosed.set(id, entry);
  };
  const personOf = (id: string) => {
    const p = records.get(id)?.person;
    return p instanceof Error ? null : (p ?? null);
  };

  type Read = Pick<FormColumn, 'transform'> & SourceRead;
  type Found = Pick<PrefilledValue, 'value' | 'status' | 'provenance' | 'note'>;
  // Every value is built by these two, with its properties in one order: a form makes hundreds
  // of them per request, and objects spread from differently shaped ones are slow to copy.
  const missing = (status: PrefillStatus, note: string | null = null): Found => ({ value: null, status, provenance: null, note });
  const prefilled = (key: string, label: string, found: Found, editable: boolean, options: string[] | null = null): PrefilledValue => ({
    key,
    label,
    value: found.value,
    editable,
    status: found.status,
    provenance: found.provenance,
    note: found.note,
    options,
    rows: null,
  });

  /** One value of one citizen, as the form writes it. */
  const valueFor = (id: string, hop: number, read: Read, field: Pick<FormField, 'document'>): Found => {
    const { source, path, transform, registry } = read;
    if (!permitted(hop, read)) return missing('NOT_PERMITTED');
    if (!registry) {
      note(id, path, null);
      return { value: id, status: 'FILLED', provenance: null, note: null };
    }
    // Relationships to the head are all in the subject's household record.
    const record = source.kind === 'relationshipToHead' ? subject.residence : records.get(id)?.[RECORD_OF[registry]];
    if (record instanceof Error) return missing('REGISTRY_UNAVAILABLE');
    if (!record) return missing('NOT_IN_REGISTRY');
    let raw: unknown = null;
    let provenance: ProvenanceRecord = record.provenance;
    let remark: string | null = null;
    switch (source.kind) {
      case 'person':
        raw = (record as PersonRecord)[source.field as keyof PersonRecord];
        break;
      case 'residence':
        raw = residenceOn(record as ResidenceRecord, today)[source.field as keyof ResidenceRecord];
        break;
      case 'history':
        break;
      case 'relationshipToHead': {
        const household = residence?.household;
        raw = household?.members.find((m) => m.personalId === id)?.relationshipToHead ?? null;
        if (household) provenance = household.provenance;
        break;
      }
      case 'document': {
        const docs = documentsOfType(record as HolderDocuments, source.type, today, personOf(id)?.dateOfDeath ?? null);
        const pick = field.document === 'LATEST' ? docs[0] : (docs.find((d) => d.status === 'VALID') ?? null);
        if (!pick) {
          const newest = docs[0];
          if (!newest) return missing('NOT_IN_REGISTRY');
          // Held, but none in force today: no expired, revoked or dissolved document passes for the current one.
          note(id, `${path}.status`, registry);
          return missing('NOT_CURRENT', `${documentName(newest.doc)} ${NOT_IN_FORCE[newest.status as Exclude<DocumentStatusOnDay, 'VALID'>]}`);
        }
        raw = source.part ? pick.doc[source.part] : pick.doc;
        provenance = pick.doc.provenance;
        if (pick.status !== 'VALID') remark = `${documentName(pick.doc)} ${NOT_IN_FORCE[pick.status]}`;
        break;
      }
    }
    const value = Array.isArray(raw) ? (raw.length > 0 ? raw.join(', ') : null) : applyTransform(transform, raw);
    if (value === null) return missing('NOT_IN_REGISTRY');
    note(id, path, registry);
    if (remark) note(id, `${path}.status`, registry);
    return { value, status: 'FILLED', provenance, note: remark };
  };

  const fill = (f: FormField): PrefilledValue => {
    if (f.columns) return table(f);
    if (!f.source || !f.coordinate || !f.path) return prefilled(f.key, f.label, missing('TO_BE_TYPED'), true);
    const main: Read = { source: f.source, coordinate: f.coordinate, registry: f.registry, path: f.path, transform: f.transform };
    const id = partyIds[f.party][0];
    if (!id) {
      // No such relative on record, or the record naming them could not be read.
      const unreadable = (HOUSEHOLD.includes(f.party) ? subject.residence : subject.person) instanceof Error;
      const status = !permitted(f.party === 'APPLICANT' || f.party === 'LEGAL_REPRESENTATIVE' ? 0 : 1, main) ? 'NOT_PERMITTED' : unreadable ? 'REGISTRY_UNAVAILABLE' : 'NOT_IN_REGISTRY';
      return prefilled(f.key, f.label, missing(status), true);
    }
    const hop = hopOf(f.party, id);
    if (deceased.has(id) && RELATIVES.includes(f.party)) {
      // Known from the subject's own record (widowed) or the relative's (date of death).
      if (!spouseDied || id !== spouse) note(id, 'person.dateOfDeath', 'POPULATION');
      if (f.whenDeceased === 'OMIT') return prefilled(f.key, f.label, missing('DECEASED', DECEASED_NOTE), true);
    }
    let found = valueFor(id, hop, main, f);
    const choices = found.status === 'FILLED' && found.value ? [found.value] : [];
    for (const alt of f.alternatives) {
      const other = valueFor(id, hop, { ...alt, transform: f.transform }, f);
      if (other.status !== 'FILLED' || !other.value || choices.includes(other.value)) continue;
      choices.push(other.value);
      if (found.status !== 'FILLED') found = other;
    }
    const remark = found.note ?? (deceased.has(id) && found.status === 'FILLED' ? DECEASED_NOTE : null);
    return prefilled(f.key, f.label, { value: found.value, status: found.status, provenance: found.provenance, note: remark }, f.editable || found.status !== 'FILLED', choices.length > 1 ? choices : null);
  };

  const cellsOf = (id: string, hop: number, columns: FormColumn[], value: (c: FormColumn) => Found): PrefilledValue[] =>
    columns.map((c) => {
      if (!c.source) return prefilled(c.key, c.label, missing('TO_BE_TYPED'), true);
      const found = value(c);
      return prefilled(c.key, c.label, found, c.editable || found.status !== 'FILLED');
    });

  const table = (f: FormField): PrefilledValue => {
    const columns = f.columns as FormColumn[];
    const base = { key: f.key, label: f.label, value: null, editable: f.editable, note: null, options: null };
    if (subject.residence instanceof Error) return { ...base, status: 'REGISTRY_UNAVAILABLE', provenance: null, rows: [] };
    if (f.party === 'APPLICANT') {
      const rows = historyRows(f, columns);
      if (rows === null) return { ...base, status: 'NOT_IN_REGISTRY', provenance: null, rows: [] };
      return { ...base, status: 'FILLED', provenance: subject.residence?.provenance ?? null, rows };
    }
    if (!residence?.household) return { ...base, status: 'NOT_IN_REGISTRY', provenance: null, rows: [] };
    const members = partyIds.HOUSEHOLD_MEMBERS.filter((id) => f.defaultRows === 'ALL' || id !== subjectId);
    const rows = members.map((id) => ({
      included: f.defaultRows === 'ALL',
      cells: cellsOf(id, hopOf('HOUSEHOLD_MEMBERS', id), columns, (c) => valueFor(id, hopOf('HOUSEHOLD_MEMBERS', id), c as Read, f)),
    }));
    return { ...base, status: 'FILLED', provenance: residence.household.provenance, rows };
  };

  /** The applicant's registrations running on or after the birthday the table starts at, oldest first. */
  const historyRows = (f: FormField, columns: FormColumn[]): PrefilledRow[] | null => {
    const record = subject.residence;
    if (!record || record instanceof Error || !person) return null;
    if (!may(0, 'Residence.history')) return null;
    const since = f.historySinceAge === null ? null : sinceBirthday(person.dateOfBirth, f.historySinceAge);
    const shown = record.history.filter(
      (r) => (since === null || r.to === null || r.to >= since) && r.from <= today,
    );
    if (shown.length === 0) return null;
    note(subjectId, 'residence.history', 'RESIDENCE');
    return shown.map((r) => ({ included: true, cells: cellsOf(subjectId, 0, columns, (c) => historyCell(r, c, since)) }));
  };

  const historyCell = (r: RegistrationRecord, c: FormColumn, since: string | null): Found => {
    const part = c.source?.kind === 'history' ? c.source.part : null;
    // A registration begun before the table's first day is shown from that day, as the form asks.
    const raw = part === 'from' ? (since && r.from < since ? since : r.from) : part === 'to' ? r.to : part === 'address' ? r.address : null;
    const value = part === 'to' && r.to === null ? 'nay' : applyTransform(c.transform, raw);
    return value === null ? missing('NOT_IN_REGISTRY') : { value, status: 'FILLED', provenance: (subject.residence as ResidenceRecord).provenance, note: null };
  };

  const fields = form.fields.map(fill);
  return {
    formId: form.id,
    subjectId,
    fields,
    missing: fields.filter((f) => f.status !== 'FILLED' && f.status !== 'TO_BE_TYPED').map((f) => f.key),
    disclosed,
  };
}

/** Refuses a subject outside the ages the form is for. */
function checkAge(form: FormDefinition, person: PersonRecord, today: string): void {
  const age = ageOn(person.dateOfBirth, today);
  const { min, below, otherwise } = form.subjectAge;
  const instead = otherwise ? `; use ${otherwise}` : '';
  const insteadVi = otherwise ? `; hãy dùng tờ khai ${otherwise}` : '';
  if (min !== null && age < min) {
    throw new IneligibleSubjectError(bilingual(`${form.id} is for subjects aged ${min} or over${instead}`, `tờ khai ${form.id} dành cho người từ đủ ${min} tuổi trở lên${insteadVi}.`));
  }
  if (below !== null && age >= below) {
    throw new IneligibleSubjectError(bilingual(`${form.id} is for subjects under ${below}${instead}`, `tờ khai ${form.id} dành cho người dưới ${below} tuổi${insteadVi}.`));
  }
}

