// The server database's schema, as numbered migrations: each runs once, in order, in its own transaction,
// and PRAGMA user_version records the last one applied. Never edit a migration that has shipped; add one.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "entries, revisions, registrations, tokens",
    sql: `
      -- Every change to the entries is one registry revision; GET /checkpoints reports the latest.
      CREATE TABLE revisions (
        revision INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        cause TEXT NOT NULL
      ) STRICT;

      -- checkpoint id -> the entry as its file in entries/ holds it (formatted JSON, \`$schema\` included).
      CREATE TABLE entries (
        id TEXT PRIMARY KEY,
        entry TEXT NOT NULL,
        revision INTEGER NOT NULL REFERENCES revisions (revision)
      ) STRICT;

      -- What each revision wrote, so that any earlier state of an entry can be recovered.
      CREATE TABLE entry_history (
        revision INTEGER NOT NULL REFERENCES revisions (revision),
        id TEXT NOT NULL,
        entry TEXT NOT NULL,
        PRIMARY KEY (revision, id)
      ) STRICT;

      CREATE TABLE registrations (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        checkpoint_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'extracting', 'registered', 'failed')),
        token_id TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before TEXT,
        reason TEXT,
        warnings TEXT,
        revision INTEGER REFERENCES revisions (revision)
      ) STRICT;
      -- One live registration per URL: two submissions of one URL, even at once, are one registration.
      CREATE UNIQUE INDEX registrations_live_url ON registrations (url) WHERE state <> 'failed';
      CREATE INDEX registrations_queue ON registrations (state, created_at);

      -- Only a hash of each token is kept; the token itself is shown once, when created.
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        scope TEXT NOT NULL CHECK (scope IN ('register', 'worker', 'admin')),
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: "verification jobs, their results, uploaded files",
    sql: `
      -- One check of one checkpoint file on one platform. Workers lease jobs of their platform; a lease that is
      -- not renewed expires and the job is queued again. A job waits ('waiting') until the jobs in \`after\` are done.
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        checkpoint_id TEXT NOT NULL,
        checkpoint_sha256 TEXT,
        url TEXT NOT NULL,
        size_bytes INTEGER,
        platform TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('verify-unpickling', 'log-run', 'compare-runs')),
        dtype TEXT,
        role TEXT CHECK (role IN ('reference', 'candidate')),
        after TEXT NOT NULL DEFAULT '[]',
        state TEXT NOT NULL CHECK (state IN ('waiting', 'queued', 'leased', 'done', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        -- Leases handed back (SIGTERM): attempts that do not count against max_attempts. Attempt numbers are
        -- never reused, so a result is known by job and attempt.
        handed_back INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires_at TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        reason TEXT,
        outcome TEXT,
        trace TEXT,
        revision INTEGER REFERENCES revisions (revision)
      ) STRICT;
      CREATE INDEX jobs_queue ON jobs (state, platform, created_at);
      CREATE INDEX jobs_checkpoint ON jobs (checkpoint_id, created_at);

      -- Every result that was applied, by job and attempt: a result sent again changes nothing.
      CREATE TABLE job_results (
        job_id TEXT NOT NULL REFERENCES jobs (id),
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (job_id, attempt)
      ) STRICT;

      -- Uploaded files (trace parts), kept by content hash in a folder beside the database.
      CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: "whose fault a failed job was, its stderr tail, the workers whose environment failed it",
    sql: `
      -- The last failed attempt's fault ('checkpoint': evidence when final; 'environment': the worker's, never
      -- evidence) and the last lines of its stderr, escaped.
      ALTER TABLE jobs ADD COLUMN fault TEXT CHECK (fault IN ('checkpoint', 'environment'));
      ALTER TABLE jobs ADD COLUMN output TEXT;
      -- Workers (lease owners) whose environment failed the job: it goes to another worker of the platform when one is there.
      ALTER TABLE jobs ADD COLUMN failed_on TEXT NOT NULL DEFAULT '[]';
    `,
  },
];
