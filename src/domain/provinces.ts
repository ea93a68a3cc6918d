/**
 * Administrative units used by personal IDs and addresses (DOMAIN.md).
 *
 * Two tables on purpose: personal IDs carry the legacy (QĐ 124/2004) code of the
 * province where the birth was registered and never change, while addresses are
 * stored with the units valid at the time (QĐ 19/2025: 34 provinces from 2025-07-01).
 * Never derive today's province from an ID prefix.
 */

/** A province as coded before the 2025 merger (63 units). */
export interface LegacyProvince {
  /** Two-digit QĐ 124/2004 code; the personal-ID prefix is "0" + this code. */
  code: string;
  name: string;
  /** Code of the post-2025 province this one became part of. */
  mergedInto: string;
}

/** A province after the 2025 merger (34 units). */
export interface Province {
  code: string;
  /** Official short name. */
  name: string;
  /** Name as written in an address ("Thành phố Hà Nội", "Tỉnh Cao Bằng"). */
  fullName: string;
}

const CITY = 'Thành phố';
const PROVINCE = 'Tỉnh';

/** The 34 provinces and centrally-run cities from 2025-07-01 (QĐ 19/2025). */
export const PROVINCES: readonly Province[] = (
  [
    ['01', 'Hà Nội', CITY],
    ['04', 'Cao Bằng', PROVINCE],
    ['08', 'Tuyên Quang', PROVINCE],
    ['11', 'Điện Biên', PROVINCE],
    ['12', 'Lai Châu', PROVINCE],
    ['14', 'Sơn La', PROVINCE],
    ['15', 'Lào Cai', PROVINCE],
    ['19', 'Thái Nguyên', PROVINCE],
    ['20', 'Lạng Sơn', PROVINCE],
    ['22', 'Quảng Ninh', PROVINCE],
    ['24', 'Bắc Ninh', PROVINCE],
    ['25', 'Phú Thọ', PROVINCE],
    ['31', 'Hải Phòng', CITY],
    ['33', 'Hưng Yên', PROVINCE],
    ['37', 'Ninh Bình', PROVINCE],
    ['38', 'Thanh Hóa', PROVINCE],
    ['40', 'Nghệ An', PROVINCE],
    ['42', 'Hà Tĩnh', PROVINCE],
    ['44', 'Quảng Trị', PROVINCE],
    ['46', 'Huế', CITY],
    ['48', 'Đà Nẵng', CITY],
    ['51', 'Quảng Ngãi', PROVINCE],
    ['52', 'Gia Lai', PROVINCE],
    ['56', 'Khánh Hòa', PROVINCE],
    ['66', 'Đắk Lắk', PROVINCE],
    ['68', 'Lâm Đồng', PROVINCE],
    ['75', 'Đồng Nai', PROVINCE],
    ['79', 'Hồ Chí Minh', CITY],
    ['80', 'Tây Ninh', PROVINCE],
    ['82', 'Đồng Tháp', PROVINCE],
    ['86', 'Vĩnh Long', PROVINCE],
    ['91', 'An Giang', PROVINCE],
    ['92', 'Cần Thơ', CITY],
    ['96', 'Cà Mau', PROVINCE],
  ] as const
).map(([code, name, kind]) => ({ code, name, fullName: `${kind} ${name}` }));

/** The 63 legacy provinces with the post-2025 province each became part of. */
export const LEGACY_PROVINCES: readonly LegacyProvince[] = (
  [
    ['01', 'Hà Nội', '01'],
    ['02', 'Hà Giang', '08'],
    ['04', 'Cao Bằng', '04'],
    ['06', 'Bắc Kạn', '19'],
    ['08', 'Tuyên Quang', '08'],
    ['10', 'Lào Cai', '15'],
    ['11', 'Điện Biên', '11'],
    ['12', 'Lai Châu', '12'],
    ['14', 'Sơn La', '14'],
    ['15', 'Yên Bái', '15'],
    ['17', 'Hòa Bình', '25'],
    ['19', 'Thái Nguyên', '19'],
    ['20', 'Lạng Sơn', '20'],
    ['22', 'Quảng Ninh', '22'],
    ['24', 'Bắc Giang', '24'],
    ['25', 'Phú Thọ', '25'],
    ['26', 'Vĩnh Phúc', '25'],
    ['27', 'Bắc Ninh', '24'],
    ['30', 'Hải Dương', '31'],
    ['31', 'Hải Phòng', '31'],
    ['33', 'Hưng Yên', '33'],
    ['34', 'Thái Bình', '33'],
    ['35', 'Hà Nam', '37'],
    ['36', 'Nam Định', '37'],
    ['37', 'Ninh Bình', '37'],
    ['38', 'Thanh Hóa', '38'],
    ['40', 'Nghệ An', '40'],
    ['42', 'Hà Tĩnh', '42'],
    ['44', 'Quảng Bình', '44'],
    ['45', 'Quảng Trị', '44'],
    ['46', 'Thừa Thiên Huế', '46'],
    ['48', 'Đà Nẵng', '48'],
    ['49', 'Quảng Nam', '48'],
    ['51', 'Quảng Ngãi', '51'],
    ['52', 'Bình Định', '52'],
    ['54', 'Phú Yên', '66'],
    ['56', 'Khánh Hòa', '56'],
    ['58', 'Ninh Thuận', '56'],
    ['60', 'Bình Thuận', '68'],
    ['62', 'Kon Tum', '51'],
    ['64', 'Gia Lai', '52'],
    ['66', 'Đắk Lắk', '66'],
    ['67', 'Đắk Nông', '68'],
    ['68', 'Lâm Đồng', '68'],
    ['70', 'Bình Phước', '75'],
    ['72', 'Tây Ninh', '80'],
    ['74', 'Bình Dương', '79'],
    ['75', 'Đồng Nai', '75'],
    ['77', 'Bà Rịa–Vũng Tàu', '79'],
    ['79', 'TP Hồ Chí Minh', '79'],
    ['80', 'Long An', '80'],
    ['82', 'Tiền Giang', '82'],
    ['83', 'Bến Tre', '86'],
    ['84', 'Trà Vinh', '86'],
    ['86', 'Vĩnh Long', '86'],
    ['87', 'Đồng Tháp', '82'],
    ['89', 'An Giang', '91'],
    ['91', 'Kiên Giang', '91'],
    ['92', 'Cần Thơ', '92'],
    ['93', 'Hậu Giang', '92'],
    ['94', 'Sóc Trăng', '92'],
    ['95', 'Bạc Liêu', '96'],
    ['96', 'Cà Mau', '96'],
  ] as const
).map(([code, name, mergedInto]) => ({ code, name, mergedInto }));

const legacyByCode = new Map(LEGACY_PROVINCES.map((p) => [p.code, p]));
const provinceByCode = new Map(PROVINCES.map((p) => [p.code, p]));

/** The legacy province for a two-digit code, or undefined. */
export function legacyProvince(code: string): LegacyProvince | undefined {
  return legacyByCode.get(code);
}

/** The post-2025 province for a two-digit code, or undefined. */
export function province(code: string): Province | undefined {
  return provinceByCode.get(code);
}
