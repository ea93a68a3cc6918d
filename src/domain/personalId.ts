import type { Bilingual } from '../bilingual';
import { legacyProvince } from './provinces';

/**
 * The 12-digit personal identification number (số định danh cá nhân):
 * `PPP G YY RRRRRR` — province of birth registration, century/gender, birth year, random.
 * There is no check digit, so structure is all that can be verified without a record.
 */
export interface PersonalIdParts {
  value: string;
  /** Two-digit legacy province code of the birth registration (the prefix without its "0"). */
  birthProvinceCode: string;
  birthYear: number;
  gender: 'MALE' | 'FEMALE';
}

/** A refusal says why in English and in Vietnamese, never repeating the value. */
export type PersonalIdResult = { ok: true; parts: PersonalIdParts } | { ok: false; reason: string; reasonVi: string };

const ASCII_DIGITS = /^[0-9]*$/;

/**
 * Validates a personal ID structurally. Never trims, never converts non-ASCII digits:
 * a value that is not already exactly canonical is refused, with a reason that does
 * not repeat the value (it may be someone's ID).
 */
export function parsePersonalId(input: unknown, now: Date = new Date()): PersonalIdResult {
  if (typeof input !== 'string') {
    return { ok: false, reason: 'a personal ID must be a string of 12 digits', reasonVi: 'số định danh cá nhân phải là một dãy 12 chữ số.' };
  }
  if (/\s/.test(input)) {
    return { ok: false, reason: 'a personal ID must not contain spaces or other whitespace', reasonVi: 'số định danh cá nhân không được có dấu cách.' };
  }
  if (!ASCII_DIGITS.test(input)) {
    return { ok: false, reason: 'a personal ID must contain only the ASCII digits 0-9', reasonVi: 'số định danh cá nhân chỉ gồm các chữ số từ 0 đến 9.' };
  }
  if (input.length !== 12) {
    return { ok: false, reason: `a personal ID has exactly 12 digits, this one has ${input.length}`, reasonVi: `số định danh cá nhân có đúng 12 chữ số, số đã nhập có ${input.length}.` };
  }
  const prefix = input.slice(0, 3);
  const province = prefix.startsWith('0') ? legacyProvince(prefix.slice(1)) : undefined;
  if (!province) {
    return {
      ok: false,
      reason: `the first three digits (${prefix}) are not a province code`,
      reasonVi: `ba chữ số đầu (${prefix}) không phải mã tỉnh, thành phố nơi đăng ký khai sinh.`,
    };
  }
  const centuryDigit = Number(input[3]);
  const birthYear = 1900 + Math.floor(centuryDigit / 2) * 100 + Number(input.slice(4, 6));
  if (birthYear > now.getUTCFullYear()) {
    return {
      ok: false,
      reason: `the century digit (${centuryDigit}) and year digits give a birth year in the future (${birthYear})`,
      reasonVi: `chữ số thế kỷ (${centuryDigit}) và hai chữ số năm cho năm sinh ${birthYear}, chưa tới.`,
    };
  }
  return {
    ok: true,
    parts: {
      value: input,
      birthProvinceCode: province.code,
      birthYear,
      gender: centuryDigit % 2 === 0 ? 'MALE' : 'FEMALE',
    },
  };
}

/** True when the value is a structurally valid personal ID. */
export function isPersonalId(input: unknown, now?: Date): input is string {
  return parsePersonalId(input, now).ok;
}

/**
 * Compares an ID's century/gender and year digits with a registry record.
 * Returns the contradiction as a sentence, or null when they agree.
 */
export function contradictionWithRecord(
  parts: PersonalIdParts,
  record: { dateOfBirth: string; gender: 'MALE' | 'FEMALE' },
): Bilingual | null {
  const recordYear = Number(record.dateOfBirth.slice(0, 4));
  if (recordYear !== parts.birthYear) {
    return {
      en: `the century and year digits give ${parts.birthYear} but the registered birth year differs`,
      vi: `chữ số thế kỷ và năm của số định danh cho năm sinh ${parts.birthYear}, khác năm sinh đã đăng ký.`,
    };
  }
  if (record.gender !== parts.gender) {
    return { en: 'the century/gender digit contradicts the registered gender', vi: 'chữ số thế kỷ/giới tính của số định danh khác giới tính đã đăng ký.' };
  }
  return null;
}


/**
 * Digit template for generating IDs: the century/gender digit for a birth year and gender.
 * Used by the mock registries; kept here so that generation and validation share one rule.
 */
export function centuryGenderDigit(birthYear: number, gender: 'MALE' | 'FEMALE'): number {
  const century = Math.floor((birthYear - 1900) / 100);
  return century * 2 + (gender === 'FEMALE' ? 1 : 0);
}

/** Masks a personal ID for logs: `079*******12`. Non-IDs become `***`. */
/**
 * An official's id for logs: officials are people too, and their ids often carry a name
 * or a national ID (`nguyenvana`, `001088012345@ca`). First two and last two characters
 * only; the audit trail keeps the id in full for internal control.
 */
export function maskOfficialId(value: string): string {
  if (value.length <= 4) return '*'.repeat(value.length);
  return `${value.slice(0, 2)}${'*'.repeat(value.length - 4)}${value.slice(-2)}`;
}

export function maskPersonalId(value: unknown): string {
  if (typeof value !== 'string' || value.length < 6) return '***';
  return `${value.slice(0, 3)}${'*'.repeat(value.length - 5)}${value.slice(-2)}`;
}
