import { bilingual } from '../bilingual';

/**
 * A dossier number (số hồ sơ) as an agency gives it — `X-Case-Id`, the case a watch
 * follows: 1 to 100 ASCII letters, digits, ".", "_", "/" or "-", starting with a letter or digit.
 */
export const CASE_ID = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;

/** What a dossier number looks like, for the message that refuses one. */
export const CASE_ID_FORMAT = bilingual('a dossier number of letters, digits, ".", "_", "/" or "-"', 'số hồ sơ gồm chữ, số, dấu ".", "_", "/" hoặc "-"');
