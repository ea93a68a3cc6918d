import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './helpers/browser';
import { startStack, type Stack } from './helpers/stack';

describe('the demo portal in a real browser', () => {
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

  it('prefills CT01 with locked fields and provenance, accepts it as filled, and catches an altered locked field', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${stack.url}/demo/`);
    const persona = stack.dataset.personas.find((p) => p.key === 'household-of-five');
    await page.waitForFunction(() => document.querySelectorAll('#persona option').length > 3);
    await page.selectOption('#persona', persona?.personalId as string);
    await page.selectOption('#form', 'CT01');
    await page.click('#open');
    await page.waitForSelector('#sheet:not([hidden])');

    expect(await page.inputValue('#f-hoTen')).toBe(persona?.fullName);
    expect(await page.getAttribute('#f-hoTen', 'readonly')).not.toBeNull();
    expect(await page.getAttribute('#f-soDienThoai', 'readonly')).toBeNull();
    expect(await page.textContent('.field[data-key="hoTen"] .source')).toContain('Cơ sở dữ liệu quốc gia về dân cư');
    expect(await page.locator('#f-thanhVienCungThayDoi tr').count()).toBe(6);

    await page.fill('#f-noiDungDeNghi', 'Đăng ký thường trú cho con');
    await page.click('#submit');
    await page.waitForSelector('#result.ok');
    expect(await page.textContent('#result')).toContain('Tờ khai hợp lệ');

    const artifacts = path.join(__dirname, 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'demo-ct01.png'), fullPage: true });

    await page.check('#tamper');
    await page.fill('#f-ngaySinh', '01/01/1990');
    await page.click('#submit');
    await page.waitForSelector('#result.bad');
    expect(await page.textContent('#result')).toContain('các ô bị khóa đã bị sửa: “Ngày, tháng, năm sinh”');
    await page.screenshot({ path: path.join(artifacts, 'demo-ct01-tampered.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('prefills TK01 with the name in capitals', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.url}/demo/`);
    const persona = stack.dataset.personas.find((p) => p.key === 'passport-holder');
    await page.waitForFunction(() => document.querySelectorAll('#persona option').length > 3);
    await page.selectOption('#persona', persona?.personalId as string);
    await page.selectOption('#form', 'TK01');
    await page.click('#open');
    await page.waitForSelector('#sheet:not([hidden])');
    expect(await page.inputValue('#f-hoTen')).toBe(persona?.fullName.toLocaleUpperCase('vi'));
    await page.click('#submit');
    await page.waitForSelector('#result.ok');
  });
});
