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
];
