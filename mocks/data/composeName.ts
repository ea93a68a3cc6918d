import type { Random } from './random';
import type { Gender } from './types';
import { NAMES_BY_ETHNICITY, type EthnicNames } from './vocabulary';

/** A person's name: the family name alone, and the full name in the group's order. */
export interface ComposedName {
  familyName: string;
  fullName: string;
}

/** The naming rules of an ethnic group (Kinh rules for a group the vocabulary does not know). */
export function namesOf(ethnicity: string): EthnicNames {
  return NAMES_BY_ETHNICITY[ethnicity] ?? (NAMES_BY_ETHNICITY.Kinh as EthnicNames);
}

/**
 * Builds a name following the ethnic group's usage. `familyName` is the inherited one, if any;
 * otherwise one is drawn from the group's family names.
 */
export function composeName(rng: Random, ethnicity: string, gender: Gender, familyName?: string): ComposedName {
  const names = namesOf(ethnicity);
  const family = familyName ?? rng.weighted(names.family);
  const middle = rng.pick(gender === 'MALE' ? names.maleMiddle : names.femaleMiddle);
  const given = rng.pick(gender === 'MALE' ? names.maleGiven : names.femaleGiven);
  const parts = names.familyLast ? [middle, given, family] : [family, middle, given];
  return { familyName: family, fullName: parts.filter((p) => p !== '').join(' ') };
}
