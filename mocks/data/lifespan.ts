import type { Random } from './random';
import type { Gender } from './types';

/**
 * Gompertz adult mortality: the hazard grows by `GROWTH` a year and peaks in deaths at the
 * modal age. The modal ages give a life expectancy at birth of about 71 years for men and 77
 * for women, close to the 2019 census (71.0 and 76.3; 73.6 overall).
 */
const GROWTH = 0.095;
const MODAL_AGE: Readonly<Record<Gender, number>> = { MALE: 81, FEMALE: 86.5 };
/** The synthetic population has no deaths in childhood: a deceased citizen is always an adult. */
const YOUNGEST_DEATH = 18;

/** Age at death in years (fractional), drawn from the Gompertz law. */
export function lifespan(rng: Random, gender: Gender): number {
  const b = GROWTH * Math.exp(-GROWTH * MODAL_AGE[gender]);
  for (;;) {
    const u = 1 - rng.next();
    const age = Math.log(1 - (GROWTH / b) * Math.log(u)) / GROWTH;
    if (age >= YOUNGEST_DEATH) return age;
  }
}
