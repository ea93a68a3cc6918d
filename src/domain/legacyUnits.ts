/**
 * Administrative units as they were before the 2025 reorganisation, and what they became.
 *
 * From 2025-07-01 Vietnam has 34 provinces and no district level (Nghị quyết 202/2025/QH15 for
 * the provinces; one resolution of the National Assembly Standing Committee per province, dated
 * 2025-06-16, for the communes). Banks, old dossiers and older registry entries still hold
 * addresses of the form "commune, district, province" in the 63-province units; this module
 * maps those names to the merged units.
 *
 * Sources:
 * - provinces: Nghị quyết 202/2025/QH15 (12 June 2025), as already encoded in `LEGACY_PROVINCES`;
 * - communes: the Government's conversion table of new and old units ("Bảng chuyển đổi đơn vị
 *   hành chính mới – cũ", published with the draft of Quyết định 19/2025/QĐ-TTg on chinhphu.vn),
 *   read from the transcription in github.com/sunshine-tech/VietnamProvinces,
 *   dev/seed-data/2025-07/BangChuyendoiĐVHCmoi_cu_khong_merge.csv. Rows that moved only land
 *   ("nhập một phần diện tích") are left out: no resident's address can be there. Rows that
 *   moved part of the land but all the residents ("một phần diện tích, toàn bộ dân số") count
 *   as whole.
 * - Huế: a centrally-run city ("Thành phố Huế") from 2025-01-01 (Nghị quyết 175/2024/QH15),
 *   "Tỉnh Thừa Thiên Huế" before; both names are accepted.
 *
 * The commune table covers the communes the synthetic registries use, not the whole country:
 * a legacy commune it does not list is "unknown", never "no match".
 */
import { LEGACY_PROVINCES } from './provinces';

/** A province as named before 2025-07-01, with the names people still write for it. */
export interface LegacyProvinceName {
  /** Two-digit QĐ 124/2004 code. */
  code: string;
  /** Official name with its unit type, as in an address ("Tỉnh Nam Định", "Thành phố Hà Nội"). */
  fullName: string;
  /** Other spellings found in old records (short names, abbreviations, earlier names). */
  aliases: readonly string[];
  /** Code of the post-2025 province it became part of. */
  mergedInto: string;
}

/** A commune before 2025-07-01: its province, district and name. */
export interface LegacyCommune {
  /** Two-digit QĐ 124/2004 code of the province. */
  provinceCode: string;
  /** District (quận, huyện, thị xã, thành phố thuộc tỉnh) with its unit type. */
  district: string;
  /** Commune (phường, xã, thị trấn) with its unit type. */
  commune: string;
  /** True when only part of it (and of its residents) went into the merged commune. */
  partial: boolean;
}

/** A post-2025 commune and the legacy communes it was formed from. */
export interface MergedCommune {
  /** Two-digit post-2025 province code. */
  provinceCode: string;
  /** Name with its unit type ("Phường Ba Đình"). */
  name: string;
  sources: readonly LegacyCommune[];
}

/** A post-2025 commune a legacy commune (or part of it) now belongs to. */
export interface MergedCommuneMatch {
  provinceCode: string;
  name: string;
  /** True when the legacy commune was split, so an address there may be in another merged commune. */
  partial: boolean;
}

/** Legacy provinces whose unit type was "Thành phố" (centrally-run cities) just before 2025-07-01. */
const LEGACY_CITIES = new Set(['01', '31', '46', '48', '79', '92']);

const OFFICIAL_NAMES: Readonly<Record<string, string>> = {
  '46': 'Huế',
  '77': 'Bà Rịa - Vũng Tàu',
  '79': 'Hồ Chí Minh',
};

const ALIASES: Readonly<Record<string, readonly string[]>> = {
  '01': ['HN'],
  '46': ['Tỉnh Thừa Thiên Huế', 'Thừa Thiên Huế', 'Thừa Thiên - Huế', 'TT Huế'],
  '66': ['Đắc Lắc', 'Daklak'],
  '67': ['Đắc Nông', 'Daknong'],
  '77': ['Bà Rịa–Vũng Tàu', 'Bà Rịa Vũng Tàu', 'BR-VT', 'BRVT'],
  '79': ['TP Hồ Chí Minh', 'TP HCM', 'TPHCM', 'HCM', 'Sài Gòn'],
};

/** The 63 provinces as named just before 2025-07-01. */
export const LEGACY_PROVINCE_NAMES: readonly LegacyProvinceName[] = LEGACY_PROVINCES.map((p) => {
  const name = OFFICIAL_NAMES[p.code] ?? p.name;
  return {
    code: p.code,
    fullName: `${LEGACY_CITIES.has(p.code) ? 'Thành phố' : 'Tỉnh'} ${name}`,
    aliases: [name, ...(ALIASES[p.code] ?? [])],
    mergedInto: p.mergedInto,
  };
});

type SourceRow = readonly [legacyProvinceCode: string, district: string, communes: readonly string[]];

/**
 * Post-2025 commune → its legacy sources, one row per legacy district; a leading "~" marks a
 * legacy commune merged only in part. Transcribed from the conversion table (see the header).
 */
const TABLE: readonly (readonly [provinceCode: string, commune: string, sources: readonly SourceRow[]])[] = [
  ['01', 'Phường Ba Đình', [['01', 'Quận Ba Đình', ['Phường Trúc Bạch', 'Phường Quán Thánh', '~Phường Ngọc Hà', '~Phường Điện Biên', '~Phường Đội Cấn', '~Phường Kim Mã']], ['01', 'Quận Hoàn Kiếm', ['~Phường Đồng Xuân', '~Phường Cửa Đông', '~Phường Cửa Nam']]]],
  ['01', 'Phường Hoàn Kiếm', [['01', 'Quận Hoàn Kiếm', ['~Phường Đồng Xuân', 'Phường Hàng Mã', 'Phường Hàng Buồm', 'Phường Hàng Đào', 'Phường Hàng Bồ', '~Phường Cửa Đông', 'Phường Lý Thái Tổ', 'Phường Hàng Bạc', 'Phường Hàng Gai', '~Phường Hàng Trống', '~Phường Cửa Nam', '~Phường Hàng Bông', '~Phường Tràng Tiền']], ['01', 'Quận Ba Đình', ['~Phường Điện Biên']]]],
  ['01', 'Phường Cầu Giấy', [['01', 'Quận Cầu Giấy', ['~Phường Dịch Vọng', '~Phường Dịch Vọng Hậu', '~Phường Quan Hoa', '~Phường Yên Hòa']], ['01', 'Quận Nam Từ Liêm', ['~Phường Mỹ Đình 1', '~Phường Mỹ Đình 2']]]],
  ['01', 'Phường Đống Đa', [['01', 'Quận Đống Đa', ['~Phường Ô Chợ Dừa', '~Phường Láng Hạ', '~Phường Nam Đồng', '~Phường Quang Trung', '~Phường Trung Liệt', 'Phường Thịnh Quang']]]],
  ['01', 'Phường Hà Đông', [['01', 'Quận Hà Đông', ['~Phường Quang Trung', '~Phường Mộ Lao', '~Phường Văn Quán', 'Phường Vạn Phúc', '~Phường La Khê', 'Phường Phúc La', '~Phường Hà Cầu']], ['01', 'Quận Nam Từ Liêm', ['~Phường Đại Mỗ']], ['01', 'Huyện Thanh Trì', ['~Xã Tân Triều']]]],
  ['01', 'Xã Sóc Sơn', [['01', 'Huyện Sóc Sơn', ['Thị trấn Sóc Sơn', 'Xã Phù Linh', 'Xã Tân Minh', '~Xã Quang Tiến', 'Xã Tiên Dược', 'Xã Mai Đình', 'Xã Đông Xuân', '~Xã Phú Minh', 'Xã Phù Lỗ']]]],
  ['04', 'Xã Trùng Khánh', [['04', 'Huyện Trùng Khánh', ['Thị trấn Trùng Khánh', 'Xã Khâm Thành', 'Xã Lăng Hiếu', 'Xã Đức Hồng']]]],
  ['04', 'Xã Quảng Uyên', [['04', 'Huyện Quảng Hòa', ['Thị trấn Quảng Uyên', 'Xã Phi Hải', 'Xã Phúc Sen', 'Xã Chí Thảo']]]],
  ['04', 'Xã Hòa An', [['04', 'Huyện Hòa An', ['Thị trấn Nước Hai', 'Xã Đại Tiến', 'Xã Hồng Việt']]]],
  ['08', 'Phường Minh Xuân', [['08', 'Thành phố Tuyên Quang', ['Phường Phan Thiết', 'Phường Minh Xuân', 'Phường Tân Quang', 'Phường Ỷ La', 'Phường Tân Hà', '~Xã Kim Phú']], ['08', 'Huyện Yên Sơn', ['Xã Trung Môn']]]],
  ['08', 'Phường Hà Giang 1', [['02', 'Thành phố Hà Giang', ['~Phường Quang Trung', 'Phường Nguyễn Trãi', 'Xã Phương Độ', 'Xã Phương Thiện']]]],
  ['08', 'Xã Vị Xuyên', [['02', 'Huyện Vị Xuyên', ['Thị trấn Vị Xuyên', 'Thị trấn Nông trường Việt Lâm', 'Xã Đạo Đức', '~Xã Việt Lâm']]]],
  ['11', 'Phường Điện Biên Phủ', [['11', 'Thành phố Điện Biên Phủ', ['Phường Him Lam', 'Phường Thanh Bình', 'Phường Tân Thanh', 'Phường Mường Thanh', 'Phường Thanh Trường', 'Xã Thanh Minh']]]],
  ['11', 'Phường Mường Lay', [['11', 'Thị xã Mường Lay', ['Phường Sông Đà', 'Phường Na Lay', 'Xã Lay Nưa']], ['11', 'Huyện Mường Chà', ['Xã Sá Tổng']]]],
  ['11', 'Xã Mường Chà', [['11', 'Huyện Nậm Pồ', ['Xã Nậm Tin', 'Xã Pa Tần', 'Xã Chà Cang', 'Xã Chà Nưa']]]],
  ['12', 'Phường Đoàn Kết', [['12', 'Thành phố Lai Châu', ['Phường Quyết Thắng', 'Phường Quyết Tiến', 'Phường Đoàn Kết', 'Xã Sùng Phài']], ['12', 'Huyện Phong Thổ', ['Xã Lản Nhì Thàng']]]],
  ['12', 'Phường Tân Phong', [['12', 'Thành phố Lai Châu', ['Phường Tân Phong', 'Phường Đông Phong', 'Xã San Thàng']], ['12', 'Huyện Tam Đường', ['Xã Nùng Nàng', 'Xã Bản Giang']]]],
  ['12', 'Xã Bình Lư', [['12', 'Huyện Tam Đường', ['Thị trấn Tam Đường', 'Xã Bình Lư', 'Xã Sơn Bình']]]],
  ['14', 'Phường Tô Hiệu', [['14', 'Thành phố Sơn La', ['Phường Chiềng Lề', 'Phường Tô Hiệu', 'Phường Quyết Thắng', 'Phường Quyết Tâm']]]],
  ['14', 'Phường Chiềng An', [['14', 'Thành phố Sơn La', ['Xã Chiềng Đen', 'Xã Chiềng Xôm', 'Phường Chiềng An']]]],
  ['14', 'Phường Mộc Châu', [['14', 'Thị xã Mộc Châu', ['Phường Mộc Lỵ', 'Xã Chiềng Hắc', 'Phường Mường Sang']]]],
  ['15', 'Phường Sa Pa', [['10', 'Thị xã Sa Pa', ['Phường Sa Pa', 'Phường Sa Pả', 'Phường Ô Quý Hồ', 'Phường Phan Si Păng', 'Phường Hàm Rồng', 'Phường Cầu Mây']]]],
  ['15', 'Phường Yên Bái', [['15', 'Thành phố Yên Bái', ['Phường Yên Ninh', 'Phường Minh Tân', 'Phường Nguyễn Thái Học', 'Phường Đồng Tâm', 'Phường Hồng Hà']]]],
  ['15', 'Xã Bát Xát', [['10', 'Huyện Bát Xát', ['Thị trấn Bát Xát', 'Xã Bản Vược', 'Xã Bản Qua', 'Xã Quang Kim', 'Xã Phìn Ngan']]]],
  ['19', 'Phường Quyết Thắng', [['19', 'Thành phố Thái Nguyên', ['Phường Thịnh Đán', 'Xã Phúc Hà', 'Xã Quyết Thắng']]]],
  ['19', 'Phường Sông Công', [['19', 'Thành phố Sông Công', ['Phường Cải Đan', 'Phường Thắng Lợi', 'Phường Phố Cò']]]],
  ['19', 'Xã Chợ Đồn', [['06', 'Huyện Chợ Đồn', ['Thị trấn Bằng Lũng', 'Xã Phương Viên', 'Xã Ngọc Phái', 'Xã Bằng Lãng']]]],
  ['19', 'Xã Đại Từ', [['19', 'Huyện Đại Từ', ['Xã Khôi Kỳ', 'Xã Bình Thuận', 'Xã Lục Ba', 'Xã Mỹ Yên']]]],
  ['20', 'Phường Tam Thanh', [['20', 'Thành phố Lạng Sơn', ['Phường Tam Thanh', 'Xã Hoàng Đồng']]]],
  ['20', 'Phường Lương Văn Tri', [['20', 'Thành phố Lạng Sơn', ['Phường Chi Lăng', 'Xã Quảng Lạc']]]],
  ['20', 'Xã Đồng Đăng', [['20', 'Huyện Cao Lộc', ['Thị trấn Đồng Đăng', 'Xã Bảo Lâm', 'Xã Hồng Phong', 'Xã Thụy Hùng', 'Xã Phú Xá']]]],
  ['22', 'Phường Hạ Long', [['22', 'Thành phố Hạ Long', ['Phường Hồng Hải', 'Phường Hồng Hà']]]],
  ['22', 'Phường Hồng Gai', [['22', 'Thành phố Hạ Long', ['Phường Trần Hưng Đạo', 'Phường Hồng Gai', 'Phường Bạch Đằng']]]],
  ['22', 'Phường Móng Cái 1', [['22', 'Thành phố Móng Cái', ['Phường Trần Phú', 'Phường Trà Cổ', 'Phường Hải Hòa', 'Xã Hải Xuân', 'Phường Bình Ngọc']]]],
  ['24', 'Phường Kinh Bắc', [['27', 'Thành phố Bắc Ninh', ['Phường Kinh Bắc', 'Phường Tiền Ninh Vệ', 'Phường Suối Hoa', 'Phường Hòa Long', 'Phường Vạn An', 'Phường Khúc Xuyên']]]],
  ['24', 'Phường Từ Sơn', [['27', 'Thành phố Từ Sơn', ['Phường Đông Ngàn', 'Phường Tân Hồng', 'Phường Đình Bảng', 'Phường Phù Chẩn']]]],
  ['24', 'Phường Tiền Phong', [['24', 'Thành phố Bắc Giang', ['Phường Đồng Sơn', 'Phường Song Khê', 'Phường Nội Hoàng', 'Phường Tiền Phong']]]],
  ['25', 'Phường Việt Trì', [['25', 'Thành phố Việt Trì', ['Phường Dữu Lâu', 'Phường Tân Dân', 'Phường Gia Cẩm', 'Xã Trưng Vương', 'Phường Minh Nông']]]],
  ['25', 'Phường Vĩnh Phúc', [['26', 'Thành phố Vĩnh Yên', ['Phường Liên Bảo', 'Phường Đống Đa', 'Phường Ngô Quyền', 'Phường Định Trung', 'Phường Khai Quang']]]],
  ['25', 'Phường Hòa Bình', [['17', 'Thành phố Hòa Bình', ['Phường Hữu Nghị', 'Phường Tân Thịnh', 'Phường Đồng Tiến', 'Phường Phương Lâm', 'Phường Quỳnh Lâm', 'Phường Thịnh Lang', 'Phường Trung Minh']]]],
  ['31', 'Phường Hồng Bàng', [['31', 'Quận Hồng Bàng', ['Phường Hùng Vương', 'Phường Sở Dầu', 'Phường Thượng Lý', 'Phường Minh Khai', 'Phường Hoàng Văn Thụ', 'Phường Phan Bội Châu']]]],
  ['31', 'Phường Lê Chân', [['31', 'Quận Lê Chân', ['~Phường An Biên', '~Phường Trần Nguyên Hãn', 'Phường Hàng Kênh', 'Phường Dư Hàng Kênh', 'Phường Kênh Dương', '~Phường Vĩnh Niệm']], ['31', 'Quận Ngô Quyền', ['~Phường Cầu Đất', '~Phường Lạch Tray']]]],
  ['31', 'Phường Thạch Khôi', [['30', 'Thành phố Hải Dương', ['Phường Thạch Khôi', 'Xã Liên Hồng', 'Xã Gia Xuyên']]]],
  ['33', 'Phường Phố Hiến', [['33', 'Thành phố Hưng Yên', ['Phường Hiến Nam', 'Phường An Tảo', 'Phường Lê Lợi', 'Phường Minh Khai', 'Xã Trung Nghĩa', 'Xã Liên Phương']]]],
  ['33', 'Phường Thái Bình', [['34', 'Thành phố Thái Bình', ['Phường Lê Hồng Phong', 'Phường Bồ Xuyên', 'Phường Tiền Phong', 'Xã Tân Bình']], ['34', 'Huyện Vũ Thư', ['Xã Phúc Thành', 'Xã Tân Phong', 'Xã Tân Hòa']]]],
  ['33', 'Xã Văn Giang', [['33', 'Huyện Văn Giang', ['Thị trấn Văn Giang', 'Xã Liên Nghĩa', 'Xã Tân Tiến']]]],
  ['37', 'Phường Phủ Lý', [['35', 'Thành phố Phủ Lý', ['~Phường Quang Trung', 'Phường Châu Cầu', 'Phường Liêm Chính', 'Phường Thanh Châu']]]],
  ['37', 'Phường Nam Định', [['36', 'Thành phố Nam Định', ['Phường Vị Xuyên', 'Phường Trần Hưng Đạo', 'Phường Cửa Bắc', 'Phường Năng Tĩnh', 'Phường Quang Trung', 'Phường Lộc Vượng', 'Phường Cửa Nam', 'Xã Mỹ Phúc']]]],
  ['37', 'Phường Thiên Trường', [['36', 'Thành phố Nam Định', ['Phường Lộc Hạ', 'Xã Mỹ Trung', 'Xã Mỹ Tân']]]],
  ['38', 'Phường Sầm Sơn', [['38', 'Thành phố Sầm Sơn', ['Phường Trung Sơn', 'Phường Bắc Sơn', 'Phường Trường Sơn', 'Phường Quảng Cư', 'Phường Quảng Tiến', 'Phường Quảng Thọ', 'Phường Quảng Châu']]]],
  ['38', 'Phường Đông Sơn', [['38', 'Thành phố Thanh Hóa', ['Phường Rừng Thông', 'Xã Đông Hoàng', 'Xã Đông Ninh', 'Xã Đông Hòa', 'Xã Đông Minh', 'Xã Đông Khê', 'Phường Đông Thịnh', 'Phường Đông Tân']]]],
  ['38', 'Xã Bá Thước', [['38', 'Huyện Bá Thước', ['Thị trấn Cành Nàng', 'Xã Hạ Trung', 'Xã Ban Công']]]],
  ['40', 'Phường Vinh Phú', [['40', 'Thành phố Vinh', ['Phường Hà Huy Tập', 'Phường Nghi Phú', 'Xã Nghi Ân', 'Phường Nghi Đức']]]],
  ['40', 'Phường Trường Vinh', [['40', 'Thành phố Vinh', ['Phường Hưng Phúc', 'Phường Hưng Dũng', 'Phường Trường Thi', 'Phường Bến Thủy', 'Phường Trung Đô', 'Xã Hưng Hòa', 'Phường Vinh Tân']]]],
  ['40', 'Phường Cửa Lò', [['40', 'Thành phố Vinh', ['Phường Nghi Thủy', 'Phường Nghi Tân', 'Phường Thu Thủy', 'Phường Nghi Hòa', 'Phường Nghi Hải', 'Phường Nghi Hương', 'Phường Nghi Thu']]]],
  ['42', 'Phường Thành Sen', [['42', 'Thành phố Hà Tĩnh', ['Phường Nam Hà', 'Phường Bắc Hà', 'Phường Tân Giang', 'Phường Hà Huy Tập', 'Phường Thạch Quý', 'Phường Trần Phú', 'Phường Văn Yên', 'Phường Thạch Hưng', '~Phường Đại Nài']]]],
  ['42', 'Phường Bắc Hồng Lĩnh', [['42', 'Thị xã Hồng Lĩnh', ['Phường Bắc Hồng', 'Phường Trung Lương', 'Phường Đức Thuận']], ['42', 'Huyện Nghi Xuân', ['Xã Xuân Lam']]]],
  ['42', 'Xã Đức Thọ', [['42', 'Huyện Đức Thọ', ['Thị trấn Đức Thọ', 'Xã Tùng Ảnh', 'Xã Hòa Lạc', 'Xã Tân Dân']]]],
  ['44', 'Phường Đông Hà', [['45', 'Thành phố Đông Hà', ['Phường Đông Giang', 'Phường 1', 'Phường Đông Thanh', 'Phường 4', 'Phường 3']]]],
  ['44', 'Phường Quảng Trị', [['45', 'Thị xã Quảng Trị', ['Phường 1', 'Phường An Đôn', 'Phường 2', 'Phường 3', 'Xã Hải Lệ']]]],
  ['44', 'Xã Phong Nha', [['44', 'Huyện Bố Trạch', ['Xã Xuân Trạch', 'Xã Lâm Trạch', 'Xã Phúc Trạch', 'Thị trấn Phong Nha']]]],
  ['46', 'Phường Phú Xuân', [['46', 'Quận Phú Xuân', ['Phường Tây Lộc', 'Phường Thuận Lộc', 'Phường Gia Hội', 'Phường Phú Hậu', 'Phường Thuận Hòa', 'Phường Đông Ba']]]],
  ['46', 'Phường Thuận Hóa', [['46', 'Quận Thuận Hóa', ['Phường Đúc', 'Phường Vĩnh Ninh', 'Phường Phú Hội', 'Phường Phú Nhuận', 'Phường Trường An', 'Phường Phước Vĩnh']]]],
  ['46', 'Phường Hương Thủy', [['46', 'Thị xã Hương Thủy', ['Phường Thủy Châu', 'Phường Thủy Lương', 'Xã Thủy Tân']]]],
  ['48', 'Phường Hải Châu', [['48', 'Quận Hải Châu', ['Phường Thanh Bình', 'Phường Thuận Phước', 'Phường Thạch Thang', 'Phường Hải Châu', 'Phường Phước Ninh']]]],
  ['48', 'Phường Thanh Khê', [['48', 'Quận Thanh Khê', ['Phường Thanh Khê Tây', 'Phường Thanh Khê Đông', 'Phường Xuân Hà', 'Phường Chính Gián', 'Phường Thạc Gián']]]],
  ['48', 'Phường Hội An', [['49', 'Thành phố Hội An', ['Phường Minh An', 'Phường Cẩm Phô', 'Phường Sơn Phong', 'Xã Cẩm Kim', 'Phường Cẩm Nam']]]],
  ['51', 'Phường Cẩm Thành', [['51', 'Thành phố Quảng Ngãi', ['Phường Nghĩa Chánh', 'Phường Trần Hưng Đạo', 'Phường Nguyễn Nghiêm', 'Phường Chánh Lộ']]]],
  ['51', 'Phường Kon Tum', [['62', 'Thành phố Kon Tum', ['Phường Quang Trung', 'Phường Quyết Thắng', 'Phường Trường Chinh', 'Phường Thắng Lợi', 'Phường Thống Nhất']]]],
  ['51', 'Xã Bình Sơn', [['51', 'Huyện Bình Sơn', ['Thị trấn Châu Ổ', 'Xã Bình Thạnh', 'Xã Bình Chánh', 'Xã Bình Nguyên', 'Xã Bình Dương', 'Xã Bình Trung', 'Xã Bình Long']]]],
  ['52', 'Phường Pleiku', [['64', 'Thành phố Pleiku', ['Phường Hội Thương', 'Phường Phù Đổng', 'Phường Hoa Lư', 'Phường Tây Sơn', 'Xã Trà Đa']]]],
  ['52', 'Phường Ayun Pa', [['64', 'Thị xã Ayun Pa', ['Phường Cheo Reo', 'Phường Hòa Bình', 'Phường Đoàn Kết', 'Phường Sông Bờ']]]],
  ['52', 'Phường An Nhơn', [['52', 'Thị xã An Nhơn', ['Phường Đập Đá', 'Xã Nhơn Mỹ', 'Xã Nhơn Hậu']]]],
  ['56', 'Phường Nha Trang', [['56', 'Thành phố Nha Trang', ['Phường Vạn Thạnh', 'Phường Lộc Thọ', 'Phường Tân Tiến', 'Phường Phước Hòa', 'Phường Vĩnh Nguyên']]]],
  ['56', 'Phường Phan Rang', [['58', 'Thành phố Phan Rang-Tháp Chàm', ['Phường Phủ Hà', 'Phường Kinh Dinh', 'Phường Đạo Long', 'Phường Đài Sơn']]]],
  ['56', 'Phường Cam Ranh', [['56', 'Thành phố Cam Ranh', ['Phường Cam Phúc Nam', 'Phường Cam Lộc', 'Phường Cam Phú']]]],
  ['66', 'Phường Tuy Hòa', [['54', 'Thành phố Tuy Hòa', ['Phường 1', 'Phường 2', 'Phường 4', 'Phường 5', 'Phường 7', '~Phường 9']], ['54', 'Huyện Phú Hòa', ['~Xã Hòa Trị', '~Xã Hòa An']]]],
  ['66', 'Phường Buôn Ma Thuột', [['66', 'Thành phố Buôn Ma Thuột', ['Phường Thành Công', 'Phường Tân Lợi', 'Phường Tân Thành', 'Phường Tân Tiến', 'Phường Tự An', 'Xã Cư Êbur']]]],
  ['66', 'Phường Buôn Hồ', [['66', 'Thị xã Buôn Hồ', ['Phường An Lạc', 'Phường An Bình', 'Phường Thiện An', 'Phường Đạt Hiếu', 'Phường Đoàn Kết', 'Phường Thống Nhất']]]],
  ['68', 'Xã Lạc Dương', [['68', 'Huyện Lạc Dương', ['Xã Đạ Chais', 'Xã Đạ Nhim', 'Xã Đạ Sar']]]],
  ['68', 'Xã Cư Jút', [['67', 'Huyện Cư Jút', ["Thị trấn Ea T'ling", 'Xã Tâm Thắng', "Xã Cư K'nia", 'Xã Trúc Sơn']]]],
  ['68', 'Xã Hàm Thuận Nam', [['60', 'Huyện Hàm Thuận Nam', ['Thị trấn Thuận Nam', 'Xã Hàm Minh']]]],
  ['75', 'Phường Trấn Biên', [['75', 'Thành phố Biên Hòa', ['Phường Bửu Long', 'Phường Quang Vinh', 'Phường Thống Nhất', 'Phường Trung Dũng', 'Phường An Bình', 'Phường Hiệp Hòa']]]],
  ['75', 'Phường Biên Hòa', [['75', 'Thành phố Biên Hòa', ['Phường Bửu Hòa', 'Phường Tân Vạn', 'Phường Tân Hạnh', 'Phường Hóa An']]]],
  ['75', 'Phường Chơn Thành', [['70', 'Thị xã Chơn Thành', ['Phường Hưng Long', 'Phường Thành Tâm', 'Phường Minh Thành']]]],
  ['79', 'Phường Sài Gòn', [['79', 'Quận 1', ['~Phường Đa Kao', 'Phường Bến Nghé', '~Phường Nguyễn Thái Bình']]]],
  ['79', 'Phường Bến Thành', [['79', 'Quận 1', ['Phường Bến Thành', '~Phường Nguyễn Thái Bình', 'Phường Phạm Ngũ Lão', '~Phường Cầu Ông Lãnh']]]],
  ['79', 'Phường Thủ Đức', [['79', 'Thành phố Thủ Đức', ['Phường Linh Chiểu', '~Phường Linh Tây', '~Phường Linh Đông', 'Phường Bình Thọ', 'Phường Trường Thọ']]]],
  ['79', 'Phường Vũng Tàu', [['77', 'Thành phố Vũng Tàu', ['Phường 1', 'Phường Thắng Tam', 'Phường 2', 'Phường 3', 'Phường 4', 'Phường 5', 'Phường Thắng Nhì']]]],
  ['79', 'Phường Thuận An', [['74', 'Thành phố Thuận An', ['Phường An Thạnh', 'Phường Hưng Định', 'Xã An Sơn']]]],
  ['79', 'Phường Bình Thạnh', [['79', 'Quận Bình Thạnh', ['Phường 26', 'Phường 12', 'Phường 14']]]],
  ['80', 'Phường Tân Ninh', [['72', 'Thành phố Tây Ninh', ['Phường 1', 'Phường 3', 'Phường IV', 'Phường Hiệp Ninh', 'Phường 2']], ['72', 'Huyện Châu Thành', ['~Xã Thái Bình']]]],
  ['80', 'Phường Long An', [['80', 'Thành phố Tân An', ['Phường 5', 'Phường 4', 'Phường 1', 'Phường 3', 'Phường 6', 'Xã Hướng Thọ Phú']], ['80', 'Huyện Thủ Thừa', ['~Xã Bình Thạnh']]]],
  ['80', 'Phường Gò Dầu', [['72', 'Huyện Gò Dầu', ['Thị trấn Gò Dầu', 'Xã Thanh Phước']], ['72', 'Thị xã Trảng Bàng', ['Phường Gia Bình']]]],
  ['82', 'Phường Mỹ Tho', [['82', 'Thành phố Mỹ Tho', ['Phường 1', 'Phường 2', 'Phường Tân Long']]]],
  ['82', 'Phường Cao Lãnh', [['87', 'Thành phố Cao Lãnh', ['Phường 1', 'Phường 4', 'Phường 3', 'Phường 6', 'Xã Tân Thuận Tây', 'Phường Hòa Thuận', 'Xã Hòa An', 'Xã Tân Thuận Đông', 'Xã Tịnh Thới']]]],
  ['82', 'Phường Sa Đéc', [['87', 'Thành phố Sa Đéc', ['Phường 3', 'Phường 1', 'Phường 4', 'Phường 2', 'Xã Tân Khánh Đông', 'Phường Tân Quy Đông', 'Phường An Hòa', 'Xã Tân Quy Tây']]]],
  ['86', 'Phường Long Châu', [['86', 'Thành phố Vĩnh Long', ['Phường 9', 'Phường 1', 'Phường Trường An']]]],
  ['86', 'Phường Bến Tre', [['83', 'Thành phố Bến Tre', ['Phường 7', 'Xã Bình Phú']], ['83', 'Huyện Mỏ Cày Bắc', ['Xã Thanh Tân']]]],
  ['86', 'Phường Trà Vinh', [['84', 'Thành phố Trà Vinh', ['Phường 1', 'Phường 3', 'Phường 9']]]],
  ['91', 'Xã Tri Tôn', [['89', 'Huyện Tri Tôn', ['Thị trấn Tri Tôn', 'Xã Châu Lăng', 'Xã Núi Tô']]]],
  ['91', 'Xã Chợ Mới', [['89', 'Huyện Chợ Mới', ['Thị trấn Chợ Mới', 'Xã Kiến An', 'Xã Kiến Thành']]]],
  ['91', 'Xã Hòn Đất', [['91', 'Huyện Hòn Đất', ['Thị trấn Hòn Đất', 'Xã Nam Thái Sơn', 'Xã Lình Huỳnh', 'Xã Thổ Sơn']]]],
  ['92', 'Phường Cái Răng', [['92', 'Quận Cái Răng', ['Phường Lê Bình', 'Phường Hưng Thạnh', 'Phường Ba Láng', 'Phường Thường Thạnh']]]],
  ['92', 'Phường Vị Thanh', [['93', 'Thành phố Vị Thanh', ['Phường I', 'Phường III', 'Phường VII']]]],
  ['92', 'Phường Sóc Trăng', [['94', 'Thành phố Sóc Trăng', ['Phường 5', 'Phường 7', 'Phường 8', 'Phường 6']]]],
  ['92', 'Phường Vĩnh Châu', [['94', 'Thị xã Vĩnh Châu', ['Phường 1', 'Xã Lạc Hòa', 'Phường 2']]]],
  ['96', 'Phường An Xuyên', [['96', 'Thành phố Cà Mau', ['Phường 9', 'Phường 2', 'Phường 1', 'Phường Tân Xuyên', 'Xã An Xuyên']]]],
  ['96', 'Phường Giá Rai', [['95', 'Thị xã Giá Rai', ['Phường 1', 'Phường Hộ Phòng', 'Xã Phong Thạnh', 'Xã Phong Thạnh A']]]],
  ['96', 'Xã Đầm Dơi', [['96', 'Huyện Đầm Dơi', ['Thị trấn Đầm Dơi', '~Xã Tạ An Khương', 'Xã Tân Duyệt', 'Xã Tân Dân']]]],
];

/** The post-2025 communes this module knows, with their legacy sources. */
export const MERGED_COMMUNES: readonly MergedCommune[] = TABLE.map(([provinceCode, name, rows]) => ({
  provinceCode,
  name,
  sources: rows.flatMap(([legacyCode, district, communes]) =>
    communes.map((c) => ({
      provinceCode: legacyCode,
      district,
      commune: c.startsWith('~') ? c.slice(1) : c,
      partial: c.startsWith('~'),
    })),
  ),
}));

const ROMAN: Readonly<Record<string, string>> = {
  i: '1', ii: '2', iii: '3', iv: '4', v: '5', vi: '6', vii: '7', viii: '8', ix: '9', x: '10',
  xi: '11', xii: '12', xiii: '13', xiv: '14', xv: '15', xvi: '16', xvii: '17', xviii: '18', xix: '19', xx: '20',
};

/** Unit types (folded) that may open a name; the longest match is removed, once. */
const UNIT_TYPES = ['thanh pho', 'thi tran', 'thi xa', 'dac khu', 'phuong', 'huyen', 'quan', 'tinh', 'xa', 'tp', 'tx', 'tt', 'q', 'p', 'h', 'x'];

/**
 * Folds a unit name for comparison: Unicode composition, case, diacritics, "đ", punctuation and
 * the leading unit type ("Phường", "P.", "Quận", "TP", ...) do not matter; "Phường 01", "P.1" and
 * "Phường I" fold alike. Old and new tone placement ("Hoà"/"Hòa") fold alike too.
 */
export function foldUnitName(name: string): string {
  const plain = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/['’‘`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  let rest = plain;
  for (const type of UNIT_TYPES) {
    if (rest === type) break;
    if (rest.startsWith(`${type} `)) {
      rest = rest.slice(type.length + 1);
      break;
    }
    const glued = /^(q|p)(\d+)$/.exec(rest);
    if (glued) {
      rest = glued[2] as string;
      break;
    }
  }
  if (/^\d+$/.test(rest)) return String(Number(rest));
  return ROMAN[rest] ?? rest;
}

const provinceByFoldedName = new Map<string, LegacyProvinceName>();
for (const p of LEGACY_PROVINCE_NAMES) {
  for (const n of [p.fullName, ...p.aliases]) provinceByFoldedName.set(foldUnitName(n), p);
}
const legacyProvinceByCode = new Map(LEGACY_PROVINCE_NAMES.map((p) => [p.code, p]));

/** The legacy province for a name as written in an old address, or its two-digit code; undefined if unknown. */
export function legacyProvinceByName(nameOrCode: string): LegacyProvinceName | undefined {
  return legacyProvinceByCode.get(nameOrCode.trim()) ?? provinceByFoldedName.get(foldUnitName(nameOrCode));
}

const mergedByKey = new Map(MERGED_COMMUNES.map((c) => [`${c.provinceCode}|${foldUnitName(c.name)}`, c]));

/** The legacy communes a post-2025 commune was formed from (empty when the commune is not in the table). */
export function legacySourcesOf(provinceCode: string, communeName: string): readonly LegacyCommune[] {
  return mergedByKey.get(`${provinceCode}|${foldUnitName(communeName)}`)?.sources ?? [];
}

/** Each legacy commune's entries, by legacy province code and folded commune name. */
const bySourceCommune = new Map<string, { merged: MergedCommune; source: LegacyCommune; foldedDistrict: string }[]>();
for (const merged of MERGED_COMMUNES) {
  for (const source of merged.sources) {
    const key = `${source.provinceCode}|${foldUnitName(source.commune)}`;
    const entries = bySourceCommune.get(key) ?? [];
    entries.push({ merged, source, foldedDistrict: foldUnitName(source.district) });
    bySourceCommune.set(key, entries);
  }
}

/**
 * The post-2025 communes an address written in legacy units now belongs to. The district may be
 * left out (many old addresses omit it); when given it must match. Empty when the province or
 * the commune is unknown to the table. More than one result means the legacy name is ambiguous
 * without a district, or the legacy commune was split.
 */
export function mergedCommunesOf(address: { province: string; district?: string | null; commune: string }): readonly MergedCommuneMatch[] {
  const province = legacyProvinceByName(address.province);
  if (!province) return [];
  const district = address.district ? foldUnitName(address.district) : null;
  const out: MergedCommuneMatch[] = [];
  for (const { merged, source, foldedDistrict } of bySourceCommune.get(`${province.code}|${foldUnitName(address.commune)}`) ?? []) {
    if (district !== null && foldedDistrict !== district) continue;
    if (!out.some((o) => o.provinceCode === merged.provinceCode && o.name === merged.name)) {
      out.push({ provinceCode: merged.provinceCode, name: merged.name, partial: source.partial });
    }
  }
  return out;
}

/** The post-2025 province code a legacy province (name or code) became part of, or undefined. */
export function mergedProvinceCodeOf(legacyNameOrCode: string): string | undefined {
  return legacyProvinceByName(legacyNameOrCode)?.mergedInto;
}
