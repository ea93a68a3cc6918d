import type { RequestHandler } from 'express';
import { Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';
import { bilingual, unauthenticated } from '../errors';

export interface RefuseAnonymousOptions {
  /** Whether a request without a token may introspect the schema (the playground, in development). */
  allowIntrospection: boolean;
  /** Parser token cap, as for every operation. */
  maxTokens: number;
}

const INTROSPECTION = new Set(['__schema', '__type', '__typename']);
/** Fragments followed at the root before giving up: an introspection query needs one or two. */
const MAX_ROOT_FRAGMENTS = 10;

/**
 * Refuses a GraphQL request without a token before the operation is analysed: outside
 * development at once, without parsing; in development after a bounded parse, unless
 * the operation selects nothing but introspection at its root (the playground loading
 * the schema). The caller learns only that a token is needed.
 */
export function refuseAnonymous(options: RefuseAnonymousOptions): RequestHandler {
  const error = unauthenticated(bilingual('a bearer token is required (Authorization: Bearer <token>)', 'cần đăng nhập: gửi kèm mã truy cập (tiêu đề Authorization: Bearer <mã truy cập>).'));
  const refuse: RequestHandler = (_req, res) => {
    res.status(401).setHeader('www-authenticate', 'Bearer');
    res.json({ errors: [{ message: error.message, extensions: { code: error.extensions.code, reason: error.extensions.reason, messageVi: error.extensions.messageVi } }] });
  };
  return (req, res, next) => {
    if (req.headers.authorization) return next();
    if (!options.allowIntrospection || (req.method !== 'POST' && req.method !== 'GET')) return refuse(req, res, next);
    const source = (req.method === 'GET' ? req.query : req.body) as Record<string, unknown> | undefined;
    const text = typeof source?.query === 'string' ? source.query : null;
    if (text === null) return refuse(req, res, next);
    let document: DocumentNode;
    try {
      document = parse(text, { maxTokens: options.maxTokens, noLocation: true });
    } catch {
      // The server's own parse answers with the syntax error.
      return next();
    }
    const name = typeof source?.operationName === 'string' ? source.operationName : null;
    if (introspectionOnly(document, name)) return next();
    refuse(req, res, next);
  };
}

/** True when the operation selects only `__schema`, `__type` or `__typename` at its root. */
export function introspectionOnly(document: DocumentNode, operationName: string | null): boolean {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName === null ? (operations.length === 1 ? operations[0] : undefined) : operations.find((o) => o.name?.value === operationName);
  if (!operation) return false;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [])));
  let followed = 0;
  const only = (set: SelectionSetNode): boolean =>
    set.selections.every((s) => {
      if (s.kind === Kind.FIELD) return INTROSPECTION.has(s.name.value);
      if (++followed > MAX_ROOT_FRAGMENTS) return false;
      if (s.kind === Kind.INLINE_FRAGMENT) return only(s.selectionSet);
      const fragment = fragments.get(s.name.value);
      return !!fragment && only(fragment);
    });
  return only(operation.selectionSet);
}
