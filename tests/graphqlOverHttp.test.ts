import { json, startStack, type Stack } from './helpers/stack';

/** GraphQL-over-HTTP behaviour a portal relies on, and the CSRF defences. */
describe('GraphQL over HTTP', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack();
    token = await stack.citizenToken(stack.persona('minor'));
  });
  afterAll(() => stack.stop());

  const post = (body: string, contentType = 'application/json', extra: Record<string, string> = {}) =>
    fetch(`${stack.url}/graphql`, { method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${token}`, ...extra }, body });

  it('answers a POST with application/json', async () => {
    const res = await post(JSON.stringify({ query: '{ me { id } }' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('answers 400 with an error body for malformed JSON', async () => {
    const res = await post('{"query": "{ me { id } }"');
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({ errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST', messageVi: expect.any(String) } }] });
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', ''])(
    'refuses a POST with content type "%s" (CSRF)',
    async (type) => {
      await stack.resetRegistryCalls();
      const res = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: type ? { 'content-type': type, authorization: `Bearer ${token}` } : { authorization: `Bearer ${token}` },
        body: new TextEncoder().encode(JSON.stringify({ query: '{ me { person { fullName } } }' })),
      });
      expect(res.status).toBe(415);
      expect((await json(res)).errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
    },
  );

  it('refuses a mutation sent over GET', async () => {
    const url = `${stack.url}/graphql?query=${encodeURIComponent('mutation { me }')}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect((await json(res)).data).toBeUndefined();
  });

  it('answers a query over GET when the request cannot be a simple cross-site one', async () => {
    const url = `${stack.url}/graphql?query=${encodeURIComponent('{ me { id } }')}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect((await json(res)).data.me.id).toBe(stack.persona('minor'));
  });

  it('refuses a GET query without a token with 401, before anything else', async () => {
    const res = await fetch(`${stack.url}/graphql?query=${encodeURIComponent('{ me { id } }')}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(401);
    expect((await json(res)).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a GET introspection without a preflight header (CSRF), though development lets it run anonymously', async () => {
    const res = await fetch(`${stack.url}/graphql?query=${encodeURIComponent('{ __schema { queryType { name } } }')}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(400);
    const allowed = await fetch(`${stack.url}/graphql?query=${encodeURIComponent('{ __schema { queryType { name } } }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(allowed.status).toBe(200);
  });

  it('refuses batched operations', async () => {
    const res = await post(JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]));
    expect(res.status).toBe(400);
  });

  it('refuses an oversized body', async () => {
    const res = await post(JSON.stringify({ query: `{ me { id } } # ${'x'.repeat(200_000)}` }));
    expect(res.status).toBe(413);
  });

  it('answers GRAPHQL_PARSE_FAILED for a syntax error', async () => {
    const res = await post(JSON.stringify({ query: '{ me { id ' }));
    expect(res.status).toBe(400);
    expect((await json(res)).errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('answers GRAPHQL_VALIDATION_FAILED for an unknown field', async () => {
    const res = await post(JSON.stringify({ query: '{ me { salary } }' }));
    expect(res.status).toBe(400);
    expect((await json(res)).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it.each([
    ['variables that are not an object', { query: 'query($id: PersonalId!) { citizen(id: $id) { id } }', variables: [1, 2] }],
    ['a query that is not a string', { query: { nested: true } }],
    ['an unknown operation name', { query: 'query A { me { id } }', operationName: 'B' }],
  ])('answers 400, not 500, for %s', async (_name, body) => {
    const res = await post(JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(JSON.stringify(await json(res))).not.toMatch(/at .+\.(js|ts):\d+/);
  });

  it('refuses a fragment bomb before any registry call', async () => {
    const levels = Array.from({ length: 16 }, (_, i) => `fragment F${i} on Person { fullName ${i < 15 ? `a: father { person { ...F${i + 1} } } b: mother { person { ...F${i + 1} } }` : ''} }`);
    await stack.resetRegistryCalls();
    const res = await post(JSON.stringify({ query: `{ me { person { ...F0 } } } ${levels.join(' ')}` }));
    expect(res.status).toBe(400);
    expect((await json(res)).errors[0].extensions).toEqual({ messageVi: expect.any(String), code: 'QUERY_TOO_COMPLEX', limit: 'selections' });
    expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
  });

  it('echoes a well-formed X-Request-Id and replaces a hostile one', async () => {
    expect((await post(JSON.stringify({ query: '{ me { id } }' }), 'application/json', { 'x-request-id': 'portal-42' })).headers.get('x-request-id')).toBe('portal-42');
    const replaced = (await post(JSON.stringify({ query: '{ me { id } }' }), 'application/json', { 'x-request-id': '<script>alert(1)</script>' })).headers.get('x-request-id');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('errors in Vietnamese', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  it.each([
    ['a malformed personal ID', '{ citizen(id: "12345") { id } }', 'BAD_USER_INPUT', /số định danh cá nhân có đúng 12 chữ số/],
    ['a field the caller may not read', '{ citizen(id: "087215929433") { person { religion } } }', 'FORBIDDEN', /không cho phép/],
    ['a misspelt field', '{ me { persn { fullName } } }', 'GRAPHQL_VALIDATION_FAILED', /không phù hợp với lược đồ/],
  ])('words %s in Vietnamese when the request says Accept-Language: vi, and keeps the code', async (_what, query, code, vietnamese) => {
    const agency = await stack.agencyToken();
    const res = await stack.graphql(query, { token: agency, headers: { 'x-purpose': 'CT01_RESIDENCE', 'accept-language': 'vi-VN,vi;q=0.9,en;q=0.5' } });
    const error = res.body.errors?.[0] as { message: string; extensions: { code: string; messageVi: string } };
    expect(error.extensions.code).toBe(code);
    expect(error.message).toMatch(vietnamese);
    expect(error.message).toBe(error.extensions.messageVi);
  });

  it('keeps English as the message, and the Vietnamese beside it, when the request prefers English', async () => {
    const res = await stack.graphql('{ me { id } }', { token: await stack.agencyToken(), headers: { 'accept-language': 'en-GB,en;q=0.9,vi;q=0.8' } });
    const error = res.body.errors?.[0] as { message: string; extensions: { messageVi: string } };
    expect(error.message).toMatch(/cannot be called with agency tokens/);
    expect(error.extensions.messageVi).toBe('Tài khoản cán bộ không dùng được chức năng này.');
  });

  it('words a refused request without a token in Vietnamese too', async () => {
    const res = await fetch(`${stack.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { id } }' }) });
    expect((await json(res)).errors[0].extensions.messageVi).toMatch(/cần đăng nhập/);
  });
});
