import type { CallContext } from './RegistryClient';
import { RegistryConnector } from './RegistryConnector';
import { MalformedResponseError } from './UpstreamError';
import { DOCUMENT_STATUSES, type DocumentRecord, type DocumentStatus, type DocumentType, type HolderDocuments, type RegistryName } from './types';
import { array, object, optionalString, provenance, string, type Wire } from './wire';

/** The registry's document kinds and the gateway's names for them. */
const KINDS: Readonly<Record<string, DocumentType>> = {
  GIAY_KHAI_SINH: 'BIRTH_CERTIFICATE',
  GIAY_CHUNG_NHAN_KET_HON: 'MARRIAGE_CERTIFICATE',
  CAN_CUOC: 'IDENTITY_CARD',
  HO_CHIEU: 'PASSPORT',
  GIAY_PHEP_LAI_XE: 'DRIVING_LICENCE',
  PHIEU_LY_LICH_TU_PHAP: 'CRIMINAL_RECORD_CERTIFICATE',
  BAN_AN_QUYET_DINH_LY_HON: 'DIVORCE_DECISION',
};

/** The issued-document registry: documents the state issued to each holder. */
export class DocumentsConnector extends RegistryConnector<HolderDocuments> {
  readonly registry: RegistryName = 'DOCUMENTS';
  protected readonly batchPath = '/v1/holders:batchGetDocuments';
  protected readonly batchKey = 'holderIds';
  protected readonly resultKey = 'holders';

  /** Documents by holder; holders the registry does not know are absent. */
  getHolders(ids: readonly string[], call?: CallContext): Promise<Map<string, HolderDocuments>> {
    return this.getMany(ids, call);
  }

  protected idOf(record: HolderDocuments): string {
    return record.holderId;
  }

  protected map(w: Wire, fetchedAt: string): HolderDocuments {
    const path = 'holder';
    const documents: DocumentRecord[] = [];
    array(w, 'documents', path).forEach((item, i) => {
      const d = object(item, `${path}.documents[${i}]`);
      const p = `${path}.documents[${i}]`;
      // A kind this gateway does not know yet cannot be typed; it is left out rather than mislabelled.
      const type = KINDS[string(d, 'kind', p)];
      if (!type) return;
      const status = string(d, 'status', p);
      if (!DOCUMENT_STATUSES.includes(status as DocumentStatus)) throw new MalformedResponseError(`${p}.status is not one of ${DOCUMENT_STATUSES.join(', ')}`);
      documents.push({
        id: string(d, 'documentId', p),
        type,
        title: optionalString(d, 'title', p),
        number: string(d, 'number', p),
        issuedOn: string(d, 'issuedOn', p),
        issuer: string(d, 'issuingAuthority', p),
        validUntil: optionalString(d, 'expiresOn', p),
        status: status as DocumentStatus,
        statusChangedOn: optionalString(d, 'statusChangedOn', p),
        statusReason: optionalString(d, 'statusReason', p),
        refersTo: optionalString(d, 'refersTo', p),
        provenance: provenance(this.registry, string(d, 'updatedAt', p), fetchedAt),
      });
    });
    documents.sort((a, b) => (a.issuedOn < b.issuedOn ? 1 : a.issuedOn > b.issuedOn ? -1 : 0));
    return {
      holderId: string(w, 'holderId', path),
      documents,
      provenance: provenance(this.registry, string(w, 'updatedAt', path), fetchedAt),
    };
  }
}
