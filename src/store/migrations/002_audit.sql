-- The audit trail: one row per operation and subject, in one hash chain.
-- hash = sha256(prev_hash, seq, content_hash); content_hash covers every other column.
-- Retention blanks a row's personal columns (pruned_at set) but keeps content_hash,
-- so the chain still verifies after old records are removed.
CREATE TABLE audit_log (
  seq           bigint PRIMARY KEY,
  recorded_at   timestamptz NOT NULL,
  retain_until  timestamptz NOT NULL,
  request_id    text,
  caller_kind   text NOT NULL CHECK (caller_kind IN ('citizen', 'agency')),
  caller_id     text,
  agency        text,
  purpose       text,
  case_id       text,
  subject_id    text,
  fields        text[],
  registries    text[] NOT NULL,
  outcome       text NOT NULL CHECK (outcome IN ('disclosed', 'denied', 'failed')),
  reason        text,
  content_hash  text NOT NULL,
  prev_hash     text NOT NULL,
  hash          text NOT NULL,
  pruned_at     timestamptz
);
CREATE INDEX audit_log_subject ON audit_log (subject_id, seq DESC);
CREATE INDEX audit_log_agency ON audit_log (agency, seq DESC);
CREATE INDEX audit_log_retention ON audit_log (retain_until) WHERE pruned_at IS NULL;

-- Signed chain heads (JWS over seq and hash), written at intervals.
CREATE TABLE audit_checkpoints (
  seq        bigint PRIMARY KEY,
  hash       text NOT NULL,
  signed_at  timestamptz NOT NULL,
  jws        text NOT NULL
);
