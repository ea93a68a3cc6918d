-- One batch of audit records, appended after the head the writer expects.
--
-- The writer may send a batch while the one before it is still committing, linked to
-- where that one ends. The chain lock is taken first: the batch then waits for the one
-- holding it. Each statement of a VOLATILE function sees what committed before it started
-- (READ COMMITTED), so the check after the lock sees the batch it waited for, and the
-- records go in only if the row they link to is there with the hash they were linked to:
-- a batch whose predecessor rolled back is refused (SQLSTATE GWA01) instead of leaving a
-- gap, and the writer links it again to the real head. A head that another writer moved
-- beyond after_seq is refused by the primary key (23505), as before.
CREATE FUNCTION audit_append(batch jsonb, chain_lock bigint, after_seq bigint, after_hash text) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(chain_lock);
  IF after_seq > 0 AND NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.seq = after_seq AND l.hash = after_hash) THEN
    RAISE EXCEPTION 'the audit chain has no record % with the hash this batch links to', after_seq USING ERRCODE = 'GWA01';
  END IF;
  INSERT INTO audit_log (seq, recorded_at, retain_until, request_id, caller_kind, caller_id, agency, purpose, case_id, subject_id,
                         fields, registries, outcome, reason, content_hash, prev_hash, hash, hash_version, personal_hash, personal_salt, chain_kid)
  SELECT t.seq, t.recorded_at, t.retain_until, t.request_id, t.caller_kind, t.caller_id, t.agency, t.purpose, t.case_id, t.subject_id,
         t.fields, t.registries, t.outcome, t.reason, t.content_hash, t.prev_hash, t.hash, t.hash_version, t.personal_hash, t.personal_salt, t.chain_kid
    FROM jsonb_to_recordset(batch)
      AS t(seq bigint, recorded_at timestamptz, retain_until timestamptz, request_id text, caller_kind text, caller_id text,
           agency text, purpose text, case_id text, subject_id text, fields text[], registries text[], outcome text, reason text,
           content_hash text, prev_hash text, hash text, hash_version smallint, personal_hash text, personal_salt text, chain_kid text);
END $$;
