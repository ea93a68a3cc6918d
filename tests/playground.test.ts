import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './helpers/browser';
import { startStack, type Stack } from './helpers/stack';

describe('playground in a real browser', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    stack = await startStack();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack.stop();
  });

  it('opens clean before any token: no error, and the schema loaded for the docs', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${stack.url}/graphql`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container');
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.waitForFunction(() => document.querySelector('.graphiql-doc-explorer')?.textContent?.includes('Query'), undefined, { timeout: 15_000 });
    expect(await page.textContent('.graphiql-doc-explorer')).toContain('Query');
    expect((await page.textContent('.graphiql-response')) ?? '').not.toMatch(/error/i);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('loads from localhost only, mints a persona token and runs the example query', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    const seen: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      seen.push(url.pathname);
      if (url.protocol === 'data:' || url.hostname === '127.0.0.1') return route.continue();
      outside.push(url.href);
      return route.abort();
    });
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));

    await page.goto(`${stack.url}/graphql`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container');
    await page.waitForFunction(() => (document.querySelectorAll('select option').length ?? 0) > 3);
    await page.click('#pg-get-token');
    await page.waitForFunction(() => document.querySelector('.pg-status')?.textContent?.includes('Đã gắn token'));
    await page.waitForSelector('.graphiql-execute-button');
    await page.click('.graphiql-execute-button');
    await page.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent?.includes('fullName'), undefined, { timeout: 15_000 });

    const response = (await page.textContent('.graphiql-response')) ?? '';
    const persona = stack.dataset.personas[0];
    expect(response).toContain(persona?.fullName);
    expect(response).toContain('POPULATION');
    expect(response).not.toContain('"errors"');

    const artifacts = path.join(__dirname, 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'playground.png') });

    expect(outside).toEqual([]);
    expect(seen).toEqual(expect.arrayContaining(['/playground/graphiql.min.js', '/playground/react.production.min.js', '/dev/token', '/graphql']));
    expect(consoleErrors).toEqual([]);
  });
});
