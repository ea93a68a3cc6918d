import type { AddressRecord, DocumentRecord, Gender } from '../../connectors/types';
import type { Transform } from './loadForms';

const GENDER: Record<Gender, string> = { MALE: 'Nam', FEMALE: 'Nữ' };
const DOCUMENT_NAMES: Record<string, string> = {
  IDENTITY_CARD: 'Căn cước',
  PASSPORT: 'Hộ chiếu',
  DRIVING_LICENCE: 'Giấy phép lái xe',
  BIRTH_CERTIFICATE: 'Giấy khai sinh',
  MARRIAGE_CERTIFICATE: 'Giấy chứng nhận kết hôn',
  CRIMINAL_RECORD_CERTIFICATE: 'Phiếu lý lịch tư pháp',
};

/** `yyyy-mm-dd` as forms write it: `dd/MM/yyyy`. */
export function formatDate(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

/**
 * A registry value as the form wants it written. Values are strings, or null when
 * there is nothing to write.
 */
export function applyTransform(transform: Transform, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (transform) {
    case 'date':
      return typeof value === 'string' ? formatDate(value) : null;
    case 'year':
      return typeof value === 'string' ? value.slice(0, 4) : null;
    case 'gender':
      return GENDER[value as Gender] ?? null;
    case 'upper':
      return String(value).toLocaleUpperCase('vi');
    case 'address':
      return (value as AddressRecord).full || null;
    case 'identityDocument': {
      const d = value as DocumentRecord;
      return `${DOCUMENT_NAMES[d.type] ?? d.type} số ${d.number}, cấp ngày ${formatDate(d.issuedOn)}, nơi cấp: ${d.issuer}`;
    }
    case 'none':
      return typeof value === 'string' ? value : String(value);
  }
}
