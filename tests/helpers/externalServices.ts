import type { RegistryName } from '../../connectors/types';
import { TEST_AUDIENCE, TEST_ISSUER } from './testIdentityProvider';

/**
 * The settings that point a gateway at running registries, an identity provider and a
 * PostgreSQL database: what production mode requires instead of the embedded defaults.
 */
export function externalServices(mocks: { urls: Record<RegistryName, string> }, idp: { jwksUrl: string }, databaseUrl: string): Record<string, string> {
  return {
    POPULATION_URL: mocks.urls.POPULATION,
    RESIDENCE_URL: mocks.urls.RESIDENCE,
    DOCUMENTS_URL: mocks.urls.DOCUMENTS,
    AUTH_JWKS_URL: idp.jwksUrl,
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    DATABASE_URL: databaseUrl,
  };
}
