import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { CASE_ID, CASE_ID_FORMAT } from '../domain/caseId';
import { parsePersonalId } from '../domain/personalId';
import { BadUserInputError, bilingual, type Bilingual } from '../errors';
import { PURPOSE_CODE } from '../policy/loadCatalogue';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function stringLiteral(ast: ValueNode, what: Bilingual): string {
  if (ast.kind !== Kind.STRING) throw new BadUserInputError({ en: `${what.en} must be given as a string`, vi: `${what.vi} phải được ghi trong dấu ngoặc kép.` }, { nodes: ast });
  return ast.value;
}

const DATE_FORMAT = bilingual('a date must be a real calendar date written yyyy-mm-dd', 'ngày phải là một ngày có thật, viết theo dạng năm-tháng-ngày (yyyy-mm-dd).');
const DATE_TIME_FORMAT = bilingual('a date-time must be ISO 8601 with an offset, e.g. 2026-07-01T08:30:00Z', 'thời điểm phải viết theo ISO 8601 kèm múi giờ, ví dụ 2026-07-01T08:30:00Z.');

function checkPersonalId(value: unknown, nodes?: ValueNode): string {
  const result = parsePersonalId(value);
  if (!result.ok) throw new BadUserInputError({ en: result.reason, vi: result.reasonVi }, { nodes });
  return result.parts.value;
}

/** See schema/scalars.graphql. Input is validated and never coerced. */
export const PersonalIdScalar = new GraphQLScalarType({
  name: 'PersonalId',
  serialize: (value) => {
    if (typeof value !== 'string') throw new TypeError('PersonalId values must be strings');
    return value;
  },
  parseValue: (value) => checkPersonalId(value),
  parseLiteral: (ast) => checkPersonalId(stringLiteral(ast, bilingual('a personal ID', 'Số định danh cá nhân')), ast),
});

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  serialize: (value) => {
    if (typeof value !== 'string' || !isCalendarDate(value)) throw new TypeError('Date values must be yyyy-mm-dd strings');
    return value;
  },
  parseValue: (value) => {
    if (typeof value !== 'string' || !isCalendarDate(value)) throw new BadUserInputError(DATE_FORMAT);
    return value;
  },
  parseLiteral: (ast) => {
    const value = stringLiteral(ast, bilingual('a date', 'Ngày'));
    if (!isCalendarDate(value)) throw new BadUserInputError(DATE_FORMAT, { nodes: ast });
    return value;
  },
});

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) => {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'string' && DATE_TIME.test(value)) return value;
    throw new TypeError('DateTime values must be ISO 8601 strings with an offset');
  },
  parseValue: (value) => {
    if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
      throw new BadUserInputError(DATE_TIME_FORMAT);
    }
    return value;
  },
  parseLiteral: (ast) => {
    const value = stringLiteral(ast, bilingual('a date-time', 'Thời điểm'));
    if (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
      throw new BadUserInputError(DATE_TIME_FORMAT, { nodes: ast });
    }
    return value;
  },
});

/** A string scalar whose every value matches `format`: validated, never coerced, refused with `what` otherwise. */
function codeScalar(name: string, format: RegExp, what: Bilingual, refusal: Bilingual): GraphQLScalarType {
  const check = (value: unknown, nodes?: ValueNode): string => {
    if (typeof value !== 'string' || !format.test(value)) throw new BadUserInputError(refusal, { nodes });
    return value;
  };
  return new GraphQLScalarType({
    name,
    serialize: (value) => {
      if (typeof value !== 'string') throw new TypeError(`${name} values must be strings`);
      return value;
    },
    parseValue: (value) => check(value),
    parseLiteral: (ast) => check(stringLiteral(ast, what), ast),
  });
}

export const CaseIdScalar = codeScalar('CaseId', CASE_ID, bilingual('a dossier number', 'Số hồ sơ'), {
  en: `expected ${CASE_ID_FORMAT.en}, 1 to 100 characters`,
  vi: `${CASE_ID_FORMAT.vi}, dài 1 đến 100 ký tự.`,
});

export const PurposeCodeScalar = codeScalar('PurposeCode', PURPOSE_CODE, bilingual('a purpose code', 'Mã mục đích'), {
  en: 'expected an upper-case purpose code such as CT01_RESIDENCE (see the purposes query)',
  vi: 'mã mục đích viết hoa, ví dụ CT01_RESIDENCE (xem danh sách purposes).',
});
