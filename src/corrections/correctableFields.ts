import { getNamedType, getNullableType, isEnumType, isLeafType, isListType, isNonNullType, isObjectType, type GraphQLField, type GraphQLSchema } from 'graphql';
import type { RegistryName } from '../../connectors/types';
import { bilingual as bi, type Bilingual } from '../bilingual';
import { CITIZEN_TYPE, isDisclosure, type DisclosureRule, type SchemaFacts } from '../schemaFacts/readSchemaFacts';

/** How a proposed value is checked: as the field's type would hold it. */
export type ValueKind =
  | { kind: 'date' }
  | { kind: 'enum'; values: readonly string[] }
  /** A String of basic identity: a person's name. */
  | { kind: 'name'; max: number }
  | { kind: 'text'; max: number };

/** A field of a registry's record about a citizen that the citizen may ask the registry to correct. */
export interface CorrectableField {
  /** `Person.fullName`, `Residence.permanentAddress`, `IssuedDocument.validUntil`. */
  coordinate: string;
  /** The registry that owns the record (`@registry` of the citizen's field that reads it). */
  registry: RegistryName;
  /** The citizen's field that reads the record: `Citizen.person`. */
  via: string;
  /** The field's path from the citizen, as the audit writes paths: `person.fullName`. */
  path: string;
  /** The record type (`Person`). */
  record: string;
  /**
   * The coordinate whose rule decides who may read the value, as grants name it: the
   * field itself, or the field it is part of (`Citizen.documents` for a document's date).
   */
  governedBy: string;
  rule: DisclosureRule;
  value: ValueKind;
  /** The record is one of a list (a document): a report names which one. */
  perRecord: boolean;
}

/** Longest values accepted, by kind. */
const MAX_NAME = 100;
const MAX_TEXT = 300;

/**
 * The correctable fields, derived from the SDL: each field of a record a registry holds
 * about a citizen — the types read by `Citizen`'s `@registry` fields — that discloses
 * something (its own `@access` rule, or, for the parts of a document, the rule of
 * `Citizen.documents`) and holds a value: a date, an enum, a string, or a value object
 * whose parts are all plain (an address). Identifiers (`ID`), lists, relationships to
 * other citizens and provenance are not values a citizen corrects, nor is a value the
 * gateway judges with another registry (a field with a `@registry` of its own). The owning registry
 * is the `@registry` of the citizen's field, so a new field of a registry record is
 * correctable, with its registry, as soon as it is declared.
 */
export function correctableFields(schema: GraphQLSchema, facts: SchemaFacts): ReadonlyMap<string, CorrectableField> {
  const out = new Map<string, CorrectableField>();
  const citizen = schema.getType(CITIZEN_TYPE);
  if (!isObjectType(citizen)) return out;
  for (const via of Object.values(citizen.getFields())) {
    const viaCoordinate = `${CITIZEN_TYPE}.${via.name}`;
    const registry = facts.registry(viaCoordinate);
    const record = getNamedType(via.type);
    if (!registry || !isObjectType(record)) continue;
    const perRecord = isListType(getNullableType(via.type));
    // A record of a list is named by its own identifier, or it cannot be named at all.
    if (perRecord && !Object.values(record.getFields()).some((f) => f.name === 'id' && getNamedType(f.type).name === 'ID')) continue;
    const viaRule = facts.rule(viaCoordinate);
    for (const field of Object.values(record.getFields())) {
      const coordinate = `${record.name}.${field.name}`;
      // A field that consults another registry (a document's status: does its holder live?) is judged, not held.
      const consults = facts.registry(coordinate);
      if (consults && consults !== registry) continue;
      const own = facts.rule(coordinate);
      const [rule, governedBy] = isDisclosure(own) ? [own, coordinate] : own === 'INHERIT' && isDisclosure(viaRule) ? [viaRule, viaCoordinate] : [null, null];
      if (!rule || !governedBy) continue;
      const value = valueKind(field, facts, rule);
      if (!value) continue;
      out.set(coordinate, { coordinate, registry, via: viaCoordinate, path: `${via.name}.${field.name}`, record: record.name, governedBy, rule, value, perRecord });
    }
  }
  return out;
}

function valueKind(field: GraphQLField<unknown, unknown>, facts: SchemaFacts, rule: DisclosureRule): ValueKind | null {
  const type = isNonNullType(field.type) ? field.type.ofType : field.type;
  if (isListType(type)) return null;
  const named = getNamedType(type);
  if (isEnumType(named)) return { kind: 'enum', values: named.getValues().map((v) => v.name) };
  if (isLeafType(named)) {
    if (named.name === 'Date') return { kind: 'date' };
    if (named.name === 'String') return rule === 'IDENTITY' ? { kind: 'name', max: MAX_NAME } : { kind: 'text', max: MAX_TEXT };
    return null;
  }
  // A value object (an address): every part a plain value that takes the rule of the whole.
  if (isObjectType(named)) {
    const parts = Object.values(named.getFields());
    const plain = parts.every((p) => facts.rule(`${named.name}.${p.name}`) === 'INHERIT' && isLeafType(getNamedType(p.type)) && !isListType(getNullableType(p.type)));
    return plain ? { kind: 'text', max: MAX_TEXT } : null;
  }
  return null;
}

/** A checked value, or why it is refused. */
export type CheckedValue = { ok: true; value: string } | { ok: false; reason: Bilingual };

const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
/** Latin letters (Vietnamese is written with them) and their diacritics, after NFC. */
const NAME = /^[\p{Script=Latin}\p{M}]+(?: [\p{Script=Latin}\p{M}]+)*$/u;
/** What addresses, places, numbers and contacts are written with. */
const TEXT = /^[\p{Script=Latin}\p{M}0-9 ,.\-/()'@+:#&]+$/u;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Checks a proposed value as the field would hold it, after NFC normalisation: a real
 * date, a member of the enum, a name of Latin letters (with Vietnamese diacritics) and
 * single spaces, or a line of text; every length bounded, no control characters. The
 * reason never repeats the value.
 */
export function checkValue(kind: ValueKind, raw: string): CheckedValue {
  if (CONTROL.test(raw)) return refuse('must not contain control or invisible formatting characters', 'không được chứa ký tự điều khiển hoặc ký tự ẩn.');
  const value = raw.normalize('NFC').trim();
  if (value.length === 0) return refuse('must not be empty', 'không được để trống.');
  switch (kind.kind) {
    case 'date': {
      const m = DATE.exec(value);
      const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
      if (!m || !date || date.getUTCFullYear() !== Number(m[1]) || date.getUTCMonth() !== Number(m[2]) - 1 || date.getUTCDate() !== Number(m[3]) || Number(m[1]) < 1900 || Number(m[1]) > 2100) {
        return refuse('must be a real calendar date written yyyy-mm-dd, between 1900 and 2100', 'phải là một ngày có thật, viết theo dạng năm-tháng-ngày (yyyy-mm-dd), từ năm 1900 đến năm 2100.');
      }
      return { ok: true, value };
    }
    case 'enum':
      if (!kind.values.includes(value)) return refuse(`must be one of ${kind.values.join(', ')}`, `phải là một trong các giá trị ${kind.values.join(', ')}.`);
      return { ok: true, value };
    case 'name':
      if (value.length > kind.max) return refuse(`must be at most ${kind.max} characters`, `dài tối đa ${kind.max} ký tự.`);
      if (!NAME.test(value)) return refuse('a name is written in letters (with Vietnamese diacritics), separated by single spaces', 'họ tên chỉ gồm chữ cái (có dấu tiếng Việt), cách nhau bởi một dấu cách.');
      return { ok: true, value };
    case 'text':
      if (value.length > kind.max) return refuse(`must be at most ${kind.max} characters`, `dài tối đa ${kind.max} ký tự.`);
      if (!TEXT.test(value) || !/[\p{L}0-9]/u.test(value)) {
        return refuse('may hold letters (with Vietnamese diacritics), digits, spaces and , . - / ( ) \' @ + : # & only', "chỉ được gồm chữ cái (có dấu tiếng Việt), chữ số, dấu cách và các dấu , . - / ( ) ' @ + : # &.");
      }
      return { ok: true, value };
  }
}

/** Free text with line breaks allowed (a note): NFC, bounded, no other control characters. */
export function checkNote(raw: string, max: number): CheckedValue {
  if (/[\p{Cf}\p{Zl}\p{Zp}\x00-\x09\x0B-\x1F\x7F-\x9F]/u.test(raw)) return refuse('must not contain control characters other than line breaks', 'không được chứa ký tự điều khiển (ngoài dấu xuống dòng).');
  const value = raw.normalize('NFC').trim();
  if (value.length > max) return refuse(`must be at most ${max} characters`, `dài tối đa ${max} ký tự.`);
  return { ok: true, value };
}

function refuse(en: string, vi: string): CheckedValue {
  return { ok: false, reason: bi(en, vi) };
}
