import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { auditEntries } from '../audit/auditEntries';
import type { AuditEntry, AuditLog } from '../audit/AuditLog';
import { maskPersonalId } from '../domain/personalId';
import { storeUnavailable, statusOf } from '../errors';
import type { GatewayContext } from '../graphql/context';
import type { Logger } from '../logger';
import type { PolicyCatalogue } from '../policy/loadCatalogue';
import type { SchemaFacts } from '../schemaFacts/readSchemaFacts';

export interface AuditPluginOptions {
  schema: GraphQLSchema;
  facts: SchemaFacts;
  catalogue: PolicyCatalogue;
  audit: AuditLog;
  logger: Logger;
  /** Retention for reads without a purpose (a citizen reading their own record). */
  defaultRetentionDays: number;
  /** Told of the records once durable (the over-collection count). */
  onRecorded?: (entries: readonly AuditEntry[]) => void;
  /** Told how long each operation waited for its records to be durable. */
  onWaited?: (seconds: number) => void;
}

/**
 * Apollo Server's adapter of the audit trail: writes the records of an operation
 * (src/audit/auditEntries.ts) before its response leaves. If the trail cannot be
 * written, a response that disclosed anything is replaced by STORE_UNAVAILABLE:
 * nothing is disclosed that is not on the record.
 */
export function createAuditPlugin(options: AuditPluginOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: ctx, response, document, operation }) {
          if (!document || !operation || response.body.kind !== 'single') return;
          const entries = auditEntries({
            schema: options.schema,
            facts: options.facts,
            ctx,
            access: ctx.access,
            document,
            operation,
            result: response.body.singleResult,
            purposes: options.catalogue.purposes,
            defaultRetentionDays: options.defaultRetentionDays,
          });
          if (entries.length === 0) return;
          const started = performance.now();
          try {
            await options.audit.append(entries, ctx.scope?.trace);
            options.onWaited?.((performance.now() - started) / 1000);
            options.onRecorded?.(entries);
          } catch (err) {
            options.logger.error(
              { err: { name: (err as Error).name, message: (err as Error).message }, requestId: ctx.requestId, subjects: entries.map((e) => maskPersonalId(e.subjectId)) },
              'audit trail write failed; response withheld',
            );
            if (entries.some((e) => e.outcome === 'disclosed')) {
              const { message, extensions } = storeUnavailable({ en: 'The audit trail', vi: 'nhật ký truy cập' });
              response.body.singleResult = { errors: [{ message, extensions: { code: 'STORE_UNAVAILABLE', messageVi: extensions.messageVi } }] };
              response.http.status = statusOf('STORE_UNAVAILABLE');
            }
          }
        },
      };
    },
  };
}
