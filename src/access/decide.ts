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
  reads: readonly Read[];
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

/**
 * Every rule the decision refuses with, and what it means: the table refusals and `whyNot`
 * are explained from (a rule missing here does not compile).
 */
export const DENIAL_RULE_MEANINGS: Readonly<Record<DenialRule, Bilingual>> = {
  ROLE: bi('This field is for another kind of token (citizen or agency)', 'Chức năng này dành cho loại tài khoản khác (công dân hoặc cán bộ).'),
  SCOPE: bi('The token lacks a scope the field or the purpose requires', 'Tài khoản cán bộ thiếu quyền mà chức năng hoặc mục đích yêu cầu.'),
  UNKNOWN_AGENCY: bi('The agency is not in the policy catalogue', 'Cơ quan không có trong danh mục cơ quan được chia sẻ dữ liệu.'),
  NO_GRANT: bi('The agency has no grant for the declared purpose', 'Cơ quan không được cấp quyền cho mục đích đã khai báo.'),
  PURPOSE_GRANT: bi("The purpose's grant does not include this field", 'Quyền được cấp cho mục đích này không gồm thông tin này.'),
  FORM_PURPOSE: bi('A form is prefilled under its own purpose only', 'Tờ khai chỉ được điền sẵn theo đúng mục đích của tờ khai.'),
  VERIFICATION: bi("The purpose's grant does not allow verification", 'Quyền được cấp cho mục đích này không cho phép đối chiếu thông tin.'),
  OWN_RECORD_ONLY: bi('A citizen reads their own record only', 'Công dân chỉ xem được thông tin của chính mình.'),
  RELATIVES_BASIC_IDENTITY: bi('Of relatives, a citizen reads basic identity only', 'Công dân chỉ xem được thông tin nhân thân cơ bản của người thân.'),
  GUARDIAN: bi('GUARDIAN covers a parent\'s own child under 14 in the same household', 'Mục đích GUARDIAN chỉ áp dụng cho con dưới 14 tuổi sống cùng hộ gia đình.'),
  DECEASED_CALLER: bi('No one acts as a citizen recorded as deceased', 'Không ai được dùng danh tính của công dân đã mất.'),
  DECEASED_SUBJECT: bi('No form, attestation or watch for a citizen recorded as deceased', 'Không điền sẵn tờ khai, xác nhận hay theo dõi thay đổi cho công dân đã mất.'),
  NOTICE_ENDPOINT: bi('The agency has no notice endpoint in the policy catalogue', 'Cơ quan chưa đăng ký địa chỉ nhận thông báo trong danh mục chính sách.'),
  WATCH_PURPOSE: bi('A watch is set and judged under its own purpose only', 'Yêu cầu theo dõi chỉ dùng đúng mục đích đã đăng ký.'),
};

/** The rules the decision refuses with, from the table above. */
export const DENIAL_RULES = Object.keys(DENIAL_RULE_MEANINGS) as DenialRule[];

/**
 * What a remedy asks for: a consent from the citizen (`grantConsent`), another purpose
 * (`X-Purpose`, with its scope), a scope in the token, another kind of token, the
 * citizen themselves (nothing an agency or another citizen can do), GUARDIAN (a parent
 * for their child under 14), a change of the policy catalogue, or nothing at all.
 */
export type RemedyKind = 'CONSENT' | 'PURPOSE' | 'SCOPE' | 'ROLE' | 'SUBJECT_ONLY' | 'GUARDIAN' | 'CATALOGUE' | 'NONE';

/** The rule that refused a read: a decision rule, a missing consent, or a missing purpose. */
export type RefusalRule = DenialRule | 'CONSENT' | 'PURPOSE';

/** Why one read was refused, and what would allow it. */
export interface Remedy {
  /** The read refused, as `denied` names it (`Person.maritalStatus`, `Query.accessLog`). */
  field: string;
  /** Where it appears in the response (or the form). */
  paths: string[];
  rule: RefusalRule;
  kind: RemedyKind;
  /** What would allow it, in English and Vietnamese. */
  message: Bilingual;
  /** PURPOSE: the purpose to declare; CONSENT: the purpose consented to. */
  purpose?: string;
  /** SCOPE, PURPOSE: the scope the official's token must carry. */
  scope?: string;
  /** CONSENT: the `grantConsent` input the citizen gives (with an `expiresAt` of their choosing). */
  grantConsent?: { agency: string; purpose: string; fields: string[] | null };
}

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
  /** For each refused read (FORBIDDEN, CONSENT_REQUIRED, PURPOSE_REQUIRED): why, and what would allow it. */
  remedies: Remedy[];
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
        remedies: wrongRole.map((f) => {
          const citizensOnly = !(facts.roles(f.coordinate) ?? []).includes('AGENCY');
          return {
            field: f.coordinate,
            paths: [f.path],
            rule: 'ROLE',
            kind: 'ROLE',
            message: citizensOnly
              ? bi(`Only the citizen themselves, with a citizen token, can call ${f.coordinate}`, 'Chỉ chính công dân, đăng nhập bằng tài khoản công dân, dùng được chức năng này.')
              : bi(`Only an agency official's token can call ${f.coordinate}`, 'Chỉ tài khoản cán bộ của cơ quan dùng được chức năng này.'),
          };
        }),
      });
    }
    const scopes = caller.kind === 'agency' ? caller.scopes : [];
    for (const f of request.rootFields) {
      const missing = facts.requiredScopes(f.coordinate).filter((s) => !scopes.includes(s));
      if (missing.length > 0) {
        return denied('FORBIDDEN', 'SCOPE', bi(`${f.coordinate} needs the scope "${missing.join('", "')}"`, `Tài khoản cán bộ thiếu quyền “${missing.join('”, “')}” cần cho chức năng này.`), {
          denied: [{ path: f.path, field: f.coordinate }],
          remedies: [{ field: f.coordinate, paths: [f.path], rule: 'SCOPE', kind: 'SCOPE', scope: missing.join(' '), message: scopeRemedy(missing) }],
        });
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
        remedies: others.flatMap((s): Remedy[] => {
          const at = { field: s.reads.find((r) => r.kind === 'reach')?.coordinate ?? 'Query.citizen', paths: [s.path], rule: 'OWN_RECORD_ONLY' as const };
          return [
            { ...at, kind: 'SUBJECT_ONLY', message: bi('Only the citizen themselves, with their own token, can read their record', 'Chỉ chính công dân, đăng nhập bằng tài khoản của mình, xem được thông tin này.') },
            { ...at, kind: 'GUARDIAN', message: bi('A parent reads their own child under 14 who lives in the same household by declaring X-Purpose: GUARDIAN', 'Cha, mẹ xem được thông tin của con mình dưới 14 tuổi sống cùng hộ gia đình khi khai báo mục đích GUARDIAN (X-Purpose).') },
          ];
        }),
      });
    }
    const withheld = new Set<string>();
    const refused: DeniedField[] = [];
    const refusedReads: Read[] = [];
    for (const s of request.subjects) {
      // A form leaves out everything about a relative it may not reach.
      const unreachable = !!s.withholdDenied && s.reads.some((r) => r.kind === 'reach' && !citizenMay(s.hop, r));
      const formRelative = s.withholdDenied && s.hop === 1 ? formRelativeFields(s) : null;
      for (const r of s.reads) {
        if (!unreachable && (citizenMay(s.hop, r) || (r.kind === 'field' && !!formRelative?.has(r.coordinate)))) continue;
        if (s.withholdDenied) withheld.add(readKey(s.path, s.hop, r.coordinate, r.documentTypes?.[0]));
        else {
          refused.push(...deniedFields(r));
          refusedReads.push(r);
        }
      }
    }
    if (refused.length > 0) {
      return denied('FORBIDDEN', 'RELATIVES_BASIC_IDENTITY', bi('A citizen token may read only the basic identity of their household members and close relatives', 'Tài khoản công dân chỉ được xem thông tin nhân thân cơ bản (họ tên, ngày sinh, giới tính, số định danh, quan hệ với chủ hộ) của thành viên hộ gia đình và cha, mẹ, vợ, chồng, con; không xem được gì xa hơn.'), {
        denied: refused,
        remedies: refusedReads.map((r) => ({
          ...target(r),
          rule: 'RELATIVES_BASIC_IDENTITY',
          kind: 'SUBJECT_ONLY',
          message: bi('Only the relative themselves can read this (an agency reads it under a purpose that grants it)', 'Chỉ chính người thân đó xem được thông tin này (cơ quan chỉ xem được theo mục đích được cấp quyền).'),
        })),
      });
    }
    for (const child of new Set(others.map((s) => s.id as string))) {
      const guardian = await lookups.guardianOf(caller.personalId, child);
      if (guardian === true) continue;
      if (guardian !== false) return denied(guardian.failed, null, bi('The registry needed to confirm guardianship cannot answer', 'Cơ sở dữ liệu cần để xác minh quan hệ cha mẹ – con không phản hồi; vui lòng thử lại sau.'), { registry: guardian.registry });
      return denied('FORBIDDEN', 'GUARDIAN', bi('GUARDIAN lets a parent read only their own child under 14 who lives in the same household', 'Cha, mẹ chỉ được tra cứu thông tin của con mình dưới 14 tuổi đang sống cùng hộ gia đình.'), {
        denied: others.filter((s) => s.id === child).map((s) => ({ path: s.path, field: 'Query.citizen' })),
        remedies: others
          .filter((s) => s.id === child)
          .map((s) => ({
            field: 'Query.citizen',
            paths: [s.path],
            rule: 'GUARDIAN',
            kind: 'SUBJECT_ONLY',
            message: bi("Only the citizen themselves, or their parent while they are under 14 and live in the parent's household", 'Chỉ chính công dân, hoặc cha, mẹ khi con dưới 14 tuổi và sống cùng hộ gia đình, xem được thông tin này.'),
          })),
      });
    }
    // Last, once the policy allows the operation (refusals ask no registry): a token naming a
    // citizen who has died acts for no one (a stolen or stale session).
    const dead = await lookups.deceased(caller.personalId);
    if (dead !== false) {
      if (dead !== true) return denied(dead.failed, null, bi('The population registry, needed to confirm who is calling, cannot answer', 'Cơ sở dữ liệu quốc gia về dân cư, cần để xác minh người đang dùng tài khoản, không phản hồi; vui lòng thử lại sau.'), { registry: dead.registry });
      return denied('FORBIDDEN', 'DECEASED_CALLER', bi('This personal ID belongs to a citizen recorded as deceased: no one can act as them', 'Số định danh cá nhân này thuộc về công dân đã được ghi nhận là đã mất: không ai được dùng để thực hiện thủ tục thay họ.'), {
        remedies: request.rootFields.map((f) => ({ field: f.coordinate, paths: [f.path], rule: 'DECEASED_CALLER', kind: 'NONE', message: bi('Nothing allows it: no one acts as a citizen recorded as deceased', 'Không có cách nào: không ai được dùng danh tính của công dân đã mất.') })),
      });
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
          remedies: [{ field: watch.coordinate, paths: [s.path], rule: 'DECEASED_SUBJECT', kind: 'NONE', message: bi('Nothing allows a watch for a citizen recorded as deceased; their record can still be read under a grant', 'Không thể theo dõi thay đổi của công dân đã mất; vẫn có thể tra cứu hồ sơ theo quyền được cấp.') }],
        });
      }
      return denied('FORBIDDEN', 'DECEASED_SUBJECT', bi('This citizen is recorded as deceased: no form is prefilled or attested for them', 'Công dân này đã được ghi nhận là đã mất: không điền sẵn, không xác nhận tờ khai cho người đã mất.'), {
        denied: [{ path: s.path, field: 'Query.prefill' }],
        remedies: [{ field: 'Query.prefill', paths: [s.path], rule: 'DECEASED_SUBJECT', kind: 'NONE', message: bi('Nothing allows a form for a citizen recorded as deceased; their record can still be read under a grant', 'Không điền sẵn tờ khai cho công dân đã mất; vẫn có thể tra cứu hồ sơ theo quyền được cấp.') }],
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
      return denied('PURPOSE_REQUIRED', null, bi('Agency requests that read citizen data must declare a purpose in the X-Purpose header', 'Cơ quan phải khai báo mục đích sử dụng dữ liệu (tiêu đề X-Purpose) khi tra cứu thông tin công dân.'), {
        field: 'X-Purpose',
        remedies: request.subjects.flatMap((s) => s.reads.flatMap((r) => purposeRemedies(caller.agency, s.hop, r, 'PURPOSE'))),
      });
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
        remedies: otherPurpose.reads.map((r) => ({
          ...target(r),
          rule: 'WATCH_PURPOSE',
          kind: 'PURPOSE',
          purpose: otherPurpose.purpose as string,
          message: bi(`Declare the watch's own purpose, X-Purpose: ${otherPurpose.purpose} (or none)`, `Khai báo đúng mục đích của yêu cầu theo dõi: ${otherPurpose.purpose} (hoặc không khai báo X-Purpose).`),
        })),
      });
    }
    const agency = catalogue.agencies.get(caller.agency);
    if (!agency) return denied('FORBIDDEN', 'UNKNOWN_AGENCY', bi(`Agency ${caller.agency} is not in the policy catalogue`, `Cơ quan ${caller.agency} không có trong danh mục cơ quan được chia sẻ dữ liệu.`), {
        remedies: allReads(request).map(({ r }) => ({ ...target(r), rule: 'UNKNOWN_AGENCY', kind: 'CATALOGUE', message: bi(`The policy catalogue must list ${caller.agency}, with a grant for this purpose`, `Cơ quan ${caller.agency} phải được đưa vào danh mục chính sách và được cấp quyền cho mục đích này.`) })),
      });
    const grant = catalogue.grant(agency.code, purpose.code);
    if (!grant) return denied('FORBIDDEN', 'NO_GRANT', bi(`${agency.name} has no grant for "${purpose.title}"`, `${agency.name} không được cấp quyền sử dụng dữ liệu cho mục đích “${purpose.title}”.`), {
        purpose: purpose.code,
        remedies: allReads(request).flatMap(({ hop, r }) => purposeRemedies(agency.code, hop, r, 'NO_GRANT')),
      });
    if (!caller.scopes.includes(grant.scope)) {
      return denied('FORBIDDEN', 'SCOPE', bi(`The token lacks the scope "${grant.scope}" that "${purpose.title}" requires`, `Tài khoản cán bộ thiếu quyền “${grant.scope}” mà mục đích “${purpose.title}” yêu cầu.`), {
        purpose: purpose.code,
        remedies: allReads(request).map(({ r }) => ({ ...target(r), rule: 'SCOPE', kind: 'SCOPE', scope: grant.scope, purpose: purpose.code, message: scopeRemedy([grant.scope]) })),
      });
    }
    const watches = request.subjects.flatMap((s) => s.reads.filter((r) => r.kind === 'watch').flatMap(deniedFields));
    if (watches.length > 0 && !agency.noticeEndpoint) {
      return denied('FORBIDDEN', 'NOTICE_ENDPOINT', bi(`${agency.name} has no notice endpoint in the policy catalogue, so it cannot be told of changes`, `${agency.name} chưa đăng ký địa chỉ nhận thông báo trong danh mục chính sách nên không thể nhận thông báo thay đổi.`), {
        purpose: purpose.code,
        denied: watches,
        remedies: watches.map((w) => ({ field: w.field, paths: [w.path], rule: 'NOTICE_ENDPOINT', kind: 'CATALOGUE', message: bi(`The policy catalogue must give ${agency.code} a notice endpoint`, `Danh mục chính sách phải đăng ký địa chỉ nhận thông báo cho ${agency.name}.`) })),
      });
    }
    const formPurpose = request.subjects.find((s) => s.purpose !== undefined && s.purpose !== purpose.code);
    if (formPurpose) {
      return denied('FORBIDDEN', 'FORM_PURPOSE', bi(`This form is prefilled under the purpose ${formPurpose.purpose}, not ${purpose.code}`, `Tờ khai này chỉ được điền sẵn cho mục đích ${formPurpose.purpose}, không phải ${purpose.code}.`), {
        purpose: purpose.code,
        denied: [{ path: formPurpose.path, field: 'Query.prefill' }],
        remedies: [
          {
            field: 'Query.prefill',
            paths: [formPurpose.path],
            rule: 'FORM_PURPOSE',
            kind: 'PURPOSE',
            purpose: formPurpose.purpose as string,
            message: bi(`Declare the form's purpose, X-Purpose: ${formPurpose.purpose}`, `Khai báo đúng mục đích của tờ khai: ${formPurpose.purpose}.`),
          },
        ],
      });
    }
    const verifications = request.subjects.flatMap((s) => s.reads.filter((r) => r.kind === 'verify'));
    if (verifications.length > 0 && !grant.verification) {
      return denied('FORBIDDEN', 'VERIFICATION', bi(`"${purpose.title}" does not allow verification`, `Mục đích “${purpose.title}” không cho phép đối chiếu thông tin.`), {
        purpose: purpose.code,
        denied: verifications.flatMap(deniedFields),
        remedies: verifications.flatMap((r) => purposeRemedies(agency.code, 0, r, 'VERIFICATION', purpose.code)),
      });
    }

    const refused: DeniedField[] = [];
    const remedies: Remedy[] = [];
    const withheld = new Set<string>();
    const documentTypes = new Map<string, readonly DocumentType[]>();
    const consentFields = new Map<string, Set<string>>();
    for (const s of request.subjects) {
      const scope = grantAt(grant, s.hop);
      const unreachable = !!s.withholdDenied && s.reads.some((r) => r.kind === 'reach' && !agencyMay(grant, scope, s.hop, r));
      for (const r of s.reads) {
        if (unreachable || !agencyMay(grant, scope, s.hop, r)) {
          if (s.withholdDenied) withheld.add(readKey(s.path, s.hop, r.coordinate, r.documentTypes?.[0]));
          else {
            refused.push(...deniedFields(r));
            remedies.push(...purposeRemedies(agency.code, s.hop, r, 'PURPOSE_GRANT', purpose.code));
          }
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
      return denied('FORBIDDEN', 'PURPOSE_GRANT', bi(`"${purpose.title}" does not allow ${agency.name} to read these fields`, `Mục đích “${purpose.title}” không cho phép ${agency.name} xem các thông tin này.`), { purpose: purpose.code, denied: refused, remedies });
    }
    // Consent first: a refusal for a citizen recorded as deceased would tell an agency the
    // citizen has died before the citizen (or anyone) allowed it to learn anything.
    if (purpose.consentRequired) {
      for (const [subjectId, fields] of consentFields) {
        let active;
        try {
          active = await lookups.consents(subjectId, agency.code, purpose.code);
        } catch {
          return denied('STORE_UNAVAILABLE', null, bi('The consent register cannot be reached, so no citizen data is served; try again shortly', 'Không truy cập được sổ ghi nhận sự đồng ý của công dân nên chưa cung cấp dữ liệu; vui lòng thử lại sau ít phút.'));
        }
        const covered = active.some((c) => c.fields === null || [...fields].every((f) => (c.fields as readonly string[]).includes(f)));
        if (!covered) {
          return denied('CONSENT_REQUIRED', null, bi(`The citizen has not consented to ${agency.name} reading their data for "${purpose.title}"`, `Công dân chưa đồng ý cho ${agency.name} sử dụng dữ liệu của mình cho mục đích “${purpose.title}”.`), {
            purpose: purpose.code,
            remedies: consentRemedies(request, subjectId, fields, grant),
          });
        }
      }
    }
    const deceased = await deceasedSubject(request, lookups);
    if (deceased) return deceased;
    return allowed(purpose, grant, documentTypes, withheld);
  }

  /**
   * What would let this agency make a refused read: each other purpose of its grants that
   * allows it — judged by the very test the decision applies (`agencyMay`) — or, when none
   * does, that only the citizen themselves sees it.
   */
  function purposeRemedies(agencyCode: string, hop: number, r: Read, rule: RefusalRule, except?: string): Remedy[] {
    const agency = catalogue.agencies.get(agencyCode);
    if (!agency) {
      return [{ ...target(r), rule, kind: 'CATALOGUE', message: bi(`The policy catalogue must list ${agencyCode}, with a grant that allows this`, `Cơ quan ${agencyCode} phải được đưa vào danh mục chính sách và được cấp quyền xem thông tin này.`) }];
    }
    const others = catalogue.grants.filter((g) => g.agency.code === agency.code && g.purpose.code !== except && agencyMay(g, grantAt(g, hop), hop, r));
    if (others.length === 0) {
      const of = hop > 0 ? bi(' of a relative', ' của người thân') : bi('', '');
      return [
        {
          ...target(r),
          rule,
          kind: 'SUBJECT_ONLY',
          message: bi(`No purpose granted to ${agency.code} allows this${of.en}: only the citizen themselves can see it`, `Không mục đích nào được cấp cho ${agency.name} cho phép xem thông tin này${of.vi}: chỉ chính công dân được xem.`),
        },
      ];
    }
    return others.map((g) => ({
      ...target(r),
      rule,
      kind: 'PURPOSE',
      purpose: g.purpose.code,
      scope: g.scope,
      message: bi(
        `Declare X-Purpose: ${g.purpose.code} with a token carrying the scope "${g.scope}"${g.purpose.consentRequired ? ', once the citizen consents' : ''}`,
        `Khai báo mục đích ${g.purpose.code} (“${g.purpose.title}”) bằng tài khoản có quyền “${g.scope}”${g.purpose.consentRequired ? ', khi đã được công dân đồng ý' : ''}.`,
      ),
    }));
  }

  /**
   * The consent that would allow the reads of one citizen: the `grantConsent` input they
   * give (the fields read, or every field when a read is not a field of the grant, such as
   * a verification's comparisons).
   */
  function consentRemedies(request: AccessRequest, subjectId: string, fields: ReadonlySet<string>, grant: Grant): Remedy[] {
    const listed = [...fields].sort();
    const input = { agency: grant.agency.code, purpose: grant.purpose.code, fields: listed.length > 0 && listed.every((f) => grant.subject.fields.has(f)) ? listed : null };
    const message = bi(
      `The citizen themselves consents to ${grant.agency.code} reading this for ${grant.purpose.code} (grantConsent, with an expiry of their choosing)`,
      `Chính công dân đồng ý cho ${grant.agency.name} sử dụng thông tin này cho mục đích “${grant.purpose.title}” (chức năng grantConsent, tự chọn thời hạn).`,
    );
    const reads = request.subjects.filter((s) => s.hop === 0 && s.id === subjectId).flatMap((s) => s.reads.filter((r) => r.kind === 'field' || r.kind === 'verify'));
    const about = reads.length > 0 ? reads.map(target) : [{ field: 'Query.citizen', paths: request.subjects.filter((s) => s.id === subjectId).map((s) => s.path) }];
    return about.map((t) => ({ ...t, rule: 'CONSENT', kind: 'CONSENT', purpose: grant.purpose.code, grantConsent: input, message }));
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

/** A read as a remedy names it: the field `denied` names, and where it appears. */
function target(r: Read): { field: string; paths: string[] } {
  return { field: r.documentTypes ? `${r.coordinate}(types: ${r.documentTypes.join(', ')})` : r.coordinate, paths: r.paths };
}

/** Every read of an operation, with how far from the citizen named. */
function allReads(request: AccessRequest): { hop: number; r: Read }[] {
  return request.subjects.flatMap((s) => s.reads.map((r) => ({ hop: s.hop, r })));
}

function scopeRemedy(scopes: readonly string[]): Bilingual {
  return bi(
    `An official's token carrying the scope "${scopes.join('", "')}" (issued by the agency's identity provider)`,
    `Tài khoản cán bộ được cấp quyền “${scopes.join('”, “')}” (do hệ thống định danh của cơ quan cấp).`,
  );
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

function denied(code: Denied['code'], rule: DenialRule | null, message: Bilingual, extra: Partial<Pick<Denied, 'denied' | 'purpose' | 'field' | 'registry' | 'remedies'>> = {}): Denied {
  return { allowed: false, code, rule, message, denied: extra.denied ?? [], remedies: extra.remedies ?? [], ...(extra.purpose ? { purpose: extra.purpose } : {}), ...(extra.field ? { field: extra.field } : {}), ...(extra.registry ? { registry: extra.registry } : {}) };
}

/** What `whyNot` asks: may this caller read `coordinate` under `purpose`, `hop` steps from the citizen named? */
export interface WhyNotQuestion {
  caller: CitizenCaller | AgencyCaller;
  coordinate: string;
  purpose: string | null;
  hop: number;
}

/** The personal ID a question names for an agency: no citizen is named yet, and none is looked up. */
const NOBODY_YET = '000000000000';

/**
 * The question as the operation that would make the read — `citizen(id:)` selecting the
 * field, at `hop` steps through a relationship — so that the decision itself answers it,
 * with lookups for a citizen not yet named: no consent given yet, no guardianship
 * established, no one deceased. The answer and the refusal of the real operation come from
 * the same rules, and carry the same remedies.
 */
export function whyNotRequest(q: WhyNotQuestion): { request: AccessRequest; lookups: DecisionLookups } {
  const root = { coordinate: 'Query.citizen', path: 'citizen' };
  const field: Read = { kind: 'field', coordinate: q.coordinate, paths: [q.hop === 0 ? `citizen.${q.coordinate}` : `citizen.relative.${q.coordinate}`] };
  const reach: Read = { kind: 'reach', coordinate: root.coordinate, paths: [root.path] };
  const id = q.caller.kind === 'citizen' ? q.caller.personalId : NOBODY_YET;
  const subjects: SubjectAccess[] =
    q.hop === 0
      ? [{ hop: 0, id, path: root.path, reads: [reach, field] }]
      : [
          { hop: 0, id, path: root.path, reads: [reach] },
          { hop: q.hop, path: 'citizen.relative', reads: [{ kind: 'reach', coordinate: 'Person.father', paths: ['citizen.relative'] }, field] },
        ];
  return {
    request: { caller: q.caller, purpose: q.purpose, purposeField: 'purpose', rootFields: [root], subjects },
    lookups: { consents: async () => [], guardianOf: async () => false, deceased: async () => false },
  };
}
