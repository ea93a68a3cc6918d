/**
 * Word lists for the synthetic registries: names, ethnicities, religions, places.
 * Frequencies are rough, chosen so that samples look like Vietnam, not measured.
 */

/** Family names with rough weights. */
export const FAMILY_NAMES: readonly (readonly [string, number])[] = [
  ['Nguyễn', 38],
  ['Trần', 11],
  ['Lê', 9.5],
  ['Phạm', 7],
  ['Hoàng', 4],
  ['Huỳnh', 3],
  ['Phan', 4.5],
  ['Vũ', 3.9],
  ['Võ', 3],
  ['Đặng', 2.1],
  ['Bùi', 2],
  ['Đỗ', 1.4],
  ['Hồ', 1.3],
  ['Ngô', 1.3],
  ['Dương', 1],
  ['Lý', 0.5],
  ['Đinh', 0.8],
  ['Trương', 0.8],
  ['Lâm', 0.5],
  ['Mai', 0.5],
];

export const MALE_MIDDLE_NAMES = ['Văn', 'Hữu', 'Đức', 'Minh', 'Quốc', 'Thanh', 'Công', 'Quang', 'Xuân', 'Gia', 'Đình', 'Trọng'];
export const FEMALE_MIDDLE_NAMES = ['Thị', 'Ngọc', 'Thu', 'Thanh', 'Minh', 'Kim', 'Thùy', 'Hồng', 'Phương', 'Bảo', 'Mai', 'Diệu'];

export const MALE_GIVEN_NAMES = [
  'An', 'Bình', 'Cường', 'Dũng', 'Đạt', 'Hải', 'Hiếu', 'Hoàng', 'Hùng', 'Huy', 'Khánh', 'Khoa',
  'Kiên', 'Long', 'Lâm', 'Minh', 'Nam', 'Nghĩa', 'Phong', 'Phúc', 'Quân', 'Quang', 'Sơn', 'Tài',
  'Thắng', 'Thành', 'Thịnh', 'Toàn', 'Trung', 'Tuấn', 'Tùng', 'Việt', 'Vinh', 'Vũ', 'Đức', 'Khôi',
];
export const FEMALE_GIVEN_NAMES = [
  'An', 'Anh', 'Chi', 'Dung', 'Giang', 'Hà', 'Hạnh', 'Hằng', 'Hiền', 'Hoa', 'Hương', 'Huyền',
  'Lan', 'Liên', 'Linh', 'Loan', 'Mai', 'My', 'Nga', 'Ngân', 'Ngọc', 'Nhung', 'Oanh', 'Phương',
  'Quỳnh', 'Tâm', 'Thảo', 'Thủy', 'Trang', 'Trâm', 'Uyên', 'Vân', 'Vy', 'Xuân', 'Yến', 'Hân',
];

export const ETHNICITIES: readonly (readonly [string, number])[] = [
  ['Kinh', 85.3],
  ['Tày', 1.9],
  ['Thái', 1.9],
  ['Mường', 1.5],
  ['Khmer', 1.4],
  ['Hoa', 0.8],
  ['Nùng', 1.1],
  ['Mông', 1.4],
  ['Dao', 0.9],
  ['Gia Rai', 0.5],
  ['Ê Đê', 0.4],
  ['Ba Na', 0.3],
  ['Chăm', 0.2],
];

export const RELIGIONS: readonly (readonly [string, number])[] = [
  ['Không', 86],
  ['Phật giáo', 5],
  ['Công giáo', 6],
  ['Tin lành', 1],
  ['Cao Đài', 1],
  ['Phật giáo Hòa Hảo', 1],
];

export const BLOOD_TYPES: readonly (readonly [string | null, number])[] = [
  ['O', 42],
  ['A', 21],
  ['B', 30],
  ['AB', 4],
  [null, 3],
];

export const STREETS = [
  'Lê Lợi', 'Trần Hưng Đạo', 'Nguyễn Huệ', 'Hai Bà Trưng', 'Lý Thường Kiệt', 'Quang Trung',
  'Hùng Vương', 'Nguyễn Trãi', 'Lê Duẩn', 'Điện Biên Phủ', 'Phan Chu Trinh', 'Nguyễn Du',
  'Bà Triệu', 'Lạc Long Quân', 'Trần Phú', 'Võ Thị Sáu', 'Nguyễn Thị Minh Khai', 'Hoàng Diệu',
  'Lê Thánh Tông', 'Ngô Quyền', 'Nguyễn Văn Cừ', 'Tôn Đức Thắng', 'Phạm Văn Đồng', 'Trường Chinh',
];

/**
 * A few communes per post-2025 province. Names follow the 2025 reorganisation where
 * known; the five-digit codes are synthetic (province code + sequence), so this table
 * must not be used as a reference for real commune codes.
 */
export const COMMUNES: Readonly<Record<string, readonly string[]>> = {
  '01': ['Phường Ba Đình', 'Phường Hoàn Kiếm', 'Phường Cầu Giấy', 'Phường Đống Đa', 'Phường Hà Đông', 'Xã Sóc Sơn'],
  '04': ['Phường Thục Phán', 'Phường Tân Giang', 'Xã Trùng Khánh'],
  '08': ['Phường Minh Xuân', 'Phường Hà Giang 1', 'Xã Yên Sơn'],
  '11': ['Phường Điện Biên Phủ', 'Phường Mường Lay', 'Xã Mường Chà'],
  '12': ['Phường Tân Phong', 'Phường Đoàn Kết', 'Xã Tam Đường'],
  '14': ['Phường Tô Hiệu', 'Phường Chiềng An', 'Xã Mộc Châu'],
  '15': ['Phường Lào Cai', 'Phường Yên Bái', 'Xã Sa Pa'],
  '19': ['Phường Phan Đình Phùng', 'Phường Đức Xuân', 'Xã Đại Từ'],
  '20': ['Phường Tam Thanh', 'Phường Lương Văn Tri', 'Xã Đồng Đăng'],
  '22': ['Phường Hạ Long', 'Phường Hồng Gai', 'Phường Móng Cái 1'],
  '24': ['Phường Kinh Bắc', 'Phường Bắc Giang', 'Phường Từ Sơn'],
  '25': ['Phường Việt Trì', 'Phường Vĩnh Phúc', 'Phường Hòa Bình'],
  '31': ['Phường Hồng Bàng', 'Phường Lê Chân', 'Phường Hải Dương'],
  '33': ['Phường Phố Hiến', 'Phường Thái Bình', 'Xã Văn Giang'],
  '37': ['Phường Hoa Lư', 'Phường Nam Định', 'Phường Phủ Lý'],
  '38': ['Phường Hạc Thành', 'Phường Sầm Sơn', 'Xã Thọ Xuân'],
  '40': ['Phường Vinh Phú', 'Phường Trường Vinh', 'Xã Diễn Châu'],
  '42': ['Phường Thành Sen', 'Phường Hồng Lĩnh', 'Xã Cẩm Xuyên'],
  '44': ['Phường Đông Hà', 'Phường Đồng Hới', 'Xã Vĩnh Linh'],
  '46': ['Phường Thuận Hóa', 'Phường Phú Xuân', 'Phường Hương Thủy'],
  '48': ['Phường Hải Châu', 'Phường Thanh Khê', 'Phường Hội An'],
  '51': ['Phường Cẩm Thành', 'Phường Kon Tum', 'Xã Bình Sơn'],
  '52': ['Phường Pleiku', 'Phường Quy Nhơn', 'Xã Chư Sê'],
  '56': ['Phường Nha Trang', 'Phường Phan Rang', 'Phường Cam Ranh'],
  '66': ['Phường Buôn Ma Thuột', 'Phường Tuy Hòa', 'Xã Krông Pắc'],
  '68': ['Phường Xuân Hương - Đà Lạt', 'Phường Phan Thiết', 'Phường Bắc Gia Nghĩa'],
  '75': ['Phường Trấn Biên', 'Phường Biên Hòa', 'Phường Đồng Xoài'],
  '79': ['Phường Sài Gòn', 'Phường Bến Thành', 'Phường Chợ Lớn', 'Phường Thủ Dầu Một', 'Phường Vũng Tàu', 'Phường Thủ Đức'],
  '80': ['Phường Tân Ninh', 'Phường Long An', 'Xã Gò Dầu'],
  '82': ['Phường Mỹ Tho', 'Phường Cao Lãnh', 'Phường Sa Đéc'],
  '86': ['Phường Long Châu', 'Phường Bến Tre', 'Phường Trà Vinh'],
  '91': ['Phường Long Xuyên', 'Phường Rạch Giá', 'Phường Châu Đốc'],
  '92': ['Phường Ninh Kiều', 'Phường Cái Khế', 'Phường Sóc Trăng', 'Phường Vị Thanh'],
  '96': ['Phường An Xuyên', 'Phường Bạc Liêu', 'Xã Năm Căn'],
};

/** Relationship to the head of household, as printed on residence records. */
export const RELATIONSHIP = {
  head: 'Chủ hộ',
  wife: 'Vợ',
  husband: 'Chồng',
  child: 'Con',
  daughterInLaw: 'Con dâu',
  sonInLaw: 'Con rể',
  grandchild: 'Cháu',
  father: 'Cha',
  mother: 'Mẹ',
  elderBrother: 'Anh',
  elderSister: 'Chị',
  youngerSibling: 'Em',
} as const;
