import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
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

  /** Opens a form for a persona in the portal, as a citizen would. */
  async function openForm(personaKey: string, formId: string, page: Page) {
    await page.goto(`${stack.url}/demo/`);
    await page.waitForFunction(() => document.querySelectorAll('#persona option').length > 3);
    await page.selectOption('#persona', stack.persona(personaKey));
    await page.selectOption('#form', formId);
    await page.click('#open');
    await page.waitForSelector('#sheet:not([hidden])');
  }

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
    // The other four members are offered, none on the form until the citizen ticks them.
    expect(await page.locator('#f-thanhVienCungThayDoi tr.registry').count()).toBe(4);
    expect(await page.locator('#f-thanhVienCungThayDoi input[type=checkbox]:checked').count()).toBe(0);
    expect(await page.inputValue('#f-kinhGui')).toMatch(/^Công an (phường|xã|đặc khu) /);
    // Registering into another household: the head and the relationship are the citizen's to type.
    expect(await page.getAttribute('#f-hoTenChuHo', 'readonly')).toBeNull();
    await page.check('#f-thanhVienCungThayDoi tr.registry >> nth=0 >> input[type=checkbox]');
    await page.fill('#f-thanhVienCungThayDoi tr.registry >> nth=0 >> td[data-key="quanHeVoiChuHo"] input', 'Con');

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

  it('lets the citizen type on LLTP_03 what the registries could not fill, and shows the residence history with a row to add', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openForm('no-documents', 'LLTP_03', page);
    const persona = stack.dataset.people.get(stack.persona('no-documents'));
    expect(await page.inputValue('#f-hoTen')).toBe(persona?.fullName.toLocaleUpperCase('vi'));
    expect(await page.locator('.field[data-key="tenGoiKhac"] label').textContent()).toBe('Tên gọi khác (nếu có)');
    // No document on record: the document fields are open for typing, with the reason.
    for (const key of ['giayToTuyThan_loai', 'giayToTuyThan_so', 'giayToTuyThan_ngayCap', 'giayToTuyThan_noiCap']) expect(await page.getAttribute(`#f-${key}`, 'readonly')).toBeNull();
    expect(await page.textContent('.field[data-key="giayToTuyThan.so"] .missing')).toContain('vui lòng nhập');
    // The spouse has died: left empty for the citizen, with the note.
    expect(await page.inputValue('#f-voChong_hoTen')).toBe('');
    expect(await page.getAttribute('#f-voChong_hoTen', 'readonly')).toBeNull();
    expect(await page.textContent('.field[data-key="voChong.hoTen"] .note')).toBe('Đã mất');
    const history = stack.dataset.residences.get(stack.persona('no-documents'))?.history ?? [];
    const rows = page.locator('#f-quaTrinhCuTru tr.registry');
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await rows.count()).toBeLessThanOrEqual(history.length);
    expect(await page.textContent('#f-quaTrinhCuTru tr.registry >> nth=-1 >> td[data-key="denThang"]')).toBe('nay');

    await page.fill('#f-giayToTuyThan_loai', 'Hộ chiếu');
    await page.fill('#f-giayToTuyThan_so', 'C1234567');
    await page.fill('#f-quaTrinhCuTru tr.registry >> nth=0 >> td[data-key="ngheNghiep"] input', 'Nông dân');
    await page.click('#f-quaTrinhCuTru-add');
    await page.fill('#f-quaTrinhCuTru tr.typed td[data-key="noiCuTru"] input', 'Praha, Cộng hòa Séc');
    await page.selectOption('#f-loaiPhieu', 'Số 1');
    await page.selectOption('#f-xacNhanCamDamNhiemChucVu', 'Không');
    await page.fill('#f-soLuong', '1');
    await page.click('#submit');
    await page.waitForSelector('#result.ok');
    await page.screenshot({ path: path.join(__dirname, 'artifacts', 'demo-lltp03.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('offers the temporary residence on KHAI_SINH and writes the date of birth in words', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1800 } });
    await openForm('temporary-residence', 'KHAI_SINH', page);
    const options = await page.locator('#f-nguoiYeuCau_noiCuTru option').allTextContents();
    expect(options).toHaveLength(2);
    await page.selectOption('#f-nguoiYeuCau_noiCuTru', options[1] as string);
    await page.fill('#f-tre_ngaySinh', '24/04/2026');
    expect(await page.inputValue('#f-tre_ngaySinhBangChu')).toBe('Ngày hai mươi tư tháng tư năm hai nghìn không trăm hai mươi sáu');
    await page.fill('#f-tre_ngaySinh', '01/10/2005');
    expect(await page.inputValue('#f-tre_ngaySinhBangChu')).toBe('Ngày một tháng mười năm hai nghìn không trăm linh năm');
    await page.fill('#f-tre_hoTen', 'Nguyễn An Nhiên');
    await page.fill('#f-soLuongBanSao', '2');
    await page.click('#submit');
    await page.waitForSelector('#result.ok');
    await page.screenshot({ path: path.join(__dirname, 'artifacts', 'demo-khai-sinh.png'), fullPage: true });
  });

  it('fills TK01a for a parent acting for their child under 14, with their own block as legal representative', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1600 } });
    const parent = stack.dataset.people.get(stack.persona('birth-registration-parent'));
    await page.goto(`${stack.url}/demo/`);
    await page.waitForFunction(() => document.querySelectorAll('#persona option').length > 3);
    await page.selectOption('#persona', parent?.id as string);
    await page.waitForFunction(() => document.querySelectorAll('#subject option').length > 1);
    const child = await page.getAttribute('#subject option >> nth=1', 'value');
    await page.selectOption('#subject', child as string);
    await page.selectOption('#form', 'TK01A');
    await page.click('#open');
    await page.waitForSelector('#sheet:not([hidden])');
    expect(await page.inputValue('#f-daiDien_hoTen')).toBe(parent?.fullName.toLocaleUpperCase('vi'));
    expect(await page.inputValue('#f-daiDien_quanHe')).toBe('Mẹ');
    expect(await page.inputValue('#f-hoTen')).toBe(stack.dataset.people.get(child as string)?.fullName.toLocaleUpperCase('vi'));
    expect(await page.textContent('#title')).toContain('(TK01a)');
    await page.click('#submit');
    await page.waitForSelector('#result.ok');
    await page.screenshot({ path: path.join(__dirname, 'artifacts', 'demo-tk01a.png'), fullPage: true });
  });
});
