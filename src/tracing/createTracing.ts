import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '../config';
import { noTracing, type Tracing } from './Tracing';

/**
 * The gateway's tracing: on when the configuration names an OTLP endpoint or an
 * exporter is given (tests), else {@link noTracing}, with no SDK loaded or started.
 * `onExportError` hears of each batch of spans that could not be exported.
 */
export function createTracing(config: TracingConfig, options: { exporter?: SpanExporter; onExportError?: (error: Error) => void } = {}): Tracing {
  if (!config.tracesUrl && !options.exporter) return noTracing;
  // Loaded here, not imported above: a gateway without tracing never loads the SDK.
  const { createOtelTracing } = require('./createOtelTracing') as typeof import('./createOtelTracing');
  return createOtelTracing({ ...config, ...options });
}
