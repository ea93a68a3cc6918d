import type { FaultMode } from '../mocks/createRegistryServer';
import type { RegistryName } from '../connectors/types';
import { startStack, type Stack } from './helpers/stack';

const QUERY = /* GraphQL */ `
  query Partial($id: PersonalId!) {
    citizen(id: $id) {
      id
      person { fullName }
      residence { permanentAddress { full } }
      documents { type }
    }
  }
`;
const FIELD: Record<RegistryName, string> = { POPULATION: 'person', RESIDENCE: 'residence', DOCUMENTS: 'documents' };
const REGISTRIES: RegistryName[] = ['POPULATION', 'RESIDENCE', 'DOCUMENTS'];
const EXPECTED: Record<Exclude<FaultMode, 'ok'>, string> = {
  down: 'UPSTREAM_UNAVAILABLE',
  error: 'UPSTREAM_UNAVAILABLE',
  slow: 'UPSTREAM_TIMEOUT',
  hang: 'UPSTREAM_TIMEOUT',
};

async function stats(stack: Stack, registry: RegistryName) {
  return (await (await fetch(`${stack.mocks.urls[registry]}/__stats`)).json()) as { requests: number; aborted: number };
}

describe.each(REGISTRIES)('one registry failing: %s', (registry) => {
  let stack: Stack;
  let token: string;
  let id: string;
  beforeAll(async () => {
    // A short deadline for the registry that fails, so that a slow or hung one is given up on
    // quickly; the others keep the default, so a busy machine never makes them miss theirs.
    stack = await startStack({ [`${registry}_TIMEOUT_MS`]: '300', REGISTRY_RETRIES: '1', REGISTRY_RETRY_BASE_MS: '5', BREAKER_FAILURE_THRESHOLD: '1000' });
    token = await stack.agencyToken();
    id = stack.persona('passport-holder');
  });
  afterAll(() => stack.stop());

  for (const mode of Object.keys(EXPECTED) as (keyof typeof EXPECTED)[]) {
    it(`returns the other registries' data and ${EXPECTED[mode]} for ${registry} when it is ${mode}`, async () => {
      await stack.fault(registry, mode, mode === 'slow' ? 2000 : undefined);
      await stack.resetRegistryCalls();
      try {
        const res = await stack.graphql(QUERY, { variables: { id }, token, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
        expect(res.status).toBe(200);
        const citizen = res.body.data?.citizen as Record<string, unknown>;
        expect(citizen.id).toBe(id);
        for (const other of REGISTRIES) {
          if (other === registry) expect(citizen[FIELD[other]]).toBeNull();
          else expect(citizen[FIELD[other]]).not.toBeNull();
        }
        expect(res.body.errors).toHaveLength(1);
        const [error] = res.body.errors ?? [];
        expect(error?.path).toEqual(['citizen', FIELD[registry]]);
        expect(error?.extensions).toEqual({ messageVi: expect.any(String), code: EXPECTED[mode], registry });
        // The registry's own error body never reaches a client.
        expect(JSON.stringify(res.body)).not.toMatch(/java|SQL|dancu-prod|svc_gateway|stack/i);

        const s = await stats(stack, registry);
        if (mode === 'slow' || mode === 'hang') {
          // The budget ran out and the gateway hung up; a timeout is not retried.
          expect(s.requests).toBe(1);
          let aborted = s.aborted;
          for (let i = 0; i < 50 && aborted === 0; i++) {
            await new Promise((r) => setTimeout(r, 10));
            aborted = (await stats(stack, registry)).aborted;
          }
          expect(aborted).toBe(1);
        } else {
          // Network errors and 5xx are retried once (REGISTRY_RETRIES=1).
          expect(s.requests).toBe(2);
        }
      } finally {
        await stack.fault(registry, 'ok');
      }
    });
  }
});

describe('circuit breaker', () => {
  let stack: Stack;
  let token: string;
  let id: string;
  // The breakers' clock: real time, moved past the reset timeout by the tests, so a slow machine never half-opens a breaker early.
  let ahead = 0;
  const RESET_MS = 60_000;
  beforeAll(async () => {
    // POPULATION fails with errors, not timeouts: every registry keeps the default deadline.
    stack = await startStack({ REGISTRY_RETRIES: '0', BREAKER_FAILURE_THRESHOLD: '3', BREAKER_RESET_MS: String(RESET_MS) }, { now: () => new Date(Date.now() + ahead) });
    token = await stack.agencyToken();
    id = stack.persona('passport-holder');
  });
  afterAll(() => stack.stop());

  const ask = () => stack.graphql(QUERY, { variables: { id }, token, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
  const breaker = async () =>
    ((await (await fetch(`${stack.url}/readyz`)).json()) as { registries: Record<string, { breaker: string }> }).registries.population?.breaker;
  const gauge = async () => {
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    return /gateway_breaker_state\{registry="population"\} (\d)/.exec(text)?.[1];
  };

  it('opens after repeated failures, then fails fast without an HTTP call', async () => {
    await stack.fault('POPULATION', 'error');
    await stack.resetRegistryCalls();
    for (let i = 0; i < 3; i++) expect((await ask()).body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await stack.registryCalls()).POPULATION).toBe(3);
    expect(await breaker()).toBe('open');
    expect(await gauge()).toBe('2');

    const res = await ask();
    expect(res.body.errors?.[0]?.extensions).toEqual({ messageVi: expect.any(String), code: 'UPSTREAM_UNAVAILABLE', registry: 'POPULATION' });
    expect((res.body.data?.citizen as Record<string, unknown>).documents).not.toBeNull();
    expect((await stack.registryCalls()).POPULATION).toBe(3);
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    expect(metrics).toMatch(/gateway_breaker_rejections_total\{registry="population"\} [1-9]/);
  });

  it('half-opens after the reset timeout and re-opens when the probe fails', async () => {
    ahead += RESET_MS / 2;
    expect(await breaker()).toBe('open');
    ahead += RESET_MS / 2;
    expect(await breaker()).toBe('half_open');
    expect(await gauge()).toBe('1');
    await stack.resetRegistryCalls();
    expect((await ask()).body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await stack.registryCalls()).POPULATION).toBe(1);
    expect(await breaker()).toBe('open');
  });

  it('closes again when the registry recovers', async () => {
    await stack.fault('POPULATION', 'ok');
    ahead += RESET_MS;
    expect(await breaker()).toBe('half_open');
    const res = await ask();
    expect(res.body.errors).toBeUndefined();
    expect(await breaker()).toBe('closed');
    expect(await gauge()).toBe('0');
  });
});
