import { hash as digest } from 'node:crypto';
import type { RequestHandler } from 'express';
import { bilingual, graphqlErrorBody, type Bilingual } from '../errors';
import type { PersistedOperation } from './manifest';

function refuse(res: Parameters<RequestHandler>[1], status: number, code: 'BAD_REQUEST' | 'PERSISTED_QUERY_NOT_FOUND', message: Bilingual): void {
  res.status(status).json(graphqlErrorBody(code, message));
}

/**
 * Only operations from the manifest run. A client sends the operation's hash, Apollo-style
 * (`extensions.persistedQuery.sha256Hash`), or GraphQL-over-HTTP style (`documentId`),
 * or the exact text of a listed operation. Anything else — an unknown hash, a document
 * not in the manifest — is refused before parsing, and nothing can be registered at run
 * time. Runs after the JSON body parser; works for GET too.
 */
export function persistedOperationsOnly(operations: ReadonlyMap<string, PersistedOperation>): RequestHandler {
  return (req, res, next) => {
    const fromQuery = req.method === 'GET';
    const source = (fromQuery ? req.query : req.body) as Record<string, unknown> | undefined;
    if (!source || typeof source !== 'object' || Array.isArray(source)) return next();
    const found = findPersisted(source, operations);
    if (!found.ok) return refuse(res, found.status, found.code, found.message);
    const { op, extensions } = found;
    const rewritten: Record<string, unknown> = { ...source, query: op.body };
    delete rewritten.documentId;
    if (extensions && typeof extensions === 'object') {
      const { persistedQuery: _dropped, ...rest } = extensions;
      rewritten.extensions = fromQuery ? JSON.stringify(rest) : rest;
    }
    if (fromQuery) {
      // The GraphQL server reads a GET request's parameters from its URL.
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(rewritten)) if (typeof v === 'string') params.set(k, v);
      req.url = `${req.path}?${params.toString()}`;
    } else {
      req.body = rewritten;
    }
    next();
  };
}

export type PersistedLookup =
  | { ok: true; op: PersistedOperation; extensions: Record<string, unknown> | undefined }
  | { ok: false; status: number; code: 'BAD_REQUEST' | 'PERSISTED_QUERY_NOT_FOUND'; message: Bilingual };

/**
 * The manifest's operation a request names — by `extensions.persistedQuery.sha256Hash`,
 * `documentId` or its exact text — or why it is refused. Shared by the middleware above
 * and the compiled lane (src/lane/).
 */
export function findPersisted(source: Record<string, unknown>, operations: ReadonlyMap<string, PersistedOperation>): PersistedLookup {
  let extensions = source.extensions as Record<string, unknown> | string | undefined;
  if (typeof extensions === 'string') {
    try {
      extensions = JSON.parse(extensions) as Record<string, unknown>;
    } catch {
      return { ok: false, status: 400, code: 'BAD_REQUEST', message: bilingual('extensions must be a JSON object', 'trường extensions phải là một đối tượng JSON.') };
    }
  }
  const persisted = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  const hash = typeof source.documentId === 'string' ? source.documentId.replace(/^sha256:/, '') : typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : null;
  const text = typeof source.query === 'string' ? source.query : null;
  const textHash = text !== null ? digest('sha256', text) : null;
  const op = hash ? operations.get(hash) : textHash !== null ? operations.get(textHash) : undefined;
  if (!op) {
    return {
      ok: false,
      status: hash ? 404 : 400,
      code: 'PERSISTED_QUERY_NOT_FOUND',
      message: hash
        ? bilingual('No persisted operation has this hash', 'Không có câu truy vấn đã đăng ký nào mang mã băm này.')
        : bilingual('Only persisted operations are accepted here; send the hash of one from the manifest', 'Hệ thống chỉ nhận các câu truy vấn đã đăng ký; hãy gửi mã băm của câu truy vấn trong danh sách.'),
    };
  }
  if (textHash !== null && textHash !== op.id) {
    return { ok: false, status: 400, code: 'PERSISTED_QUERY_NOT_FOUND', message: bilingual('The query text does not match the hash sent', 'Nội dung câu truy vấn không khớp với mã băm đã gửi.') };
  }
  return { ok: true, op, extensions: extensions as Record<string, unknown> | undefined };
}
