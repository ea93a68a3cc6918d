import { legacyProvince, province } from '../src/domain/provinces';
import { createCorrectionsDesk, type CorrectionTarget } from './createCorrectionsDesk';
import { createRegistryServer, errorReply, type Reply, type RegistryServer, type Route } from './createRegistryServer';
import { UNITS_AS_OF } from './data/randomAddress';
import { MOCK_DOCUMENT_STATUSES, type MockAddress, type MockDataset, type MockDocument, type MockDocumentStatus, type MockHousehold, type MockPerson, type MockRegistration, type MockResidence } from './data/types';

/** Registries answer 400 for anything that is not 12 ASCII digits; they know nothing of provinces. */
const ID = /^[0-9]{12}$/;
const HOUSEHOLD_ID = /^HK[0-9]{10}$/;
/** Most IDs a batch endpoint accepts in one call. */
export const MAX_BATCH = 200;

export interface RegistryOptions {
  latency?: { minMs: number; maxMs: number };
}

type BatchResult = { found: unknown[]; notFound: string[] } | Reply;

/** Validates a batch body `{ [field]: string[] }` and looks each ID up. */
function batch(body: unknown, field: string, valid: RegExp, lookup: (id: string) => unknown | undefined): BatchResult {
  const ids = (body as Record<string, unknown> | undefined)?.[field];
  if (!Array.isArray(ids) || ids.length === 0) {
    return errorReply(400, 'INVALID_ARGUMENT', `body must be {"${field}": [...]} with at least one ID`);
  }
  if (ids.length > MAX_BATCH) return errorReply(400, 'INVALID_ARGUMENT', `at most ${MAX_BATCH} IDs per call`);
  const bad = ids.findIndex((id) => typeof id !== 'string' || !valid.test(id));
  if (bad >= 0) return errorReply(400, 'INVALID_ARGUMENT', `${field}[${bad}] is malformed`);
  const found: unknown[] = [];
  const notFound: string[] = [];
  for (const id of new Set(ids as string[])) {
    const record = lookup(id);
    if (record === undefined) notFound.push(id);
    else found.push(record);
  }
  return { found, notFound };
}

function single(id: string | undefined, valid: RegExp, lookup: (id: string) => unknown | undefined, what: string): Reply {
  if (!id || !valid.test(id)) return errorReply(400, 'INVALID_ARGUMENT', `malformed ${what} ID`);
  const record = lookup(id);
  return record === undefined ? errorReply(404, 'NOT_FOUND', `${what} not found`) : { status: 200, body: record };
}

function isReply(r: BatchResult): r is Reply {
  return 'status' in r;
}

// ---------------------------------------------------------------- population

function citizenResource(d: MockDataset, p: MockPerson): unknown {
  const relative = (relation: string, id: string | null) => {
    const r = id ? d.people.get(id) : undefined;
    return r ? [{ relation, personalId: r.id, fullName: r.fullName }] : [];
  };
  return {
    personalId: p.id,
    legacyIdNumber: p.legacyIdNumber,
    name: { full: p.fullName, others: p.otherNames },
    sex: p.gender === 'MALE' ? 'M' : 'F',
    birth: { date: p.dateOfBirth, place: p.placeOfBirth, province: birthProvince(p), registrationPlace: p.birthRegistrationPlace },
    hometown: p.hometown,
    ethnicity: p.ethnicity,
    religion: p.religion,
    nationality: p.nationality,
    bloodType: p.bloodType,
    maritalStatus: p.maritalStatus,
    death: p.dateOfDeath ? { date: p.dateOfDeath } : null,
    relatives: [
      ...relative('FATHER', p.fatherId),
      ...relative('MOTHER', p.motherId),
      ...relative('SPOUSE', p.spouseId),
      ...p.childrenIds.flatMap((c) => relative('CHILD', c)),
    ],
    contact: { mobile: p.phone, email: p.email },
    updatedAt: p.updatedAt,
  };
}

/**
 * The province of birth in today's units: the place of birth is recorded at province level in
 * the 63-province units (the ID prefix's), and each of those merged whole into one of the 34
 * (Nghị quyết 202/2025/QH15), so the mapping is exact.
 */
function birthProvince(p: MockPerson): { code: string; name: string; unitsAsOf: string } | null {
  const merged = province(legacyProvince(p.birthProvinceCode)?.mergedInto ?? '');
  return merged ? { code: merged.code, name: merged.fullName, unitsAsOf: UNITS_AS_OF } : null;
}

/** The national population database: one resource per citizen. */
export function createPopulationRegistry(d: MockDataset, options: RegistryOptions = {}): RegistryServer {
  const lookup = (id: string) => {
    const p = d.people.get(id);
    return p && citizenResource(d, p);
  };
  const routes: Route[] = [
    {
      method: 'GET',
      name: 'citizens.get',
      pattern: /^\/v1\/citizens\/([^/]+)$/,
      handle: ({ params }) => single(params[0], ID, lookup, 'citizen'),
    },
    {
      method: 'POST',
      name: 'citizens.batchGet',
      pattern: /^\/v1\/citizens:batchGet$/,
      handle: ({ body }) => {
        const r = batch(body, 'ids', ID, lookup);
        return isReply(r) ? r : { status: 200, body: { citizens: r.found, notFound: r.notFound } };
      },
    },
  ];
  const adminRoutes: Route[] = [
    { method: 'GET', name: '__personas', pattern: /^\/__personas$/, handle: () => ({ status: 200, body: { personas: d.personas } }) },
    {
      // A registrar's correction, e.g. a new phone number: the record changes and subscribers are told.
      method: 'PATCH',
      name: '__admin.citizens.update',
      pattern: /^\/__admin\/citizens\/([^/]+)$/,
      handle: ({ params, body, notify }) => {
        const p = d.people.get(params[0] ?? '');
        if (!p) return errorReply(404, 'NOT_FOUND', 'citizen not found');
        const patch = (body ?? {}) as Record<string, unknown>;
        const allowed = ['fullName', 'phone', 'email', 'dateOfDeath'] as const;
        const keys = Object.keys(patch);
        if (keys.length === 0 || keys.some((k) => !(allowed as readonly string[]).includes(k) || (patch[k] !== null && (typeof patch[k] !== 'string' || (patch[k] as string).length > 200)))) {
          return errorReply(400, 'INVALID_ARGUMENT', `patch only ${allowed.join(', ')}, as strings of at most 200 characters`);
        }
        if ('fullName' in patch) {
          if (typeof patch.fullName !== 'string' || patch.fullName.trim() === '') return errorReply(400, 'INVALID_ARGUMENT', 'fullName cannot be empty');
          p.fullName = patch.fullName;
        }
        const now = new Date().toISOString();
        const changed = [p.id];
        if ('dateOfDeath' in patch) {
          const on = patch.dateOfDeath;
          if (typeof on !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(on) || on < p.dateOfBirth || on > now.slice(0, 10) || p.dateOfDeath) {
            return errorReply(400, 'INVALID_ARGUMENT', 'dateOfDeath must be a yyyy-mm-dd date between the birth and today, for a citizen not already deceased');
          }
          // A death recorded by the civil-status office: the record closes and a living spouse becomes widowed.
          p.dateOfDeath = on;
          p.phone = null;
          p.email = null;
          const spouse = p.spouseId ? d.people.get(p.spouseId) : undefined;
          if (spouse && !spouse.dateOfDeath && spouse.maritalStatus === 'MARRIED') {
            spouse.maritalStatus = 'WIDOWED';
            spouse.updatedAt = now;
            changed.push(spouse.id);
          }
        }
        if ('phone' in patch) p.phone = patch.phone as string | null;
        if ('email' in patch) p.email = patch.email as string | null;
        p.updatedAt = now;
        notify(changed);
        return { status: 200, body: citizenResource(d, p) };
      },
    },
  ];
  const desk = createCorrectionsDesk({
    owns: (field) => field.startsWith('Person.'),
    knows: ({ personalId }) => d.people.has(personalId),
    apply: ({ personalId, field }, value) => {
      const p = d.people.get(personalId);
      const set = PERSON_FIELDS[field];
      if (!p) return { error: 'no such citizen' };
      if (!set) return { error: 'this field is not corrected at this desk: reject the request with a reason' };
      const error = set(p, value);
      if (error) return { error };
      p.updatedAt = new Date().toISOString();
      return { changed: [p.id] };
    },
  });
  return createRegistryServer({ name: 'population', routes: [...routes, ...desk.routes], adminRoutes: [...adminRoutes, ...desk.adminRoutes], latency: options.latency });
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const setText = <T>(write: (record: T, value: string) => void) => (record: T, value: string) => {
  write(record, value);
  return null;
};
const setDate = <T>(write: (record: T, value: string) => void) => (record: T, value: string) => {
  if (!ISO_DATE.test(value)) return 'a date is written yyyy-mm-dd';
  write(record, value);
  return null;
};
const setOneOf = <T, V extends string>(values: readonly V[], write: (record: T, value: V) => void) => (record: T, value: string) => {
  if (!values.includes(value as V)) return `one of ${values.join(', ')}`;
  write(record, value as V);
  return null;
};

/**
 * The fields of a citizen's record an officer can correct at the population registry's
 * desk, by the gateway's names; others (the province of birth, derived from the place; a
 * death, recorded by the civil-status office) are corrected by other procedures.
 */
const PERSON_FIELDS: Readonly<Record<string, (p: MockPerson, value: string) => string | null>> = {
  'Person.fullName': setText((p, v) => (p.fullName = v)),
  'Person.dateOfBirth': setDate((p, v) => (p.dateOfBirth = v)),
  'Person.gender': setOneOf(['MALE', 'FEMALE'] as const, (p, v) => (p.gender = v)),
  'Person.placeOfBirth': setText((p, v) => (p.placeOfBirth = v)),
  'Person.birthRegistrationPlace': setText((p, v) => (p.birthRegistrationPlace = v)),
  'Person.hometown': setText((p, v) => (p.hometown = v)),
  'Person.ethnicity': setText((p, v) => (p.ethnicity = v)),
  'Person.religion': setText((p, v) => (p.religion = v)),
  'Person.nationality': setText((p, v) => (p.nationality = v)),
  'Person.bloodType': setText((p, v) => (p.bloodType = v)),
  'Person.legacyIdNumber': setText((p, v) => (p.legacyIdNumber = v)),
  'Person.maritalStatus': setOneOf(['SINGLE', 'MARRIED', 'DIVORCED', 'WIDOWED'] as const, (p, v) => (p.maritalStatus = v)),
  'Person.phoneNumber': setText((p, v) => (p.phone = v)),
  'Person.email': setText((p, v) => (p.email = v)),
  'Person.placeOfBirthProvince': () => 'the province of birth follows from the place of birth: correct that instead',
  'Person.dateOfDeath': () => 'a death is recorded by the civil-status office, not corrected here',
};

// ----------------------------------------------------------------- residence

/**
 * An address in the units of its time. Current units carry codes and `unitsAsOf`; an address
 * written before 2025-07-01 names its district and carries no codes (this registry keeps no
 * legacy unit codes) and no `unitsAsOf`.
 */
function addressResource(a: MockAddress, form: 'CURRENT' | 'LEGACY' = 'CURRENT'): unknown {
  if (form === 'LEGACY') {
    return {
      line: a.line,
      commune: { code: null, name: a.legacy.communeName },
      district: { code: null, name: a.legacy.districtName },
      province: { code: null, name: a.legacy.provinceName },
      unitsAsOf: null,
    };
  }
  return {
    line: a.line,
    commune: { code: a.communeCode, name: a.communeName },
    district: null,
    province: { code: a.provinceCode, name: a.provinceName },
    unitsAsOf: a.unitsAsOf,
  };
}

/** A past or current registration; one that ended before the 2025 reorganisation keeps the units it was made in. */
function registrationResource(r: MockRegistration): unknown {
  return { kind: r.kind, address: addressResource(r.address, r.to !== null && r.to < UNITS_AS_OF ? 'LEGACY' : 'CURRENT'), from: r.from, to: r.to };
}

function householdResource(d: MockDataset, h: MockHousehold): unknown {
  const name = (id: string) => d.people.get(id)?.fullName ?? null;
  return {
    householdId: h.id,
    head: { personalId: h.headId, fullName: name(h.headId) },
    address: addressResource(h.address),
    members: h.members.map((m) => ({ personalId: m.personalId, fullName: name(m.personalId), relationshipToHead: m.relationshipToHead })),
    updatedAt: h.updatedAt,
  };
}

function residentResource(d: MockDataset, r: MockResidence, full: boolean): unknown {
  const household = r.householdId ? d.households.get(r.householdId) : undefined;
  return {
    personalId: r.personalId,
    residenceRecordNumber: r.residenceRecordNumber,
    permanentResidence: r.permanent && { address: addressResource(r.permanent.address), registeredOn: r.permanent.registeredOn },
    temporaryResidence: r.temporary && {
      address: addressResource(r.temporary.address),
      registeredOn: r.temporary.registeredOn,
      expiresOn: r.temporary.expiresOn,
    },
    currentResidence: r.current && { address: addressResource(r.current) },
    deregistration: r.deregistration,
    ...(full ? { history: r.history.map(registrationResource) } : {}),
    household: household
      ? full
        ? { ...(householdResource(d, household) as object), relationshipToHead: r.relationshipToHead }
        : { householdId: household.id, relationshipToHead: r.relationshipToHead }
      : null,
    updatedAt: r.updatedAt,
  };
}

/**
 * The residence database (NĐ 154/2024): a resident resource per citizen and a
 * household resource per household. `view=FULL` embeds the household in the resident,
 * and adds the registration history, so that one call answers all three.
 */
export function createResidenceRegistry(d: MockDataset, options: RegistryOptions = {}): RegistryServer {
  const resident = (full: boolean) => (id: string) => {
    const r = d.residences.get(id);
    return r && residentResource(d, r, full);
  };
  const isFull = (view: unknown) => view === 'FULL';
  const household = (id: string) => {
    const h = d.households.get(id);
    return h && householdResource(d, h);
  };
  const routes: Route[] = [
    {
      method: 'GET',
      name: 'residents.get',
      pattern: /^\/v1\/residents\/([^/]+)$/,
      handle: ({ params, query }) => single(params[0], ID, resident(isFull(query.get('view'))), 'resident'),
    },
    {
      method: 'POST',
      name: 'residents.batchGet',
      pattern: /^\/v1\/residents:batchGet$/,
      handle: ({ body }) => {
        const r = batch(body, 'ids', ID, resident(isFull((body as Record<string, unknown>)?.view)));
        return isReply(r) ? r : { status: 200, body: { residents: r.found, notFound: r.notFound } };
      },
    },
    {
      method: 'GET',
      name: 'households.get',
      pattern: /^\/v1\/households\/([^/]+)$/,
      handle: ({ params }) => single(params[0], HOUSEHOLD_ID, household, 'household'),
    },
    {
      method: 'POST',
      name: 'households.batchGet',
      pattern: /^\/v1\/households:batchGet$/,
      handle: ({ body }) => {
        const r = batch(body, 'ids', HOUSEHOLD_ID, household);
        return isReply(r) ? r : { status: 200, body: { households: r.found, notFound: r.notFound } };
      },
    },
  ];
  const adminRoutes: Route[] = [
    {
      // A change of address of a whole household: every member's records change.
      method: 'PATCH',
      name: '__admin.households.update',
      pattern: /^\/__admin\/households\/([^/]+)$/,
      handle: ({ params, body, notify }) => {
        const h = d.households.get(params[0] ?? '');
        if (!h) return errorReply(404, 'NOT_FOUND', 'household not found');
        const line = (body as Record<string, unknown> | undefined)?.line;
        if (typeof line !== 'string' || line.trim() === '' || line.length > 200) return errorReply(400, 'INVALID_ARGUMENT', 'body must be {"line": "<new address line>"}');
        moveHousehold(d, h, line, new Date().toISOString());
        notify(h.members.map((m) => m.personalId));
        return { status: 200, body: householdResource(d, h) };
      },
    },
  ];
  const desk = createCorrectionsDesk({
    owns: (field) => field.startsWith('Residence.') || field.startsWith('Household.'),
    knows: ({ personalId }) => d.residences.has(personalId),
    apply: ({ personalId, field }, value) => {
      const r = d.residences.get(personalId);
      if (!r) return { error: 'no such resident' };
      const now = new Date().toISOString();
      if (field === 'Household.address') {
        const h = r.householdId ? d.households.get(r.householdId) : undefined;
        if (!h) return { error: 'the resident belongs to no household' };
        moveHousehold(d, h, value, now);
        return { changed: h.members.map((m) => m.personalId) };
      }
      const set = RESIDENCE_FIELDS[field];
      if (!set) return { error: 'this field is not corrected at this desk: reject the request with a reason' };
      const error = set(r, value);
      if (error) return { error };
      r.updatedAt = now;
      return { changed: [r.personalId] };
    },
  });
  return createRegistryServer({ name: 'residence', routes: [...routes, ...desk.routes], adminRoutes: [...adminRoutes, ...desk.adminRoutes], latency: options.latency });
}

/** A resident's address with a corrected line (what precedes the commune); the units stay. */
function withLine(address: MockAddress, line: string): MockAddress {
  return { ...address, line };
}

/** The fields of a resident's record an officer can correct at the residence registry's desk. */
const RESIDENCE_FIELDS: Readonly<Record<string, (r: MockResidence, value: string) => string | null>> = {
  'Residence.permanentAddress': (r, v) => {
    if (!r.permanent) return 'no permanent registration to correct';
    const address = withLine(r.permanent.address, v);
    if (r.current === r.permanent.address) r.current = address;
    r.history = r.history.map((x) => (x.kind === 'PERMANENT' && x.to === null ? { ...x, address } : x));
    r.permanent = { ...r.permanent, address };
    return null;
  },
  'Residence.temporaryAddress': (r, v) => {
    if (!r.temporary) return 'no temporary registration to correct';
    const address = withLine(r.temporary.address, v);
    if (r.current === r.temporary.address) r.current = address;
    r.history = r.history.map((x) => (x.kind === 'TEMPORARY' && x.to === r.temporary?.expiresOn ? { ...x, address } : x));
    r.temporary = { ...r.temporary, address };
    return null;
  },
  'Residence.currentAddress': (r, v) => {
    if (!r.current) return 'no current address to correct';
    r.current = withLine(r.current, v);
    return null;
  },
  'Residence.residenceRecordNumber': setText((r, v) => (r.residenceRecordNumber = v)),
  'Residence.permanentSince': (r, v) => (r.permanent ? setDate<MockResidence>((x, date) => ((x.permanent as NonNullable<MockResidence['permanent']>).registeredOn = date))(r, v) : 'no permanent registration to correct'),
  'Residence.temporarySince': (r, v) => (r.temporary ? setDate<MockResidence>((x, date) => ((x.temporary as NonNullable<MockResidence['temporary']>).registeredOn = date))(r, v) : 'no temporary registration to correct'),
  'Residence.temporaryUntil': (r, v) => (r.temporary ? setDate<MockResidence>((x, date) => ((x.temporary as NonNullable<MockResidence['temporary']>).expiresOn = date))(r, v) : 'no temporary registration to correct'),
};

/** A household's address line changed: every member's permanent address follows it. */
function moveHousehold(d: MockDataset, h: MockHousehold, line: string, now: string): void {
  const address = { ...h.address, line };
  h.address = address;
  h.updatedAt = now;
  for (const m of h.members) {
    const r = d.residences.get(m.personalId);
    if (!r?.permanent) continue;
    if (r.current === r.permanent.address) r.current = address;
    r.permanent = { ...r.permanent, address };
    // A correction of the current registration, not a move: the open history entry follows it.
    r.history = r.history.map((x) => (x.kind === 'PERMANENT' && x.to === null ? { ...x, address } : x));
    r.updatedAt = now;
  }
}

// ----------------------------------------------------------------- documents

function holderResource(holderId: string, docs: MockDocument[]): unknown {
  const updatedAt = docs.reduce((latest, doc) => (doc.updatedAt > latest ? doc.updatedAt : latest), '2025-01-10T00:00:00Z');
  return { holderId, documents: docs, updatedAt };
}

/**
 * The fields of a document an officer can correct at the issued-document registry's desk;
 * its status is changed by its issuer (revoked, reported lost), not by a correction.
 */
const DOCUMENT_FIELDS: Readonly<Record<string, (doc: MockDocument, value: string) => string | null>> = {
  'IssuedDocument.number': setText((doc, v) => (doc.number = v)),
  'IssuedDocument.issuedOn': setDate((doc, v) => (doc.issuedOn = v)),
  'IssuedDocument.issuer': setText((doc, v) => (doc.issuingAuthority = v)),
  'IssuedDocument.validUntil': setDate((doc, v) => (doc.expiresOn = v)),
  'IssuedDocument.title': setText((doc, v) => (doc.title = v)),
};

/** The issued-document registry: what the state has issued to each holder. */
export function createDocumentsRegistry(d: MockDataset, options: RegistryOptions = {}): RegistryServer {
  const lookup = (id: string) => {
    const docs = d.documents.get(id);
    return docs && holderResource(id, docs);
  };
  const routes: Route[] = [
    {
      method: 'GET',
      name: 'holders.documents.list',
      pattern: /^\/v1\/holders\/([^/]+)\/documents$/,
      handle: ({ params }) => single(params[0], ID, lookup, 'holder'),
    },
    {
      method: 'POST',
      name: 'holders.batchGetDocuments',
      pattern: /^\/v1\/holders:batchGetDocuments$/,
      handle: ({ body }) => {
        const r = batch(body, 'holderIds', ID, lookup);
        return isReply(r) ? r : { status: 200, body: { holders: r.found, notFound: r.notFound } };
      },
    },
  ];
  const adminRoutes: Route[] = [
    {
      // A document revoked, reported lost or restored by its issuer.
      method: 'PATCH',
      name: '__admin.documents.update',
      pattern: /^\/__admin\/documents\/([^/]+)$/,
      handle: ({ params, body, notify }) => {
        const { status, reason } = (body ?? {}) as Record<string, unknown>;
        if (!MOCK_DOCUMENT_STATUSES.includes(status as MockDocumentStatus) || (reason !== undefined && (typeof reason !== 'string' || reason.length > 300))) {
          return errorReply(400, 'INVALID_ARGUMENT', `body must be {"status": "${MOCK_DOCUMENT_STATUSES.join('|')}", "reason"?: "<at most 300 characters>"}`);
        }
        for (const [holderId, docs] of d.documents) {
          const doc = docs.find((x) => x.documentId === params[0]);
          if (!doc) continue;
          const now = new Date().toISOString();
          doc.status = status as MockDocumentStatus;
          doc.statusChangedOn = status === 'VALID' ? null : now.slice(0, 10);
          doc.statusReason = status === 'VALID' ? null : ((reason as string | undefined) ?? null);
          doc.updatedAt = now;
          notify([holderId]);
          return { status: 200, body: doc };
        }
        return errorReply(404, 'NOT_FOUND', 'document not found');
      },
    },
  ];
  const held = ({ personalId, documentId }: CorrectionTarget) => d.documents.get(personalId)?.find((x) => x.documentId === documentId);
  const desk = createCorrectionsDesk({
    owns: (field) => field.startsWith('IssuedDocument.'),
    knows: (target) => target.documentId !== null && !!held(target),
    apply: (target, value) => {
      const doc = held(target);
      const set = DOCUMENT_FIELDS[target.field];
      if (!doc) return { error: 'no such document' };
      if (!set) return { error: 'this field is not corrected at this desk (a status is changed by its issuer): reject the request with a reason' };
      const error = set(doc, value);
      if (error) return { error };
      doc.updatedAt = new Date().toISOString();
      return { changed: [target.personalId] };
    },
  });
  return createRegistryServer({ name: 'documents', routes: [...routes, ...desk.routes], adminRoutes: [...adminRoutes, ...desk.adminRoutes], latency: options.latency });
}
