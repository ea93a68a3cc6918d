import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type ASTNode, type GraphQLFormattedError } from 'graphql';
import { UpstreamError } from '../connectors/UpstreamError';
import type { RegistryName } from '../connectors/types';
import type { Bilingual } from './bilingual';

export { bilingual, type Bilingual } from './bilingual';
import { StoreUnavailableError } from './store/StoreUnavailableError';

/**
 * Error codes are the public API (`errors[].extensions.code`), each with the HTTP status
 * it answers with when it refuses a whole request. The helpers below are the only way
 * the gateway creates client-facing errors.
 */
const STATUS = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PURPOSE_REQUIRED: 403,
  CONSENT_REQUIRED: 403,
  BAD_USER_INPUT: 400,
  /** A request that is not GraphQL over HTTP at all (wrong content type, malformed body). */
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
  QUERY_TOO_COMPLEX: 400,
  RATE_LIMITED: 429,
  PERSISTED_QUERY_NOT_FOUND: 400,
  STORE_UNAVAILABLE: 503,
  /** The gateway is shutting down and takes no new request. */
  UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof STATUS;

/** The HTTP status a refused request answers with. */
export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** Codes a client may see: ours, and the request-level ones Apollo Server produces. */
const PUBLIC_CODES: ReadonlySet<string> = new Set<string>([
  ...(Object.keys(STATUS) as ErrorCode[]),
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Extension keys a client may see; anything else (stack traces, http, upstream detail) is dropped. */
const PUBLIC_EXTENSIONS = new Set(['code', 'messageVi', 'field', 'reason', 'registry', 'denied', 'rule', 'limit', 'max', 'actual', 'retryAfter', 'purpose', 'remedies']);

const REGISTRY_LABEL: Record<RegistryName, string> = {
  POPULATION: 'population',
  RESIDENCE: 'residence',
  DOCUMENTS: 'issued-document',
};

/** The registries as the people who read a Vietnamese message know them. */
export const REGISTRY_VI: Record<RegistryName, string> = {
  POPULATION: 'Cơ sở dữ liệu quốc gia về dân cư',
  RESIDENCE: 'Cơ sở dữ liệu về cư trú',
  DOCUMENTS: 'Kho dữ liệu giấy tờ đã cấp',
};

/** What each code means, in Vietnamese, for an error that has no more specific message. */
const VIETNAMESE: Readonly<Record<string, string>> = {
  UNAUTHENTICATED: 'Chưa xác thực: cần một mã truy cập (token) hợp lệ.',
  FORBIDDEN: 'Không được phép truy cập dữ liệu này.',
  PURPOSE_REQUIRED: 'Cơ quan phải khai báo mục đích sử dụng dữ liệu (tiêu đề X-Purpose) khi tra cứu thông tin công dân.',
  CONSENT_REQUIRED: 'Công dân chưa đồng ý cho cơ quan này sử dụng dữ liệu cho mục đích đã khai báo.',
  BAD_USER_INPUT: 'Dữ liệu nhập vào không hợp lệ.',
  BAD_REQUEST: 'Yêu cầu gửi đến không đúng định dạng.',
  NOT_FOUND: 'Không tìm thấy.',
  UPSTREAM_UNAVAILABLE: 'Cơ sở dữ liệu nguồn tạm thời không phản hồi; vui lòng thử lại sau.',
  UPSTREAM_TIMEOUT: 'Cơ sở dữ liệu nguồn không trả lời kịp; vui lòng thử lại sau.',
  QUERY_TOO_COMPLEX: 'Câu truy vấn quá lớn hoặc quá phức tạp; vui lòng chia nhỏ.',
  RATE_LIMITED: 'Đã tra cứu quá nhiều lần trong thời gian ngắn; vui lòng thử lại sau.',
  PERSISTED_QUERY_NOT_FOUND: 'Câu truy vấn này không nằm trong danh sách câu truy vấn đã đăng ký.',
  PERSISTED_QUERY_NOT_SUPPORTED: 'Hệ thống không nhận đăng ký câu truy vấn mới khi đang chạy.',
  STORE_UNAVAILABLE: 'Không ghi được nhật ký truy cập nên chưa cung cấp dữ liệu công dân; vui lòng thử lại sau.',
  UNAVAILABLE: 'Hệ thống đang tạm dừng; vui lòng thử lại sau ít phút.',
  INTERNAL_SERVER_ERROR: 'Hệ thống gặp lỗi; vui lòng thử lại sau.',
  GRAPHQL_PARSE_FAILED: 'Câu truy vấn GraphQL sai cú pháp.',
  GRAPHQL_VALIDATION_FAILED: 'Câu truy vấn không phù hợp với lược đồ dữ liệu của hệ thống.',
  OPERATION_RESOLUTION_FAILURE: 'Không xác định được thao tác cần thực hiện trong câu truy vấn.',
};

/** The Vietnamese of a code, for errors with no message of their own in Vietnamese. */
export function vietnameseFor(code: string): string {
  return VIETNAMESE[code] ?? (VIETNAMESE.INTERNAL_SERVER_ERROR as string);
}

const text = (message: string | Bilingual, code: string): Bilingual => (typeof message === 'string' ? { en: message, vi: vietnameseFor(code) } : message);

/**
 * A client-facing error with its code and its Vietnamese message. With `refuse`, it
 * refuses the whole request: Apollo Server answers with the code's HTTP status (and
 * `headers`); the `http` extension never reaches the client.
 */
export function gatewayError(
  code: ErrorCode,
  message: string | Bilingual,
  extensions: Record<string, unknown> = {},
  options: { refuse?: boolean; headers?: Record<string, string>; nodes?: ASTNode | readonly ASTNode[] } = {},
): GraphQLError {
  const { en, vi } = text(message, code);
  const http = options.refuse ? { http: { status: STATUS[code], ...(options.headers ? { headers: new Map(Object.entries(options.headers)) } : {}) } } : {};
  return new GraphQLError(en, { nodes: options.nodes, extensions: { code, ...extensions, messageVi: vi, ...http } });
}

/**
 * Bad input a caller can fix. `field` names the argument, variable or header;
 * `reason` says what is wrong without repeating the value.
 */
export class BadUserInputError extends GraphQLError {
  /** The reason in both languages, for errors that pass it on (variables named after coercion). */
  readonly why: Bilingual;

  constructor(reason: string | Bilingual, options: { field?: string; nodes?: ASTNode | readonly ASTNode[]; refuse?: boolean } = {}) {
    const { en, vi } = typeof reason === 'string' ? { en: reason, vi: '' } : reason;
    super(`Invalid input: ${en}`, {
      nodes: options.nodes,
      extensions: {
        code: 'BAD_USER_INPUT',
        reason: en,
        ...(options.field ? { field: options.field } : {}),
        messageVi: vi ? `Dữ liệu nhập vào không hợp lệ: ${vi}` : vietnameseFor('BAD_USER_INPUT'),
        ...(options.refuse ? { http: { status: STATUS.BAD_USER_INPUT } } : {}),
      },
    });
    this.why = { en, vi };
  }
}

export function unauthenticated(reason: string | Bilingual): GraphQLError {
  const { en, vi } = typeof reason === 'string' ? { en: reason, vi: '' } : reason;
  return gatewayError(
    'UNAUTHENTICATED',
    { en: `Authentication failed: ${en}`, vi: vi ? `Chưa xác thực được: ${vi}` : vietnameseFor('UNAUTHENTICATED') },
    { reason: en },
    { refuse: true, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
  );
}

export function forbidden(message: string | Bilingual, extensions: Record<string, unknown> = {}): GraphQLError {
  return gatewayError('FORBIDDEN', message, extensions, { refuse: true });
}

/** The gateway's own store (consents, audit trail) cannot be used: no citizen data until it can. */
export function storeUnavailable(what: Bilingual): GraphQLError {
  return gatewayError(
    'STORE_UNAVAILABLE',
    {
      en: `${what.en} cannot be reached, so no citizen data is served; try again shortly`,
      vi: `Không truy cập được ${what.vi} nên chưa cung cấp dữ liệu công dân; vui lòng thử lại sau ít phút.`,
    },
    {},
    { refuse: true },
  );
}

/** Too many lookups; `retryAfter` in seconds, also sent as the Retry-After header. */
export function rateLimited(retryAfterSeconds: number, what: Bilingual): GraphQLError {
  return gatewayError(
    'RATE_LIMITED',
    { en: `Too many ${what.en}; try again in ${retryAfterSeconds} s`, vi: `Quá nhiều ${what.vi} trong thời gian ngắn; vui lòng thử lại sau ${retryAfterSeconds} giây.` },
    { retryAfter: retryAfterSeconds },
    { refuse: true, headers: { 'retry-after': String(retryAfterSeconds) } },
  );
}

const LIMIT_VI: Readonly<Record<string, string>> = {
  depth: 'độ sâu',
  aliases: 'số bí danh (alias)',
  rootFields: 'số trường gốc',
  citizens: 'số công dân có thể tra cứu',
  cost: 'khối lượng xử lý ước tính',
  tokens: 'độ dài',
  selections: 'số trường sau khi mở rộng fragment',
};

/** An operation over one of its limits, decided before execution. */
export function tooComplex(limit: string, max: number, actual: number): GraphQLError {
  return gatewayError(
    'QUERY_TOO_COMPLEX',
    { en: `Operation too complex: ${limit} ${actual} exceeds ${max}`, vi: `Câu truy vấn quá phức tạp: ${LIMIT_VI[limit] ?? limit} là ${actual}, vượt mức tối đa ${max}.` },
    { limit, max, actual },
    { refuse: true },
  );
}

/** An operation that expands past the bound on field selections (fragment bombs). */
export function tooManySelections(max: number): GraphQLError {
  return gatewayError(
    'QUERY_TOO_COMPLEX',
    { en: `Operation too complex: the operation expands to more than ${max} field selections`, vi: `Câu truy vấn quá phức tạp: ${LIMIT_VI.selections} vượt quá ${max}.` },
    { limit: 'selections' },
    { refuse: true },
  );
}

export function notFound(registry: RegistryName): GraphQLError {
  return gatewayError(
    'NOT_FOUND',
    { en: `The ${REGISTRY_LABEL[registry]} registry has no record for this personal ID`, vi: `${REGISTRY_VI[registry]} không có hồ sơ của số định danh cá nhân này.` },
    { registry },
  );
}

/** The client-facing form of a registry failure: which registry, never what it said. */
export function upstreamFailure(err: UpstreamError, options: { refuse?: boolean } = {}): GraphQLError {
  return registryError(err.failure === 'timeout' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE', err.registry, options);
}

/** A registry that failed, by code, as clients see it. */
export function registryError(code: 'UPSTREAM_TIMEOUT' | 'UPSTREAM_UNAVAILABLE', registry: RegistryName, options: { refuse?: boolean } = {}): GraphQLError {
  const label = REGISTRY_LABEL[registry];
  return code === 'UPSTREAM_TIMEOUT'
    ? gatewayError(code, { en: `The ${label} registry did not answer in time`, vi: `${REGISTRY_VI[registry]} không trả lời kịp; vui lòng thử lại sau.` }, { registry }, options)
    : gatewayError(code, { en: `The ${label} registry is unavailable`, vi: `${REGISTRY_VI[registry]} tạm thời không phản hồi; vui lòng thử lại sau.` }, { registry }, options);
}

/** The body of an error answered outside GraphQL execution, on /graphql: GraphQL over HTTP's shape. */
export function graphqlErrorBody(code: ErrorCode, message: string | Bilingual): { errors: { message: string; extensions: { code: ErrorCode; messageVi: string } }[] } {
  const { en, vi } = text(message, code);
  return { errors: [{ message: en, extensions: { code, messageVi: vi } }] };
}

/** The body of an error on the gateway's other routes (health, dev, events, 404). */
export function routeErrorBody(code: ErrorCode, message: string | Bilingual): { error: { code: ErrorCode; message: string; messageVi: string } } {
  const { en, vi } = text(message, code);
  return { error: { code, message: en, messageVi: vi } };
}

export interface ErrorLogger {
  error(obj: object, msg: string): void;
}

/**
 * Apollo Server's `formatError`: keeps public codes and a small set of extension keys,
 * turns registry failures into UPSTREAM_* codes, and masks everything else as
 * INTERNAL_SERVER_ERROR with a generic message. It cannot throw.
 */
export function createErrorFormatter(logger: ErrorLogger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    try {
      const original = unwrapResolverError(error);
      if (original instanceof StoreUnavailableError) {
        const mapped = storeUnavailable({ en: "The gateway's store", vi: 'kho dữ liệu của hệ thống' });
        return { message: mapped.message, path: formatted.path, extensions: publicExtensions(mapped.extensions) };
      }
      if (original instanceof UpstreamError) {
        const mapped = upstreamFailure(original);
        return { message: mapped.message, locations: formatted.locations, path: formatted.path, extensions: publicExtensions(mapped.extensions) };
      }
      // The parser's token cap is an operation limit like the others.
      const tokens = /^Syntax Error: Document contains more tha[nt] (\d+) tokens/.exec(formatted.message);
      if (tokens) {
        const max = Number(tokens[1]);
        return {
          message: `Operation too complex: more than ${max} tokens`,
          extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max, messageVi: `Câu truy vấn quá phức tạp: dài hơn ${max} đơn vị từ vựng (token).` },
        };
      }
      // Apollo relabels validation-phase errors; bad literal input keeps its own code and message.
      const badInput = original instanceof BadUserInputError ? original : findBadInput(error);
      const code = badInput ? 'BAD_USER_INPUT' : formatted.extensions?.code;
      if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
        const messageVi = formatted.extensions?.messageVi ?? badInput?.extensions.messageVi ?? vietnameseFor(code);
        return {
          message: formatted.message,
          locations: formatted.locations,
          path: formatted.path,
          extensions: publicExtensions({ ...formatted.extensions, ...(badInput ? { reason: badInput.extensions.reason } : {}), code, messageVi }),
        };
      }
      logger.error({ err: describe(original) }, 'unexpected error masked as INTERNAL_SERVER_ERROR');
    } catch {
      // fall through to the masked answer
    }
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR', messageVi: vietnameseFor('INTERNAL_SERVER_ERROR') } };
  };
}

function findBadInput(error: unknown): BadUserInputError | null {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e; depth++) {
    if (e instanceof BadUserInputError) return e;
    e = (e as { originalError?: unknown }).originalError;
  }
  return null;
}

function publicExtensions(extensions: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extensions ?? {})) if (PUBLIC_EXTENSIONS.has(k)) out[k] = v;
  return out;
}

/** Error name and stack for operators; messages may quote caller input, so digits are masked. */
function describe(err: unknown): { name: string; message: string; stack?: string } {
  if (!(err instanceof Error)) return { name: typeof err, message: '' };
  const mask = (s: string) => s.replace(/\d{6,}/g, (d) => `${d.slice(0, 3)}***`);
  return { name: err.name, message: mask(err.message), stack: err.stack && mask(err.stack) };
}
