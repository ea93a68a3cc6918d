import type { AddressRecord, DocumentRecord, Gender } from '../../connectors/types';
import type { Transform } from './loadForms';

const GENDER: Record<Gender, string> = { MALE: 'Nam', FEMALE: 'Nữ' };
/** How a parent is named beside a child: the TK01a's "quan hệ với người chưa đủ 14 tuổi". */
const PARENT: Record<Gender, string> = { MALE: 'Cha', FEMALE: 'Mẹ' };
const DOCUMENT_NAMES: Record<string, string> = {
  IDENTITY_CARD: 'Căn cước',
  PASSPORT: 'Hộ chiếu',
  DRIVING_LICENCE: 'Giấy phép lái xe',
  BIRTH_CERTIFICATE: 'Giấy khai sinh',
  MARRIAGE_CERTIFICATE: 'Giấy chứng nhận kết hôn',
  CRIMINAL_RECORD_CERTIFICATE: 'Phiếu lý lịch tư pháp',
  DIVORCE_DECISION: 'Bản án, quyết định ly hôn',
};

/** `yyyy-mm-dd` as forms write it: `dd/MM/yyyy`. */
export function formatDate(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

/**
 * An administrative unit as it is written inside an institution's name: the unit type in
 * lower case ("Phường Ba Đình" → "phường Ba Đình"; Nghị định 30/2020/NĐ-CP, Phụ lục II).
 */
export function unitInName(unit: string): string {
  return unit.charAt(0).toLocaleLowerCase('vi') + unit.slice(1);
}

/** The commune-level institution of an address ("Công an phường Ba Đình, thành phố Hà Nội"), or null without a commune. */
function communeInstitution(prefix: string, address: AddressRecord): string | null {
  if (!address.communeName) return null;
  const province = address.provinceName ? `, ${unitInName(address.provinceName)}` : '';
  return `${prefix} ${unitInName(address.communeName)}${province}`;
}

/** A document's name: as the registry prints it ("Thẻ căn cước"), or the name of its type. */
export function documentName(d: Pick<DocumentRecord, 'type' | 'title'>): string {
  return d.title ?? DOCUMENT_NAMES[d.type] ?? d.type;
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
    case 'monthYear':
      return typeof value === 'string' ? `${value.slice(5, 7)}/${value.slice(0, 4)}` : null;
    case 'year':
      return typeof value === 'string' ? value.slice(0, 4) : null;
    case 'gender':
      return GENDER[value as Gender] ?? null;
    case 'parentTitle':
      return PARENT[value as Gender] ?? null;
    case 'upper':
      return String(value).toLocaleUpperCase('vi');
    case 'address':
      return (value as AddressRecord).full || null;
    case 'communePolice':
      return communeInstitution('Công an', value as AddressRecord);
    case 'communeCommittee':
      return communeInstitution('Ủy ban nhân dân', value as AddressRecord);
    case 'documentTitle':
      return documentName(value as DocumentRecord);
    case 'identityDocument': {
      const d = value as DocumentRecord;
      return `${DOCUMENT_NAMES[d.type] ?? d.type} số ${d.number}, cấp ngày ${formatDate(d.issuedOn)}, nơi cấp: ${d.issuer}`;
    }
    case 'none':
      return typeof value === 'string' ? value : String(value);
  }
}
