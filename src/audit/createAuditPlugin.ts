import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { maskPersonalId } from '../domain/personalId';
import { storeUnavailable } from '../errors';
import type { GatewayContext } from '../graphql/context';
import type { Logger } from '../logger';
import type { AuditEntry, AuditLog } from './AuditLog';
import { collectDisclosures } from './collectDisclosures';

export interface AuditPluginOptions {
  schema: GraphQLSchema;
  audit: AuditLog;
  logger: Logger;
  /** Retention for reads without a purpose (a citizen reading their own record). */
  defaultRetentionDays: number;
  /** Called when the trail cannot be written (readiness). */
  onWriteFailure?: (err: unknown) => void;
  /** Told how long each operation waited for its records to be durable. */
  onWaited?: (seconds: number) => void;
}

/** Refusal codes that leave a `denied` record: the caller was identified and named a citizen. */
const DENIALS = new Set(['FORBIDDEN', 'CONSENT_REQUIRED', 'PURPOSE_REQUIRED', 'RATE_LIMITED', 'QUERY_TOO_COMPLEX']);

/**
 * Writes the audit records of an operation before its response leaves: one record
 * per citizen, with the field paths actually returned, or the refusal. If the trail
 * cannot be written, the response carrying citizen data is replaced by
 * STORE_UNAVAILABLE: nothing is disclosed that is not on the record.
 */
export function createAuditPlugin(options: AuditPluginOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: ctx, response, document, operation }) {
          const caller = ctx.caller;
          if (caller.kind === 'anonymous' || !ctx.analysis || !document || !operation) return;
          if (ctx.analysis.citizens.length === 0 && ctx.auditExtras.length === 0) return;
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const purpose = ctx.access?.purpose ?? (ctx.purpose ? ctx.catalogue.purposes.get(ctx.purpose) : undefined) ?? null;
          const base = {
            requestId: ctx.requestId,
            callerKind: caller.kind,
            callerId: caller.kind === 'agency' ? caller.officialId : caller.personalId,
            agency: caller.kind === 'agency' ? caller.agency : null,
            purpose: purpose?.code ?? ctx.purpose,
            caseId: ctx.caseId,
            retentionDays: purpose?.retentionDays ?? options.defaultRetentionDays,
          };

          const entries: AuditEntry[] = [];
          const refusal = !result.data ? result.errors?.find((e) => DENIALS.has(String(e.extensions?.code))) : undefined;
          if (refusal) {
            const code = String(refusal.extensions?.code);
            const rule = refusal.extensions?.rule ? `:${String(refusal.extensions.rule)}` : '';
            for (const c of ctx.analysis.citizens) {
              const subjectId = c.hop === 0 ? (c.id ?? (c.via === 'Query.me' && caller.kind === 'citizen' ? caller.personalId : undefined)) : undefined;
              if (!subjectId) continue;
              entries.push({ ...base, subjectId, fields: [...c.fieldPaths].sort(), registries: [], outcome: 'denied', reason: `${code}${rule}` });
            }
          } else if (result.data) {
            const subjects = collectDisclosures({
              schema: options.schema,
              document,
              operation,
              variables: ctx.variables ?? {},
              data: result.data,
              errors: result.errors ?? [],
              citizensAt: ctx.citizensAt,
            });
            for (const s of subjects.values()) {
              const disclosed = s.fields.size > 0;
              entries.push({
                ...base,
                subjectId: s.subjectId,
                fields: [...s.fields].sort(),
                registries: [...s.registries].sort(),
                outcome: disclosed ? 'disclosed' : 'failed',
                reason: s.errors.size > 0 ? [...s.errors].sort().join(',') : null,
              });
            }
          }
          for (const extra of ctx.auditExtras) entries.push({ ...base, ...extra });
          if (entries.length === 0) return;

          const started = performance.now();
          try {
            await options.audit.append(entries);
            options.onWaited?.((performance.now() - started) / 1000);
          } catch (err) {
            options.onWriteFailure?.(err);
            options.logger.error(
              { err: { name: (err as Error).name, message: (err as Error).message }, requestId: ctx.requestId, subjects: entries.map((e) => maskPersonalId(e.subjectId)) },
              'audit trail write failed; response withheld',
            );
            if (entries.some((e) => e.outcome === 'disclosed')) {
              const { message, extensions } = storeUnavailable('The audit trail');
              response.body.singleResult = { errors: [{ message, extensions: { code: extensions.code } }] };
              response.http.status = 503;
            }
          }
        },
      };
    },
  };
}
