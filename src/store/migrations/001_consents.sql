-- Citizens' consents to a named agency processing their data for a named purpose.
CREATE TABLE consents (
  id          uuid PRIMARY KEY,
  subject_id  text NOT NULL,
  agency      text NOT NULL,
  purpose     text NOT NULL,
  -- Schema coordinates the consent covers; NULL means every field the purpose's grant allows.
  fields      text[],
  granted_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  CHECK (expires_at > granted_at)
);
CREATE INDEX consents_subject ON consents (subject_id, granted_at DESC);
CREATE INDEX consents_lookup ON consents (subject_id, agency, purpose) WHERE revoked_at IS NULL;
