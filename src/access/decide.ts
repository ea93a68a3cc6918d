import type { DocumentType, RegistryName } from '../../connectors/types';
import type { AgencyCaller, CitizenCaller } from '../auth/caller';
import type { FieldGrant, Grant, PolicyCatalogue, Purpose } from '../policy/loadCatalogue';
import { bilingual as bi, type Bilingual } from '../bilingual';
import { CITIZEN_TYPE, type SchemaFacts } from '../schemaFacts/readSchemaFacts';

/**
 * One read of a citizen's data, as the decision judges it:
 * - `reach`: the citizen is reached at all (their existence and relationship), through
 *   `coordinate` (`Query.citizen`, `Person.father`, `Household.members`, ...);
 * - `field`: a field that discloses (`Person.religion`);
 * - `record`: navigation, provenance or `__typename` outside any such field, which
 *   takes the rule of its `record` (Person, Residence, Household, ...);
 * - `owner`: a fact only the data subject may see (`Provenance.fromCache`);
 * - `verify`: a match / no-match comparison with the field, never its value;
 * - `watch`: being told, for as long as a watch lasts, *that* the citizen's records changed
 *   (never the values): allowed when the grant lets the agency read something of the
 *   citizen — a field, or a verification.
 */
export interface Read {
  kind: 'reach' | 'field' | 'record' | 'owner' | 'verify' | 'watch';
  coordinate: string;
  record?: string;
  /** `Citizen.documents`: the types asked for; absent means "what the grant allows". */
  documentTypes?: readonly DocumentType[];
  /** Where it appears: response paths, or form field keys. */
  paths: string[];
}

/** A citizen an operation reaches and what it reads about them. */
export interface SubjectAccess {
  /** 0: the citizen the request names; +1 for each relationship followed. */
  hop: number;
  /** Personal ID of a hop-0 citizen (related citizens are only known once read). */
  id?: string;
  /** Where the citizen appears in the response (or the root field of a form). */
  path: string;
  reads: Read[];
  /**
   * Leave denied reads out instead of refusing the operation: a prefilled form is a
   * bundle the form chose, and the citizen types what is left.
   */
  withholdDenied?: boolean;
  /** The purpose an agency must declare for this subject (a form's purpose, a watch's). */
  purpose?: string;
  /**
   * Refused when the population registry records the subject as deceased: a new watch
   * follows an open case about a living citizen. (Forms, which withhold, are always so.)
   */
  livingOnly?: boolean;
}

/** Everything one operation asks of citizen data, from whichever entry point. */
export interface AccessRequest {
  caller: CitizenCaller | AgencyCaller;
  /** `X-Purpose`, syntactically valid, or null. */
  purpose: string | null;
  /** The input that declared the purpose, named when it is not one: `X-Purpose` unless an argument did (a watch's). */
  purposeField?: string;
  /** Root fields called: their roles and scopes are checked first. */
  rootFields: readonly { coordinate: string; path: string }[];
  subjects: readonly SubjectAccess[];
}

export interface DeniedField {
  path: string;
  field: string;
}

export type DenialRule =
  | 'ROLE'
  | 'SCOPE'
  | 'UNKNOWN_AGENCY'
  | 'NO_GRANT'
  | 'PURPOSE_GRANT'
  | 'FORM_PURPOSE'
  | 'VERIFICATION'
  | 'OWN_RECORD_ONLY'
  | 'RELATIVES_BASIC_IDENTITY'
  | 'GUARDIAN'
  /** The caller's own personal ID belongs to a citizen recorded as deceased: no one acts as them. */
  | 'DECEASED_CALLER'
  /** No form is prefilled or attested, and no watch set, for a citizen recorded as deceased. */
  | 'DECEASED_SUBJECT'
  /** The agency has no notice endpoint in the policy catalogue: it cannot be told of changes. */
  | 'NOTICE_ENDPOINT'
  /** The operation declares another purpose than the watch's own (`X-Purpose`, or another watch's). */
  | 'WATCH_PURPOSE';

/** The operation may go ahead; what the resolvers need to shape the answer. */
export interface Allowed {
  allowed: true;
  /** The purpose acted under: the agency's, or GUARDIAN for a parent. */
  purpose: Purpose | null;
  grant: Grant | null;
  /** Document types each `documents` field returns, by response path (a citizen's own: unfiltered). */
  documentTypes: ReadonlyMap<string, readonly DocumentType[]>;
  /** Whether a read of a withholding subject was left out (a form field left for the citizen to type). */
  withholds(path: string, hop: number, coordinate: string, documentType?: DocumentType): boolean;
}

/** The operation is refused as a whole, before any registry call; a value, not a throw. */
export interface Denied {
  allowed: false;
  code: 'FORBIDDEN' | 'PURPOSE_REQUIRED' | 'CONSENT_REQUIRED' | 'BAD_USER_INPUT' | 'STORE_UNAVAILABLE' | 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_TIMEOUT';
  /** Which rule refused it (FORBIDDEN). */
  rule: DenialRule | null;
  /** In English and Vietnamese. */
  message: Bilingual;
  /** Each denied read, by path, with the field (or relationship) that was denied. */
  denied: DeniedField[];
  /** The purpose the refusal is about. */
  purpose?: string;
  /** BAD_USER_INPUT: the input at fault. */
  field?: string;
  /** UPSTREAM_*: the registry that could not be asked. */
  registry?: RegistryName;
}

export type Decision = Allowed | Denied;

/** A registry that could not answer a lookup the decision needed. */
export interface LookupFailure {
  failed: 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_TIMEOUT';
  registry: RegistryName;
}

/** What the decision may need to look up, per request: consents, guardianship, life. */
export interface DecisionLookups {
  /** Active consents of a citizen to an agency for a purpose; throws when the store is down. */
  consents(subjectId: string, agency: string, purpose: string): Promise<readonly { fields: readonly string[] | null }[]>;
  /**
   * Whether `parentId` is the guardian of `childId` for GUARDIAN reads: their parent,
   * the child under 14, both in one household. Resolves to a failure value when a
   * registry cannot answer.
   */
  guardianOf(parentId: string, childId: string): Promise<boolean | LookupFailure>;
  /** Whether the population registry records this citizen as deceased on the gateway's date. */
  deceased(personalId: string): Promise<boolean | LookupFailure>;
}

export interface DeciderOptions {
  catalogue: PolicyCatalogue;
  facts: SchemaFacts;
}

export type Decide = (request: AccessRequest, lookups: DecisionLookups) => Promise<Decision>;

const GUARDIAN = 'GUARDIAN';

/**
 * The access decision: the one function that decides who may see what, for every entry
 * point (queries, prefill, verification, federation's `_entities`). It judges each read
 * of each citizen an operation reaches, from facts in the SDL (`@roles`,
 * `@requiresScopes`, `@access`) and the policy catalogue (purposes, grants, consents):
 *
 * - **Citizens** read their own record in full — with `X-Purpose: GUARDIAN`, their child
 *   under 14 in the same household too; of a citizen one step away (a parent, spouse,
 *   child or household member) basic identity only (IDENTITY fields, and their being
 *   there); nothing two steps away.
 * - **Agencies** need a purpose in the catalogue, a grant for it, the grant's scope in
 *   the token, and the citizen's consent when the purpose rests on it. They read the
 *   granted fields and document types of the citizen named, and of citizens up to the
 *   grant's `maxHops` steps away; reaching a citizen needs a grant that covers that
 *   step; provenance and navigation need some granted field of their record. A watch
 *   (being told that a citizen's records changed) needs some read of the citizen the
 *   grant allows, a notice endpoint in the catalogue, and — when set — a living subject.
 *
 * A refusal names every denied path and refuses the whole operation, except for
 * subjects that withhold (forms), whose denied reads are left out.
 */
export function createDecider(options: DeciderOptions): Decide {
  const { catalogue, facts } = options;
  /** Record types and whether each has an IDENTITY field (what citizens see of relatives). */
  const identityRecords = new Set<string>([CITIZEN_TYPE]);
  for (const c of facts.citizenFields) if (facts.rule(c) === 'IDENTITY') identityRecords.add(c.slice(0, c.indexOf('.')));

  return async (request, lookups) => {
    const { caller } = request;
    const role = caller.kind === 'citizen' ? 'CITIZEN' : 'AGENCY';
    const wrongRole = request.rootFields.filter((f) => !(facts.roles(f.coordinate) ?? []).includes(role));
    if (wrongRole.length > 0) {
      return denied('FORBIDDEN', 'ROLE', bi(`${wrongRole.map((f) => f.coordinate).join(', ')} cannot be called with ${role.toLowerCase()} tokens`, role === 'CITIZEN' ? 'Tài khoản công dân không dùng được chức năng này.' : 'Tài khoản cán bộ không dùng được chức năng này.'), {
        denied: wrongRole.map((f) => ({ path: f.path, field: f.coordinate })),
      });
    }
    const scopes = caller.kind === 'agency' ? caller.scopes : [];
    for (const f of request.rootFields) {
      const missing = facts.requiredScopes(f.coordinate).filter((s) => !scopes.includes(s));
      if (missing.length > 0) {
        return denied('FORBIDDEN', 'SCOPE', bi(`${f.coordinate} needs the scope "${missing.join('", "')}"`, `Tài khoản cán bộ thiếu quyền “${missing.join('”, “')}” cần cho chức năng này.`), { denied: [{ path: f.path, field: f.coordinate }] });
      }
    }
    return caller.kind === 'citizen' ? decideForCitizen(request, caller, lookups) : decideForAgency(request, caller, lookups);
  };

  async function decideForCitizen(request: AccessRequest, caller: CitizenCaller, lookups: DecisionLookups): Promise<Decision> {
    if (request.purpose !== null && request.purpose !== GUARDIAN) {
      return denied('BAD_USER_INPUT', null, bi("citizen tokens declare no purpose, except GUARDIAN to read their own child's record", 'công dân không khai báo mục đích (X-Purpose), trừ GUARDIAN khi tra cứu thông tin của con mình dưới 14 tuổi.'), { field: 'X-Purpose' });
    }
    const others = request.subjects.filter((s) => s.hop === 0 && s.id !== undefined && s.id !== caller.personalId);
    if (others.length > 0 && request.purpose !== GUARDIAN) {
      return denied('FORBIDDEN', 'OWN_RECORD_ONLY', bi('A citizen token may only read its own record', 'Tài khoản công dân chỉ được xem thông tin của chính mình.'), {
        denied: others.map((s) => ({ path: s.path, field: s.reads.find((r) => r.kind === 'reach')?.coordinate ?? 'Query.citizen' })),
      });
    }
    const withheld = new Set<string>();
    const refused: DeniedField[] = [];
    for (const s of request.subjects) {
      // A form leaves out everything about a relative it may not reach.
      const unreachable = !!s.withholdDenied && s.reads.some((r) => r.kind === 'reach' && !citizenMay(s.hop, r));
      const formRelative = s.withholdDenied && s.hop === 1 ? formRelativeFields(s) : null;
      for (const r of s.reads) {
        if (!unreachable && (citizenMay(s.hop, r) || (r.kind === 'field' && !!formRelative?.has(r.coordinate)))) continue;
        if (s.withholdDenied) withheld.add(readKey(s.path, s.hop, r.coordinate, r.documentTypes?.[0]));
        else refused.push(...deniedFields(r));
      }
    }
    if (refused.length > 0) {
      return denied('FORBIDDEN', 'RELATIVES_BASIC_IDENTITY', bi('A citizen token may read only the basic identity of their household members and close relatives', 'Tài khoản công dân chỉ được xem thông tin nhân thân cơ bản (họ tên, ngày sinh, giới tính, số định danh, quan hệ với chủ hộ) của thành viên hộ gia đình và cha, mẹ, vợ, chồng, con; không xem được gì xa hơn.'), {
        denied: refused,
      });
    }
    for (const child of new Set(others.map((s) => s.id as string))) {
      const guardian = await lookups.guardianOf(caller.personalId, child);
      if (guardian === true) continue;
      if (guardian !== false) return denied(guardian.failed, null, bi('The registry needed to confirm guardianship cannot answer', 'Cơ sở dữ liệu cần để xác minh quan hệ cha mẹ – con không phản hồi; vui lòng thử lại sau.'), { registry: guardian.registry });
      return denied('FORBIDDEN', 'GUARDIAN', bi('GUARDIAN lets a parent read only their own child under 14 who lives in the same household', 'Cha, mẹ chỉ được tra cứu thông tin của con mình dưới 14 tuổi đang sống cùng hộ gia đình.'), {
        denied: others.filter((s) => s.id === child).map((s) => ({ path: s.path, field: 'Query.citizen' })),
      });
    }
    // Last, once the policy allows the operation (refusals ask no registry): a token naming a
    // citizen who has died acts for no one (a stolen or stale session).
    const dead = await lookups.deceased(caller.personalId);
    if (dead !== false) {
      if (dead !== true) return denied(dead.failed, null, bi('The population registry, needed to confirm who is calling, cannot answer', 'Cơ sở dữ liệu quốc gia về dân cư, cần để xác minh người đang dùng tài khoản, không phản hồi; vui lòng thử lại sau.'), { registry: dead.registry });
      return denied('FORBIDDEN', 'DECEASED_CALLER', bi('This personal ID belongs to a citizen recorded as deceased: no one can act as them', 'Số định danh cá nhân này thuộc về công dân đã được ghi nhận là đã mất: không ai được dùng để thực hiện thủ tục thay họ.'));
    }
    const deceased = await deceasedSubject(request, lookups);
    if (deceased) return deceased;
    const purpose = request.purpose === GUARDIAN ? (catalogue.purposes.get(GUARDIAN) ?? null) : null;
    return allowed(purpose, null, new Map(), withheld);
  }

  /** A form is never prefilled, nor attested, nor a watch set, for a citizen who has died. */
  async function deceasedSubject(request: AccessRequest, lookups: DecisionLookups): Promise<Denied | null> {
    for (const s of request.subjects) {
      if (s.hop !== 0 || !s.id || !(s.withholdDenied || s.livingOnly)) continue;
      const dead = await lookups.deceased(s.id);
      if (dead === false) continue;
      if (dead !== true) return denied(dead.failed, null, bi('The population registry, needed to confirm the citizen is alive, cannot answer', 'Cơ sở dữ liệu quốc gia về dân cư, cần để xác minh tình trạng của công dân, không phản hồi; vui lòng thử lại sau.'), { registry: dead.registry });
      const watch = s.reads.find((r) => r.kind === 'watch');
      if (watch) {
        return denied('FORBIDDEN', 'DECEASED_SUBJECT', bi('This citizen is recorded as deceased: no watch is set for them (their record can still be read under the grant)', 'Công dân này đã được ghi nhận là đã mất: không đăng ký theo dõi thay đổi cho người đã mất (vẫn có thể tra cứu hồ sơ theo quyền được cấp).'), {
          denied: [{ path: s.path, field: watch.coordinate }],
        });
      }
      return denied('FORBIDDEN', 'DECEASED_SUBJECT', bi('This citizen is recorded as deceased: no form is prefilled or attested for them', 'Công dân này đã được ghi nhận là đã mất: không điền sẵn, không xác nhận tờ khai cho người đã mất.'), {
        denied: [{ path: s.path, field: 'Query.prefill' }],
      });
    }
    return null;
  }

  /**
   * What a form of the subject's purpose lets a citizen see of this relative beyond basic
   * identity, when the relative is reached through one of the purpose's relationships.
   */
  function formRelativeFields(s: SubjectAccess): ReadonlySet<string> | null {
    const allowedFor = s.purpose ? catalogue.purposes.get(s.purpose)?.citizenRelatives : null;
    if (!allowedFor) return null;
    const via = s.reads.find((r) => r.kind === 'reach')?.coordinate;
    return via && allowedFor.via.has(via) ? allowedFor.fields : null;
  }

  /** Own record (hop 0) in full; one step away basic identity; nothing further. */
  function citizenMay(hop: number, r: Read): boolean {
    if (r.kind === 'verify' || r.kind === 'watch') return false;
    if (hop === 0) return true;
    if (hop > 1 || r.kind === 'owner') return false;
    if (r.kind === 'reach') return true;
    if (r.kind === 'record') return identityRecords.has(r.record ?? CITIZEN_TYPE);
    return facts.rule(r.coordinate) === 'IDENTITY';
  }

  async function decideForAgency(request: AccessRequest, caller: AgencyCaller, lookups: DecisionLookups): Promise<Decision> {
    if (request.subjects.length === 0) return allowed(null, null, new Map(), new Set());
    if (!request.purpose) {
      return denied('PURPOSE_REQUIRED', null, bi('Agency requests that read citizen data must declare a purpose in the X-Purpose header', 'Cơ quan phải khai báo mục đích sử dụng dữ liệu (tiêu đề X-Purpose) khi tra cứu thông tin công dân.'), { field: 'X-Purpose' });
    }
    const purpose = catalogue.purposes.get(request.purpose);
    if (!purpose) {
      const field = request.purposeField ?? 'X-Purpose';
      return denied('BAD_USER_INPUT', null, bi('not a purpose in the policy catalogue (see the purposes query)', `mục đích khai báo (${field}) không có trong danh mục mục đích sử dụng dữ liệu.`), { field });
    }
    // A watch names its purpose itself: the operation declares no other (whatever the agency may do under either).
    const otherPurpose = request.subjects.find((s) => s.purpose !== undefined && s.purpose !== purpose.code && s.reads.some((r) => r.kind === 'watch'));
    if (otherPurpose) {
      return denied('FORBIDDEN', 'WATCH_PURPOSE', bi(`This watch is for the purpose ${otherPurpose.purpose}, but the operation declares ${purpose.code}: one purpose per operation`, `Yêu cầu theo dõi này dành cho mục đích ${otherPurpose.purpose}, nhưng thao tác khai báo mục đích ${purpose.code}: mỗi thao tác chỉ dùng một mục đích.`), {
        purpose: purpose.code,
        denied: otherPurpose.reads.flatMap(deniedFields),
      });
    }
    const agency = catalogue.agencies.get(caller.agency);
    if (!agency) return denied('FORBIDDEN', 'UNKNOWN_AGENCY', bi(`Agency ${caller.agency} is not in the policy catalogue`, `Cơ quan ${caller.agency} không có trong danh mục cơ quan được chia sẻ dữ liệu.`));
    const grant = catalogue.grant(agency.code, purpose.code);
    if (!grant) return denied('FORBIDDEN', 'NO_GRANT', bi(`${agency.name} has no grant for "${purpose.title}"`, `${agency.name} không được cấp quyền sử dụng dữ liệu cho mục đích “${purpose.title}”.`), { purpose: purpose.code });
    if (!caller.scopes.includes(grant.scope)) {
      return denied('FORBIDDEN', 'SCOPE', bi(`The token lacks the scope "${grant.scope}" that "${purpose.title}" requires`, `Tài khoản cán bộ thiếu quyền “${grant.scope}” mà mục đích “${purpose.title}” yêu cầu.`), { purpose: purpose.code });
    }
    const watches = request.subjects.flatMap((s) => s.reads.filter((r) => r.kind === 'watch').flatMap(deniedFields));
    if (watches.length > 0 && !agency.noticeEndpoint) {
      return denied('FORBIDDEN', 'NOTICE_ENDPOINT', bi(`${agency.name} has no notice endpoint in the policy catalogue, so it cannot be told of changes`, `${agency.name} chưa đăng ký địa chỉ nhận thông báo trong danh mục chính sách nên không thể nhận thông báo thay đổi.`), {
        purpose: purpose.code,
        denied: watches,
      });
    }
    const formPurpose = request.subjects.find((s) => s.purpose !== undefined && s.purpose !== purpose.code);
    if (formPurpose) {
      return denied('FORBIDDEN', 'FORM_PURPOSE', bi(`This form is prefilled under the purpose ${formPurpose.purpose}, not ${purpose.code}`, `Tờ khai này chỉ được điền sẵn cho mục đích ${formPurpose.purpose}, không phải ${purpose.code}.`), {
        purpose: purpose.code,
        denied: [{ path: formPurpose.path, field: 'Query.prefill' }],
      });
    }
    const verifications = request.subjects.flatMap((s) => s.reads.filter((r) => r.kind === 'verify'));
    if (verifications.length > 0 && !grant.verification) {
      return denied('FORBIDDEN', 'VERIFICATION', bi(`"${purpose.title}" does not allow verification`, `Mục đích “${purpose.title}” không cho phép đối chiếu thông tin.`), { purpose: purpose.code, denied: verifications.flatMap(deniedFields) });
    }

    const refused: DeniedField[] = [];
    const withheld = new Set<string>();
    const documentTypes = new Map<string, readonly DocumentType[]>();
    const consentFields = new Map<string, Set<string>>();
    for (const s of request.subjects) {
      const scope = grantAt(grant, s.hop);
      const unreachable = !!s.withholdDenied && s.reads.some((r) => r.kind === 'reach' && !agencyMay(grant, scope, s.hop, r));
      for (const r of s.reads) {
        if (unreachable || !agencyMay(grant, scope, s.hop, r)) {
          if (s.withholdDenied) withheld.add(readKey(s.path, s.hop, r.coordinate, r.documentTypes?.[0]));
          else refused.push(...deniedFields(r));
          continue;
        }
        if (r.coordinate === 'Citizen.documents' && r.kind === 'field') {
          for (const path of r.paths) documentTypes.set(path, r.documentTypes ?? [...(scope as FieldGrant).documentTypes]);
        }
        if (s.hop === 0 && s.id && (r.kind === 'field' || r.kind === 'verify')) {
          const set = consentFields.get(s.id) ?? new Set<string>();
          set.add(r.coordinate);
          consentFields.set(s.id, set);
        } else if (s.hop === 0 && s.id && !consentFields.has(s.id)) {
          consentFields.set(s.id, new Set());
        }
      }
    }
    if (refused.length > 0) {
      return denied('FORBIDDEN', 'PURPOSE_GRANT', bi(`"${purpose.title}" does not allow ${agency.name} to read these fields`, `Mục đích “${purpose.title}” không cho phép ${agency.name} xem các thông tin này.`), { purpose: purpose.code, denied: refused });
    }
    const deceased = await deceasedSubject(request, lookups);
    if (deceased) return deceased;
    if (purpose.consentRequired) {
      for (const [subjectId, fields] of consentFields) {
        let active;
        try {
          active = await lookups.consents(subjectId, agency.code, purpose.code);
        } catch {
          return denied('STORE_UNAVAILABLE', null, bi('The consent register cannot be reached, so no citizen data is served; try again shortly', 'Không truy cập được sổ ghi nhận sự đồng ý của công dân nên chưa cung cấp dữ liệu; vui lòng thử lại sau ít phút.'));
        }
        const covered = active.some((c) => c.fields === null || [...fields].every((f) => (c.fields as readonly string[]).includes(f)));
        if (!covered) return denied('CONSENT_REQUIRED', null, bi(`The citizen has not consented to ${agency.name} reading their data for "${purpose.title}"`, `Công dân chưa đồng ý cho ${agency.name} sử dụng dữ liệu của mình cho mục đích “${purpose.title}”.`), { purpose: purpose.code });
      }
    }
    return allowed(purpose, grant, documentTypes, withheld);
  }

  /** What a grant allows `hop` steps from the subject: the subject part, the related part, or nothing. */
  function grantAt(grant: Grant, hop: number): FieldGrant | null {
    if (hop === 0) return grant.subject;
    return grant.related && hop <= grant.related.maxHops ? grant.related : null;
  }

  function agencyMay(grant: Grant, scope: FieldGrant | null, hop: number, r: Read): boolean {
    switch (r.kind) {
      case 'verify':
        return hop === 0 && grant.verification;
      case 'watch':
        // Being told that a record changed is less than reading it: any read the grant allows of the citizen covers it.
        return hop === 0 && (grant.subject.fields.size > 0 || grant.verification);
      case 'owner':
        return false;
      case 'reach':
        return !!scope && scope.fields.size > 0;
      case 'record': {
        if (!scope) return false;
        const record = r.record ?? CITIZEN_TYPE;
        if (record === CITIZEN_TYPE) return scope.fields.size > 0;
        return facts.fieldsOf(record).some((c) => scope.fields.has(c));
      }
      case 'field':
        return !!scope && scope.fields.has(r.coordinate) && (r.documentTypes ?? []).every((t) => scope.documentTypes.has(t));
    }
  }
}

/** The key under which a withheld read is remembered. */
function readKey(path: string, hop: number, coordinate: string, documentType?: DocumentType): string {
  return `${path}|${hop}|${coordinate}|${documentType ?? ''}`;
}

function deniedFields(r: Read): DeniedField[] {
  const field = r.documentTypes ? `${r.coordinate}(types: ${r.documentTypes.join(', ')})` : r.coordinate;
  return r.paths.map((path) => ({ path, field }));
}

function allowed(purpose: Purpose | null, grant: Grant | null, documentTypes: Map<string, readonly DocumentType[]>, withheld: ReadonlySet<string>): Allowed {
  return {
    allowed: true,
    purpose,
    grant,
    documentTypes,
    withholds: (path, hop, coordinate, documentType) =>
      withheld.has(readKey(path, hop, coordinate, documentType)) || (documentType !== undefined && withheld.has(readKey(path, hop, coordinate))),
  };
}

function denied(code: Denied['code'], rule: DenialRule | null, message: Bilingual, extra: Partial<Pick<Denied, 'denied' | 'purpose' | 'field' | 'registry'>> = {}): Denied {
  return { allowed: false, code, rule, message, denied: extra.denied ?? [], ...(extra.purpose ? { purpose: extra.purpose } : {}), ...(extra.field ? { field: extra.field } : {}), ...(extra.registry ? { registry: extra.registry } : {}) };
}
