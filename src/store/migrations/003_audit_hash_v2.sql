-- Version 2 of the audit record hash, which survives retention:
--   content_hash = sha256(sha256(kept) "\n" personal_hash), personal_hash = sha256(personal)
-- where "kept" is what retention keeps (seq, times, caller kind, agency, purpose,
-- registries, outcome) and "personal" what it blanks (request, caller, case, subject,
-- fields, reason, and a random salt). personal_hash stays when a row is pruned, so the
-- kept columns of a pruned row are still checked. hash = HMAC-SHA256 under the chain
-- key chain_kid (held by the gateway, not in the database) of prev_hash, seq, content_hash.
--
-- Rows written before this migration keep version 1 and are verified the old way;
-- legacy_until records where they end. A version-1 row after it is refused here (an
-- older gateway still running must not write records of the weaker kind) and by the verifier.
ALTER TABLE audit_log ADD COLUMN hash_version smallint NOT NULL DEFAULT 1;
ALTER TABLE audit_log ALTER COLUMN hash_version DROP DEFAULT;
ALTER TABLE audit_log ADD COLUMN personal_hash text;
ALTER TABLE audit_log ADD COLUMN personal_salt text;
ALTER TABLE audit_log ADD COLUMN chain_kid text;

-- The chain's identity, named in every signed checkpoint (so that a checkpoint file
-- can tell its own chain's entries from another's), and where version 1 ends.
CREATE TABLE audit_chain (
  singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  chain_id      uuid NOT NULL,
  legacy_until  bigint NOT NULL
);
INSERT INTO audit_chain (chain_id, legacy_until) SELECT gen_random_uuid(), coalesce(max(seq), 0) FROM audit_log;

-- NOT VALID: existing rows are version 1 up to legacy_until by construction; only new ones are checked.
DO $$
BEGIN
  EXECUTE format(
    'ALTER TABLE audit_log ADD CONSTRAINT audit_log_hash_version CHECK ('
    '(hash_version = 2 AND personal_hash IS NOT NULL AND chain_kid IS NOT NULL AND seq > %1$s) OR (hash_version = 1 AND seq <= %1$s)) NOT VALID',
    (SELECT legacy_until FROM audit_chain));
END $$;
