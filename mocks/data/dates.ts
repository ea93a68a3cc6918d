/**
 * Calendar helpers over `yyyy-mm-dd` strings. Integer day arithmetic (H. Hinnant's
 * civil-from-days algorithm) rather than Date objects: generating the dataset calls
 * these a few hundred thousand times.
 */

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** `yyyy-mm-dd` of a day number; written out directly, as this runs a few hundred thousand times. */
function fromDays(z: number): string {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y < 1000 ? String(y).padStart(4, '0') : y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

export { ageOn } from '../../src/domain/dates';

/** Digits of `iso` from `start` to `end` as a number, without slicing. */
function num(iso: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + iso.charCodeAt(i) - 48;
  return n;
}

function toDays(iso: string): number {
  return daysFromCivil(num(iso, 0, 4), num(iso, 5, 7), num(iso, 8, 10));
}

export function addDays(iso: string, days: number): string {
  return fromDays(toDays(iso) + days);
}

/** Same month and day `years` later (29 February becomes 1 March in common years). */
export function addYears(iso: string, years: number): string {
  return fromDays(daysFromCivil(num(iso, 0, 4) + years, num(iso, 5, 7), 1) + num(iso, 8, 10) - 1);
}

/** A uniformly random date between two dates, both inclusive. */
export function dateBetween(next: () => number, from: string, to: string): string {
  const a = toDays(from);
  const b = toDays(to);
  if (b < a) return from;
  return fromDays(a + Math.floor(next() * (b - a + 1)));
}

export function minDate(a: string, b: string): string {
  return a < b ? a : b;
}

export function maxDate(a: string, b: string): string {
  return a > b ? a : b;
}
