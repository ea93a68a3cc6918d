-- Agencies' watches: a standing request to be told when a citizen's records change, for one
-- open case. One watch per agency, purpose, case and citizen is in force at a time: setting
-- it again renews it. `scope` is the grant scope the official's token carried, with which
-- every notice is judged again before it leaves.
CREATE TABLE watches (
  id            uuid PRIMARY KEY,
  agency        text NOT NULL,
  official      text NOT NULL,
  scope         text NOT NULL,
  purpose       text NOT NULL,
  case_id       text NOT NULL,
  subject_id    text NOT NULL,
  created_at    timestamptz NOT NULL,
  until         timestamptz NOT NULL,
  cancelled_at  timestamptz,
  CHECK (until > created_at)
);
CREATE UNIQUE INDEX watches_case ON watches (agency, purpose, case_id, subject_id) WHERE cancelled_at IS NULL;
CREATE INDEX watches_subject ON watches (subject_id) WHERE cancelled_at IS NULL;
CREATE INDEX watches_agency ON watches (agency, created_at DESC) WHERE cancelled_at IS NULL;
CREATE INDEX watches_until ON watches (until);

-- The outbox of change notices: one row per watch and registry event, written in the
-- transaction that handles the event (a retried event adds nothing), drained by every
-- gateway instance (FOR UPDATE SKIP LOCKED). No foreign key to watches: a dead letter
-- outlives its watch for the agency's supervisors; pending notices of a watch that ended
-- are deleted with it. Values of the records never enter this table.
CREATE TABLE notices (
  id               uuid PRIMARY KEY,
  watch_id         uuid NOT NULL,
  registry         text NOT NULL,
  event_id         text NOT NULL,
  agency           text NOT NULL,
  purpose          text NOT NULL,
  case_id          text NOT NULL,
  subject_id       text NOT NULL,
  changed_at       timestamptz NOT NULL,
  created_at       timestamptz NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  -- Pending: when the next attempt is due (or, while one is in flight, when its lease ends).
  next_attempt_at  timestamptz NOT NULL,
  -- Why the last attempt failed: a status code, a timeout, a refused connection; never the receiver's answer.
  last_error       text,
  -- The audit trail holds the disclosure (written once, before the first attempt).
  audited          boolean NOT NULL DEFAULT false,
  finished_at      timestamptz,
  UNIQUE (watch_id, registry, event_id)
);
CREATE INDEX notices_due ON notices (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notices_dead ON notices (agency, finished_at DESC) WHERE status = 'dead';
CREATE INDEX notices_finished ON notices (finished_at) WHERE status <> 'pending';
