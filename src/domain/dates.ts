/** Whole years between a birth date and a reference date, both `yyyy-mm-dd`. */
export function ageOn(dateOfBirth: string, on: string): number {
  const [by, bm, bd] = [Number(dateOfBirth.slice(0, 4)), Number(dateOfBirth.slice(5, 7)), Number(dateOfBirth.slice(8, 10))];
  const [y, m, d] = [Number(on.slice(0, 4)), Number(on.slice(5, 7)), Number(on.slice(8, 10))];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Today's date, `yyyy-mm-dd`, in Vietnam (UTC+7, no daylight saving). */
export function todayInVietnam(now: Date): string {
  return new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}
