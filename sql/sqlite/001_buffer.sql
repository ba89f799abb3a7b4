-- Gateway store-and-forward buffer (better-sqlite3, WAL). Applied by gateway/buffer/open-database.ts
-- through PRAGMA user_version; never edit a released file, add 002_… instead.

-- One row per reading. The unique key is the reading's identity (device, boot, seq): the same reading
-- submitted twice (a board re-publishing after a lost PUBACK) is stored once. `body` is the compact JSON
-- array of gateway/buffer/reading-codec.ts (about 3x smaller than the object JSON, and faster to insert).
-- `id` is the insertion order: the sync and the drop policies walk it.
CREATE TABLE readings (
  id INTEGER PRIMARY KEY,
  device TEXT NOT NULL,
  boot INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  body TEXT NOT NULL,
  batch INTEGER,
  synced_at INTEGER
) STRICT;
CREATE UNIQUE INDEX readings_key ON readings (device, boot, seq);
-- Rows not yet put in a sync batch, in insertion order (new rows append at the end: cheap on insert).
CREATE INDEX readings_unbatched ON readings (id) WHERE batch IS NULL;
-- Synced rows by reading time: retention and "drop oldest synced first". Empty at insert time.
CREATE INDEX readings_synced ON readings (ts) WHERE synced_at IS NOT NULL;

-- Newest (boot, seq) per device: the ingest's device tracker rebuilds its numbering from it at start
-- without scanning the readings table.
CREATE TABLE device_last (
  device TEXT PRIMARY KEY,
  boot INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  uptime_s INTEGER,
  stored_at INTEGER NOT NULL
) STRICT;

-- A sync batch is written here (with its exact JSON body) BEFORE it is sent, so a restart re-sends the
-- same Idempotency-Key with the same content. Deleted once the cloud confirmed COMMIT.
CREATE TABLE sync_batches (
  id INTEGER PRIMARY KEY,
  batch_key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('live', 'backlog')),
  created_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  reading_count INTEGER NOT NULL,
  first_id INTEGER,
  last_id INTEGER,
  alert_versions TEXT NOT NULL DEFAULT '[]',
  loss_ids TEXT NOT NULL DEFAULT '[]',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error TEXT
) STRICT;

-- What the cloud refused: whole batches (4xx) and single readings (per-row `rejected` in a 200).
-- Kept with the cloud's code and message so nothing is silently lost; expired by retention with a
-- loss-ledger entry.
CREATE TABLE dead_letter (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('batch', 'reading')),
  batch_key TEXT NOT NULL,
  reading_key TEXT,
  device TEXT,
  http_status INTEGER,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  reading_count INTEGER NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX dead_letter_created ON dead_letter (created_at);

-- Anything dropped or refused by policy: synced to the cloud so gaps are honest. An entry still
-- unsent (batch IS NULL) absorbs further losses of the same device and reason for up to an hour.
CREATE TABLE loss_ledger (
  id TEXT PRIMARY KEY,
  device TEXT,
  reason TEXT NOT NULL,
  count INTEGER NOT NULL,
  from_ts INTEGER,
  to_ts INTEGER,
  opened_at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  batch INTEGER,
  synced_at INTEGER
) STRICT;
CREATE INDEX loss_ledger_open ON loss_ledger (reason, device) WHERE batch IS NULL;

-- Alerts: one row per episode (raised → cleared). `version` counts changes; the sync sends a row while
-- version > synced_version, so a clear that happens while the raise is in flight is sent too.
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  alert_key TEXT NOT NULL,
  device TEXT,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('raised', 'cleared')),
  raised_at INTEGER NOT NULL,
  cleared_at INTEGER,
  value REAL,
  threshold REAL,
  message TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  synced_version INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX alerts_active ON alerts (alert_key) WHERE state = 'raised';
CREATE INDEX alerts_unsynced ON alerts (updated_at) WHERE version > synced_version;

-- Small durable state: sync bookkeeping, the applied cloud config version, alert-rule state that must
-- survive a restart (daily energy baselines).
CREATE TABLE kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
