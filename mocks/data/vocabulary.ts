import { MERGED_COMMUNES } from '../../src/domain/legacyUnits';

/**
 * Word lists for the synthetic registries: names, ethnicities, religions, places.
 * Frequencies are rough, chosen so that samples look like Vietnam, not measured, except the
 * ethnic shares, which follow the 2019 census.
 */

/** Kinh family names with rough weights. */
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
 * The communes addresses are drawn from, by post-2025 province: the communes whose legacy
 * sources `src/domain/legacyUnits` knows, so that every address has a pre-2025 form. The names
 * are real; the five-digit codes the generator gives them are synthetic (province code +
 * sequence), so this table must not be used as a reference for commune codes.
 */
export const COMMUNES: Readonly<Record<string, readonly string[]>> = MERGED_COMMUNES.reduce<Record<string, string[]>>((byProvince, c) => {
  (byProvince[c.provinceCode] ??= []).push(c.name);
  return byProvince;
}, {});

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

/** How an ethnic group's names are built. */
export interface EthnicNames {
  /** Family (clan) names with rough weights. */
  family: readonly (readonly [string, number])[];
  /** Middle names; an empty string means none (the given name may then have two syllables). */
  maleMiddle: readonly string[];
  femaleMiddle: readonly string[];
  maleGiven: readonly string[];
  femaleGiven: readonly string[];
  /** The family name is written last ("Y Moan Ênuôl"): Ê Đê usage. */
  familyLast?: boolean;
  /** Children of a mother of the group take her family name (matrilineal Ê Đê and Gia Rai). */
  matrilineal?: boolean;
}

const KINH_NAMES: EthnicNames = {
  family: FAMILY_NAMES,
  maleMiddle: MALE_MIDDLE_NAMES,
  femaleMiddle: FEMALE_MIDDLE_NAMES,
  maleGiven: MALE_GIVEN_NAMES,
  femaleGiven: FEMALE_GIVEN_NAMES,
};

/**
 * Names by ethnic group (the groups of `ETHNICITIES`). Family names are those common in each
 * group; given names mix the group's own with the Kinh ones many of its members now bear.
 */
export const NAMES_BY_ETHNICITY: Readonly<Record<string, EthnicNames>> = {
  Kinh: KINH_NAMES,
  Tày: {
    family: [['Nông', 5], ['Hoàng', 5], ['Lục', 2], ['Bế', 3], ['Ma', 2], ['Hà', 2], ['Lương', 2], ['Đàm', 1], ['La', 1], ['Lộc', 1], ['Triệu', 1]],
    maleMiddle: ['Văn', 'Văn', 'Đức', 'Minh', 'Quang'],
    femaleMiddle: ['Thị', 'Thị', 'Thu', 'Hồng'],
    maleGiven: ['Dền', 'Lự', 'Thắng', 'Chung', 'Hùng', 'Bình', 'Sơn', 'Tuấn', 'Nam', 'Cường'],
    femaleGiven: ['Hoa', 'Slao', 'Nhung', 'Mai', 'Lan', 'Thảo', 'Hương', 'Duyên', 'Ngân', 'Yến'],
  },
  Thái: {
    family: [['Lò', 5], ['Cầm', 3], ['Lường', 3], ['Quàng', 2], ['Hà', 3], ['Vi', 2], ['Tòng', 2], ['Điêu', 1], ['Bạc', 1], ['Sầm', 1], ['Lự', 1], ['Cà', 1]],
    maleMiddle: ['Văn'],
    femaleMiddle: ['Thị'],
    maleGiven: ['Ơn', 'Pọm', 'Khăm', 'Xôm', 'Pánh', 'Inh', 'Chăn', 'Phóng', 'Thương', 'Xuân', 'Hoan', 'Sơn'],
    femaleGiven: ['Ún', 'Piêng', 'Xương', 'Khăm', 'Lả', 'Ín', 'Muôn', 'Sương', 'Bua', 'Thoan', 'Lan', 'Hoa'],
  },
  Mường: {
    family: [['Bùi', 6], ['Đinh', 5], ['Quách', 3], ['Hà', 2], ['Xa', 1], ['Bạch', 1], ['Cao', 1]],
    maleMiddle: ['Văn', 'Văn', 'Công', 'Đức'],
    femaleMiddle: ['Thị', 'Thị', 'Thu'],
    maleGiven: ['Khuông', 'Tuân', 'Lịch', 'Mừng', 'Chiến', 'Thắng', 'Dũng', 'Hải', 'Nam', 'Sơn'],
    femaleGiven: ['Mến', 'Thơm', 'Nhàn', 'Hoa', 'Lan', 'Hương', 'Thúy', 'Xuân', 'Liên', 'Nga'],
  },
  Khmer: {
    family: [['Thạch', 6], ['Danh', 4], ['Sơn', 4], ['Kim', 3], ['Lâm', 2], ['Lý', 2], ['Châu', 2], ['Triệu', 1]],
    maleMiddle: [''],
    femaleMiddle: [''],
    maleGiven: ['Sô Phal', 'Sa Rinh', 'Chanh Đa', 'Sóc Kha', 'Sa Ri', 'Sơ Phanh', 'Văn Út', 'Văn Sang', 'Ngọc Sơn', 'Sa Rươne'],
    femaleGiven: ['Thị Sa Ry', 'Thị Sô Phia', 'Thị Đa Ni', 'Thị Sà Rinh', 'Thị Sa Rươne', 'Thị Ngọc Hân', 'Thị Sô Kha', 'Thị Kim Loan'],
  },
  Hoa: {
    family: [['Lâm', 4], ['Trương', 4], ['Quách', 2], ['Lý', 3], ['Mã', 2], ['Lưu', 2], ['Hứa', 2], ['Tạ', 1], ['Diệp', 1], ['La', 1], ['Tăng', 1], ['Châu', 1]],
    maleMiddle: ['Chấn', 'Gia', 'Tuấn', 'Quốc', 'Vĩnh', 'Kiến', 'Minh', 'Chí'],
    femaleMiddle: ['Huệ', 'Mỹ', 'Ngọc', 'Lệ', 'Tú', 'Bội', 'Uyển', 'Gia'],
    maleGiven: ['Hưng', 'Kiệt', 'Hào', 'Phong', 'Huy', 'Vinh', 'Cường', 'Lương', 'Đạt', 'Quang', 'Vĩ', 'Kiên'],
    femaleGiven: ['Mẫn', 'Linh', 'Trân', 'Nghi', 'Quyên', 'Hoa', 'Phân', 'Lan', 'Mai', 'Thanh', 'Dung', 'Anh'],
  },
  Nùng: {
    family: [['Nông', 4], ['Hoàng', 4], ['Lục', 2], ['Vi', 2], ['Lăng', 1], ['Chu', 1], ['Hứa', 1], ['Mã', 1], ['Lý', 1], ['Triệu', 1]],
    maleMiddle: ['Văn', 'Văn', 'Đình'],
    femaleMiddle: ['Thị'],
    maleGiven: ['Sáng', 'Pắn', 'Slằn', 'Cường', 'Dũng', 'Hải', 'Lâm', 'Phúc', 'Thành', 'Tiến'],
    femaleGiven: ['Slim', 'Lìu', 'Hoa', 'Mai', 'Nhài', 'Thanh', 'Hằng', 'Lan', 'Phương', 'Vân'],
  },
  Mông: {
    family: [['Giàng', 4], ['Vàng', 4], ['Sùng', 3], ['Thào', 3], ['Lý', 2], ['Hạng', 2], ['Mùa', 2], ['Lầu', 1], ['Vừ', 1], ['Hầu', 1], ['Cứ', 1]],
    maleMiddle: ['A', 'A', 'Seo', 'Mí', 'Chứ'],
    femaleMiddle: ['Thị'],
    maleGiven: ['Páo', 'Sử', 'Chứ', 'Tủa', 'Sính', 'Dình', 'Pó', 'Chính', 'Lử', 'Cở', 'Dế', 'Của'],
    femaleGiven: ['Mỷ', 'Dính', 'Súa', 'Pà', 'Dợ', 'Chở', 'Mai', 'Sua', 'Mỉ', 'Dung', 'Vư', 'Mẩy'],
  },
  Dao: {
    family: [['Triệu', 5], ['Bàn', 4], ['Đặng', 3], ['Chảo', 2], ['Phùng', 2], ['Tẩn', 2], ['Lý', 1]],
    maleMiddle: ['Văn', 'Tài', 'Láo', 'Phúc'],
    femaleMiddle: ['Thị', 'Mùi'],
    maleGiven: ['Vần', 'Cao', 'Sử', 'Lở', 'Phin', 'Chàn', 'Quẩy', 'Kiềm', 'Hin', 'Mềnh', 'Minh'],
    femaleGiven: ['Chài', 'Mai', 'Mẩy', 'Xuân', 'Hoa', 'Chòi', 'Nái', 'Dần', 'Liên', 'Nhất'],
  },
  'Gia Rai': {
    family: [['Rơ Mah', 4], ['Ksor', 4], ['Siu', 3], ['Rơ Châm', 2], ['Kpă', 2], ['Nay', 2], ['Rah Lan', 1], ['Puih', 1]],
    maleMiddle: [''],
    femaleMiddle: [''],
    maleGiven: ['Hlim', 'Phước', 'Đoan', 'Blút', 'Nhuin', 'Thuấn', 'Yơn', 'Djai', 'Chung', 'Hyưk'],
    femaleGiven: ["H'Bơ", "H'Lan", "H'Mai", "H'Bia", "H'Nhung", "H'Ly", "H'Yơn", "H'Kim"],
    matrilineal: true,
  },
  'Ê Đê': {
    family: [['Niê', 5], ['Niê Kdăm', 2], ['Êban', 3], ['Ayŭn', 2], ['Mlô', 2], ['Byă', 2], ['Buôn Yă', 1], ['Ksơr', 1], ['Hwing', 1], ['Ênuôl', 1], ['Adrơng', 1]],
    maleMiddle: [''],
    femaleMiddle: [''],
    maleGiven: ['Y Moan', 'Y Ngông', 'Y Jút', 'Y Bih', 'Y Phôn', 'Y Thuyên', 'Y Khoa', 'Y Sơn'],
    femaleGiven: ["H'Hen", "H'Mi", "H'Ăng", "H'Yon", "H'Xuân", "H'Bia", "H'Linh", "H'Nga"],
    familyLast: true,
    matrilineal: true,
  },
  'Ba Na': {
    family: [['Đinh', 6], ['Rơ Ô', 2], ['A', 1]],
    maleMiddle: ['Văn', 'Văn', ''],
    femaleMiddle: ['Thị'],
    maleGiven: ['Blai', 'Thút', 'Hyưk', 'Plưk', 'Ngưr', 'Năm', 'Hùng', 'Dũng'],
    femaleGiven: ['Hơ', 'Bui', 'Nhen', 'Lan', 'Hoa', 'Hằng', 'Mai'],
  },
  Chăm: {
    family: [['Đàng', 4], ['Thuận', 3], ['Lưu', 2], ['Quảng', 2], ['Thiên', 1], ['Trượng', 1], ['Hán', 1]],
    maleMiddle: ['Năng', 'Văn', 'Đại', 'Quang'],
    femaleMiddle: ['Thị'],
    maleGiven: ['Thọ', 'Sanh', 'Thiện', 'Tuấn', 'Phú', 'Hải', 'Minh', 'Trung'],
    femaleGiven: ['Hoa', 'Thu', 'Hằng', 'Lan', 'Mai', 'Ngọc', 'Thủy', 'Hương'],
  },
};

/**
 * Where founding families of each minority live: legacy (QĐ 124/2004) province codes, after the
 * 2019 census distribution. Kinh families live anywhere.
 */
export const HOME_PROVINCES_BY_ETHNICITY: Readonly<Record<string, readonly string[]>> = {
  Tày: ['04', '20', '02', '08', '06', '19', '10', '15'],
  Thái: ['14', '11', '12', '40', '38', '15', '17'],
  Mường: ['17', '38', '25', '14', '37'],
  Khmer: ['94', '84', '91', '89', '95', '96'],
  Hoa: ['79', '75', '94', '91', '95', '22'],
  Nùng: ['20', '04', '24', '02', '19', '66'],
  Mông: ['02', '10', '15', '14', '11', '12'],
  Dao: ['02', '10', '15', '08', '22', '04'],
  'Gia Rai': ['64', '62'],
  'Ê Đê': ['66', '54'],
  'Ba Na': ['64', '62', '52'],
  Chăm: ['58', '60', '89'],
};
