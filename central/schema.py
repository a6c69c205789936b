"""The central store's schema as numbered migrations: `MIGRATIONS[n - 1]` brings a database from
version n - 1 to n. Released migrations never change; add new ones at the end.

`{serial}` is an auto-numbered primary key (BIGSERIAL on PostgreSQL, INTEGER on SQLite).
"""
from __future__ import annotations

V1 = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS offices (office_id TEXT PRIMARY KEY, name TEXT NOT NULL,
    hwm BIGINT NOT NULL DEFAULT 0, projected BIGINT NOT NULL DEFAULT 0,
    out_seq BIGINT NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL,
    subject TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, office_id TEXT NOT NULL,
    seq BIGINT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL, kind TEXT NOT NULL,
    payload TEXT NOT NULL, at TEXT NOT NULL, schema INTEGER NOT NULL, UNIQUE (office_id, seq));
CREATE TABLE IF NOT EXISTS updates (office_id TEXT NOT NULL, seq BIGINT NOT NULL,
    id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (office_id, seq));
CREATE TABLE IF NOT EXISTS fields (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS procedures (code TEXT NOT NULL, version INTEGER NOT NULL,
    field_code TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (code, version));
CREATE TABLE IF NOT EXISTS calendar (day TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS number_blocks (id TEXT PRIMARY KEY, holder TEXT NOT NULL,
    agency TEXT NOT NULL, seq_first BIGINT NOT NULL, seq_last BIGINT NOT NULL,
    valid_from TEXT NOT NULL, leased_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dossiers (code TEXT PRIMARY KEY, office_id TEXT NOT NULL,
    status INTEGER NOT NULL, data TEXT NOT NULL, change_seq BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS dossiers_change ON dossiers (change_seq);
CREATE TABLE IF NOT EXISTS steps (id {serial}, code TEXT NOT NULL, office_id TEXT NOT NULL,
    at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, department TEXT NOT NULL,
    content TEXT NOT NULL, status INTEGER NOT NULL, origin TEXT NOT NULL, update_id TEXT UNIQUE,
    state TEXT NOT NULL, change_seq BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS steps_code ON steps (code);
CREATE INDEX IF NOT EXISTS steps_change ON steps (change_seq);
CREATE TABLE IF NOT EXISTS problems (id {serial}, office_id TEXT NOT NULL, event_id TEXT NOT NULL,
    problem TEXT NOT NULL, at TEXT NOT NULL);
INSERT INTO counters (name, value) VALUES ('change_seq', 0) ON CONFLICT DO NOTHING;
INSERT INTO counters (name, value) VALUES ('portal_cursor', 0) ON CONFLICT DO NOTHING
"""

# Trust no office: quarantine, agency of an office, scoped department tokens, the audit of
# personal-data reads; complete dossiers (indexed for dashboards); step start and due times for
# the portal; online dossiers waiting for an office.
V2 = """
ALTER TABLE offices ADD COLUMN agency TEXT;
ALTER TABLE credentials ADD COLUMN scope TEXT;
CREATE TABLE quarantine (event_id TEXT PRIMARY KEY, office_id TEXT NOT NULL, seq BIGINT NOT NULL,
    kind TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL, released_at TEXT);
CREATE INDEX quarantine_office ON quarantine (office_id, seq);
INSERT INTO quarantine (event_id, office_id, seq, kind, reason, at)
    SELECT p.event_id, p.office_id, e.seq, e.kind, p.problem, p.at FROM problems p
    JOIN events e ON e.id = p.event_id ON CONFLICT DO NOTHING;
DROP TABLE problems;
CREATE TABLE audit (id {serial}, at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
CREATE INDEX audit_target ON audit (target);
CREATE INDEX audit_who ON audit (who, at);
ALTER TABLE dossiers ADD COLUMN procedure_code TEXT;
ALTER TABLE dossiers ADD COLUMN field_code TEXT;
ALTER TABLE dossiers ADD COLUMN channel INTEGER;
ALTER TABLE dossiers ADD COLUMN received_at TEXT;
ALTER TABLE dossiers ADD COLUMN due_at TEXT;
ALTER TABLE dossiers ADD COLUMN portal_sent INTEGER NOT NULL DEFAULT 0;
CREATE INDEX dossiers_office_status ON dossiers (office_id, status, due_at);
CREATE INDEX dossiers_status_due ON dossiers (status, due_at);
CREATE INDEX dossiers_field ON dossiers (field_code, status);
CREATE INDEX dossiers_received ON dossiers (received_at);
ALTER TABLE steps ADD COLUMN at_given TEXT;
ALTER TABLE steps ADD COLUMN started_at TEXT;
ALTER TABLE steps ADD COLUMN due_at TEXT;
CREATE TABLE online_dossiers (ref TEXT PRIMARY KEY, office_id TEXT NOT NULL, state TEXT NOT NULL,
    submitted_at TEXT NOT NULL, data TEXT NOT NULL, code TEXT, reason TEXT NOT NULL DEFAULT '',
    decided_at TEXT, imported_at TEXT NOT NULL);
CREATE INDEX online_office ON online_dossiers (office_id, state)
"""

# The provincial dashboard: leaders' accounts and sessions, when each office last pushed, the
# narrow per-dossier facts the QĐ 766 inputs are counted from (central.indicators) and the
# monthly counts per office and field they are summed into; device alerts and ratings indexed.
V3 = """
CREATE TABLE leaders (username TEXT PRIMARY KEY, name TEXT NOT NULL, password TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE leader_sessions (token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, created_at TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL);
CREATE TABLE attempts (kind TEXT NOT NULL, key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);
CREATE INDEX attempts_key ON attempts (kind, key, at);
CREATE INDEX leader_sessions_user ON leader_sessions (username);
ALTER TABLE offices ADD COLUMN last_push_at TEXT;
CREATE TABLE dossier_facts (code TEXT PRIMARY KEY, office_id TEXT NOT NULL, field_code TEXT,
    procedure_code TEXT NOT NULL, status INTEGER NOT NULL, channel INTEGER NOT NULL,
    received_at TEXT NOT NULL, due_at TEXT NOT NULL, finished_at TEXT, paused_at TEXT,
    supplements INTEGER NOT NULL, charged INTEGER NOT NULL, paid_online INTEGER NOT NULL,
    e_result INTEGER NOT NULL, digitized INTEGER NOT NULL, reused INTEGER NOT NULL,
    portal_sent INTEGER NOT NULL DEFAULT 0);
CREATE TABLE dashboard_stats (month TEXT NOT NULL, office_id TEXT NOT NULL, field_code TEXT NOT NULL,
    counts TEXT NOT NULL, PRIMARY KEY (month, office_id, field_code));
CREATE INDEX events_device_alerts ON events (at) WHERE entity = 'device';
CREATE INDEX events_ratings ON events (at) WHERE entity = 'rating'
"""

MIGRATIONS = (V1, V2, V3)
