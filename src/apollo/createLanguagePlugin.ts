import type { ApolloServerPlugin } from '@apollo/server';

/** Whether the most preferred language of an `Accept-Language` header is Vietnamese. */
export function prefersVietnamese(header: string | null | undefined): boolean {
  if (!header) return false;
  let best: { tag: string; q: number } | null = null;
  for (const part of header.split(',').slice(0, 20)) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean) ?? 1);
    if (!tag || !Number.isFinite(q)) continue;
    if (!best || q > best.q) best = { tag, q };
  }
  return !!best && (best.tag === 'vi' || best.tag.startsWith('vi-'));
}

/**
 * Errors in Vietnamese for those who ask: every error carries `extensions.messageVi`;
 * a request whose `Accept-Language` prefers Vietnamese gets it as the `message` itself
 * (a portal shows it to the citizen or the commune official as is). Codes never change.
 */
export function createLanguagePlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request }) {
      if (!prefersVietnamese(request.http?.headers.get('accept-language'))) return {};
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            const vi = error.extensions?.messageVi;
            if (typeof vi === 'string') (error as { message: string }).message = vi;
          }
        },
      };
    },
  };
}
