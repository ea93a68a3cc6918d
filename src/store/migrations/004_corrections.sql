-- Citizens' reports that a registry holds a wrong value about them, forwarded to the
-- registry that owns the field, and what became of each. One row per report; the
-- idempotency key is unique per reporting citizen, so a retried mutation finds its row.
CREATE TABLE correction_requests (
  id                   uuid PRIMARY KEY,
  -- The citizen the value is about; the reporter is that citizen, or their parent (GUARDIAN).
  subject_id           text NOT NULL,
  reporter_id          text NOT NULL,
  idempotency_key      text NOT NULL,
  -- sha256 of the report as submitted: the same key with another body is refused.
  body_hash            text NOT NULL,
  field                text NOT NULL,
  registry             text NOT NULL CHECK (registry IN ('POPULATION', 'RESIDENCE', 'DOCUMENTS')),
  document_id          text,
  proposed_value       text NOT NULL,
  note                 text,
  evidence_document_id text,
  -- SUBMITTED: stored here, not yet received by the registry; then the registry's own statuses.
  status               text NOT NULL CHECK (status IN ('SUBMITTED', 'RECEIVED', 'IN_REVIEW', 'CORRECTED', 'REJECTED')),
  -- Why the registry rejected it, in Vietnamese.
  reason               text,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  -- Forwarding: null until the registry has confirmed receipt; attempts back off from next_forward_at;
  -- forwarding_until is the lease of the process forwarding it now (one forwarder at a time).
  forwarded_at         timestamptz,
  forward_attempts     integer NOT NULL DEFAULT 0,
  next_forward_at      timestamptz NOT NULL,
  forwarding_until     timestamptz,
  -- When the registry was last asked where an open request stands.
  checked_at           timestamptz,
  UNIQUE (reporter_id, idempotency_key),
  CHECK ((status = 'REJECTED') = (reason IS NOT NULL))
);
CREATE INDEX correction_requests_subject ON correction_requests (subject_id, created_at DESC);
CREATE INDEX correction_requests_open ON correction_requests (subject_id, registry) WHERE status IN ('SUBMITTED', 'RECEIVED', 'IN_REVIEW');
CREATE INDEX correction_requests_unforwarded ON correction_requests (next_forward_at) WHERE forwarded_at IS NULL;

-- Each status a request has had, with when (the registry's time for its own statuses).
CREATE TABLE correction_request_history (
  request_id  uuid NOT NULL REFERENCES correction_requests (id) ON DELETE CASCADE,
  status      text NOT NULL CHECK (status IN ('SUBMITTED', 'RECEIVED', 'IN_REVIEW', 'CORRECTED', 'REJECTED')),
  at          timestamptz NOT NULL,
  reason      text,
  PRIMARY KEY (request_id, status)
);
