import { serialize } from 'node:v8';
import { oneByte } from '../../src/audit/AuditLog';

/** How V8 holds a string: '"' one byte per character, 'c' two (the tag of its serialised form). */
const form = (text: string) => String.fromCharCode(serialize(text)[2] as number);

describe('the text of audit rows in one-byte form', () => {
  // A name sliced out of a source that also holds Vietnamese text keeps the source's two-byte form.
  const source = `"""Ngày cập nhật"""\n${'person.provenance.asOf '.repeat(3)}`;
  const sliced = source.slice(source.indexOf('person'), source.indexOf('person') + 'person.provenance.asOf'.length);

  it('starts from a two-byte slice, as the schema and the forms catalogue give', () => {
    expect(sliced).toBe('person.provenance.asOf');
    expect(form(sliced)).toBe('c');
  });

  it('gives the same text in one-byte form, once per distinct text', () => {
    const once = oneByte(sliced);
    expect(once).toBe('person.provenance.asOf');
    expect(form(once)).toBe('"');
    expect(Object.is(oneByte(sliced), once)).toBe(true);
  });

  it('keeps Latin-1 letters and leaves text beyond Latin-1 as it is', () => {
    const latin = 'Lýư'.slice(0, 2);
    expect(form(latin)).toBe('c');
    expect(oneByte(latin)).toBe('Lý');
    expect(form(oneByte(latin))).toBe('"');
    expect(oneByte('Người đọc')).toBe('Người đọc');
  });

  it('makes the JSON of a batch one-byte when a field path came in two-byte', () => {
    const json = JSON.stringify([{ fields: ['person.fullName', sliced].map(oneByte) }]);
    expect(form(json)).toBe('"');
    expect(form(JSON.stringify([{ fields: ['person.fullName', sliced] }]))).toBe('c');
  });
});
