import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

export interface RemoteKeySetOptions {
  /** The identity provider's JWKS. */
  url: URL;
  /** Longest a fetched key set is trusted before it is fetched again: bounds how long a withdrawn key keeps working. */
  maxAgeMs: number;
  /** Deadline of one fetch. */
  timeoutMs: number;
  /** Least time between fetches caused by unknown key ids (a token naming a kid that does not exist). */
  cooldownMs: number;
  /** The clock (milliseconds); tests move it. */
  now?: () => number;
  fetch?: typeof fetch;
}

const MAX_JWKS_BYTES = 512 * 1024;

/**
 * The identity provider's keys, fetched over HTTP and trusted for at most `maxAgeMs`
 * by the gateway's own clock: a key the provider withdraws stops verifying new tokens
 * within that time. An unknown key id fetches again at once (a rotation), at most once
 * per `cooldownMs`; concurrent verifications share one fetch; a fetch has a deadline,
 * and a failed one keeps no stale set past its age.
 */
export function createRemoteKeySet(options: RemoteKeySetOptions): JWTVerifyGetKey {
  const now = options.now ?? Date.now;
  const get = options.fetch ?? fetch;
  let current: { keys: JWTVerifyGetKey; fetchedAt: number } | null = null;
  let inflight: Promise<JWTVerifyGetKey> | null = null;
  let lastFetch = -Infinity;

  const refresh = (): Promise<JWTVerifyGetKey> => {
    inflight ??= (async () => {
      lastFetch = now();
      try {
        const res = await get(options.url, { signal: AbortSignal.timeout(options.timeoutMs), headers: { accept: 'application/json' }, redirect: 'error' });
        if (!res.ok) throw new joseErrors.JWKSInvalid(`the identity provider answered ${res.status}`);
        const text = await res.text();
        if (text.length > MAX_JWKS_BYTES) throw new joseErrors.JWKSInvalid('the key set is too large');
        const set = JSON.parse(text) as JSONWebKeySet;
        if (!set || !Array.isArray(set.keys)) throw new joseErrors.JWKSInvalid('not a JSON Web Key Set');
        const keys = createLocalJWKSet(set);
        current = { keys, fetchedAt: lastFetch };
        return keys;
      } catch (err) {
        if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) throw new joseErrors.JWKSTimeout();
        throw err instanceof joseErrors.JOSEError ? err : new joseErrors.JWKSInvalid('the key set could not be fetched');
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  };

  return async (header, token) => {
    const fresh = current && now() - current.fetchedAt < options.maxAgeMs ? current.keys : await refresh();
    try {
      return await fresh(header, token);
    } catch (err) {
      // A key id we have not seen: the provider may have rotated. Ask again, not too often.
      if (err instanceof joseErrors.JWKSNoMatchingKey && now() - lastFetch >= options.cooldownMs) return (await refresh())(header, token);
      throw err;
    }
  };
}
