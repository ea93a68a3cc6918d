import { CircuitBreaker, type BreakerState } from './CircuitBreaker';
import { CorrectionsConnector } from './CorrectionsConnector';
import { DocumentsConnector } from './DocumentsConnector';
import { PopulationConnector } from './PopulationConnector';
import { RegistryClient, type UpstreamObserver } from './RegistryClient';
import { ResidenceConnector } from './ResidenceConnector';
import { REGISTRY_NAMES, type RegistryName } from './types';

export interface RegistryEndpoint {
  url: string;
  timeoutMs: number;
  retries: number;
  /** Connections open to the registry at once (default 64). */
  maxConnections?: number;
}

export interface ConnectorsOptions {
  registries: Record<RegistryName, RegistryEndpoint>;
  breaker: { failureThreshold: number; resetTimeoutMs: number };
  /** The breakers' clock, in milliseconds (Date.now unless injected). */
  now?: () => number;
  retryBaseDelayMs?: number;
  maxBatch?: number;
  observer?: UpstreamObserver;
  onBreakerStateChange?: (registry: RegistryName, state: BreakerState) => void;
}

export interface Connectors {
  population: PopulationConnector;
  residence: ResidenceConnector;
  documents: DocumentsConnector;
  /** Each registry's correction desk, over the same clients (deadlines, retries, breakers). */
  corrections: CorrectionsConnector;
  /** One client (and breaker) per registry, for health reporting. */
  clients: Record<RegistryName, RegistryClient>;
}

/** Builds one client, breaker and typed connector per registry. */
export function createConnectors(options: ConnectorsOptions): Connectors {
  const clients = Object.fromEntries(
    REGISTRY_NAMES.map((registry) => {
      const endpoint = options.registries[registry];
      const breaker = new CircuitBreaker({
        ...options.breaker,
        now: options.now,
        onStateChange: (state) => options.onBreakerStateChange?.(registry, state),
      });
      const client = new RegistryClient({
        registry,
        baseUrl: endpoint.url,
        timeoutMs: endpoint.timeoutMs,
        retries: endpoint.retries,
        maxSockets: endpoint.maxConnections,
        retryBaseDelayMs: options.retryBaseDelayMs,
        breaker,
        observer: options.observer,
      });
      return [registry, client];
    }),
  ) as Record<RegistryName, RegistryClient>;
  const common = { maxBatch: options.maxBatch };
  return {
    population: new PopulationConnector({ client: clients.POPULATION, ...common }),
    residence: new ResidenceConnector({ client: clients.RESIDENCE, ...common }),
    documents: new DocumentsConnector({ client: clients.DOCUMENTS, ...common }),
    corrections: new CorrectionsConnector(clients),
    clients,
  };
}
