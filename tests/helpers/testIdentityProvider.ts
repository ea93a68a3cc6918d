import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export const TEST_ISSUER = 'https://idp.test.gov.vn';
export const TEST_AUDIENCE = 'vn-registry-gateway';

/** A stand-in for a production identity provider: keys served as a JWKS over HTTP. */
export interface TestIdentityProvider {
  jwksUrl: string;
  publicJwk: JWK;
  /** Signs with the published key unless told otherwise. */
  sign(claims: Record<string, unknown>, options?: { key?: CryptoKey; kid?: string; alg?: string; expiresIn?: string | number; issuer?: string; audience?: string; omitExp?: boolean }): Promise<string>;
  /** A key pair the provider does not publish. */
  strangerKey: CryptoKey;
  /** Withdraws the trusted key from the published set (as after a leak), publishing the stranger's instead. */
  withdrawTrustedKey(): void;
  /** How many times the key set was fetched. */
  fetches(): number;
  stop(): Promise<void>;
}

export async function startTestIdentityProvider(): Promise<TestIdentityProvider> {
  const trusted = await generateKeyPair('ES256', { extractable: true });
  const stranger = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(trusted.publicKey)), kid: 'trusted-1', alg: 'ES256', use: 'sig' };
  const replacement = { ...(await exportJWK(stranger.publicKey)), kid: 'trusted-2', alg: 'ES256', use: 'sig' };
  let published: JWK[] = [publicJwk];
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    publicJwk,
    strangerKey: stranger.privateKey,
    withdrawTrustedKey() {
      published = [replacement];
    },
    fetches: () => fetches,
    async sign(claims, o = {}) {
      let jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: o.alg ?? 'ES256', kid: o.kid ?? 'trusted-1' })
        .setIssuer(o.issuer ?? TEST_ISSUER)
        .setAudience(o.audience ?? TEST_AUDIENCE)
        .setIssuedAt(typeof claims.iat === 'number' ? claims.iat : undefined);
      if (!o.omitExp) jwt = jwt.setExpirationTime(o.expiresIn ?? '10m');
      return jwt.sign(o.key ?? trusted.privateKey);
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
