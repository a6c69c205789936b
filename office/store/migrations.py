"""The office schema: numbered migrations m001… (sqlite-utils migration set "office").

Names and SQL never change once released: a store records the names it has applied, so an
existing office file keeps opening and only new migrations run. Add m005… at the end.
"""
from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("office")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Initial schema."""
    db.executescript("""
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE fields (code TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE procedures (
        code TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
        field_code TEXT NOT NULL REFERENCES fields(code),
        effective_from TEXT NOT NULL, effective_to TEXT, result TEXT NOT NULL DEFAULT '',
        cases TEXT NOT NULL, components TEXT NOT NULL,
        PRIMARY KEY (code, version));
    CREATE TABLE services (code TEXT PRIMARY KEY, name TEXT NOT NULL,
        prefix TEXT NOT NULL UNIQUE, field_codes TEXT NOT NULL DEFAULT '[]');
    CREATE TABLE counters (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
        services TEXT NOT NULL, paused_reason TEXT,
        normal_streak INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE staff (username TEXT PRIMARY KEY, name TEXT NOT NULL, title TEXT NOT NULL,
        department TEXT NOT NULL);
    CREATE TABLE dossier_seq (agency TEXT NOT NULL, day TEXT NOT NULL, last INTEGER NOT NULL,
        PRIMARY KEY (agency, day));
    CREATE TABLE dossiers (
        code TEXT PRIMARY KEY, secret TEXT NOT NULL,
        procedure_code TEXT NOT NULL, procedure_version INTEGER NOT NULL,
        case_code TEXT NOT NULL,
        applicant_name TEXT NOT NULL, applicant_id_type TEXT NOT NULL,
        applicant_id_number TEXT NOT NULL, applicant_phone TEXT NOT NULL,
        applicant_address TEXT NOT NULL, applicant_kind INTEGER NOT NULL,
        status INTEGER NOT NULL, channel INTEGER NOT NULL, summary TEXT NOT NULL, fee INTEGER NOT NULL,
        received_at TEXT NOT NULL, due_at TEXT NOT NULL, original_due_at TEXT NOT NULL,
        paused_at TEXT, finished_at TEXT, returned_at TEXT, synced_at TEXT,
        FOREIGN KEY (procedure_code, procedure_version) REFERENCES procedures(code, version));
    CREATE INDEX dossiers_status ON dossiers(status);
    CREATE INDEX dossiers_received ON dossiers(received_at);
    CREATE TABLE steps (id INTEGER PRIMARY KEY,
        dossier_code TEXT NOT NULL REFERENCES dossiers(code),
        at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, department TEXT NOT NULL,
        content TEXT NOT NULL, status INTEGER NOT NULL);
    CREATE INDEX steps_dossier ON steps(dossier_code);
    CREATE TABLE due_changes (id INTEGER PRIMARY KEY,
        dossier_code TEXT NOT NULL REFERENCES dossiers(code),
        at TEXT NOT NULL, old_due TEXT NOT NULL, new_due TEXT NOT NULL,
        kind TEXT NOT NULL, reason TEXT NOT NULL);
    CREATE INDEX due_changes_dossier ON due_changes(dossier_code);
    CREATE TABLE ticket_seq (service_code TEXT NOT NULL, day TEXT NOT NULL, last INTEGER NOT NULL,
        PRIMARY KEY (service_code, day));
    CREATE TABLE tickets (id INTEGER PRIMARY KEY, number TEXT NOT NULL,
        service_code TEXT NOT NULL REFERENCES services(code), day TEXT NOT NULL,
        issued_at TEXT NOT NULL, state TEXT NOT NULL, priority TEXT, priority_granted_by TEXT,
        counter_id INTEGER REFERENCES counters(id), target_counter_id INTEGER REFERENCES counters(id),
        calls INTEGER NOT NULL DEFAULT 0, called_at TEXT, served_at TEXT, finished_at TEXT,
        reason TEXT, transferred_from INTEGER REFERENCES tickets(id), staff TEXT);
    CREATE INDEX tickets_queue ON tickets(day, state, service_code);
    CREATE INDEX tickets_number ON tickets(day, number);
    CREATE TABLE ratings (id INTEGER PRIMARY KEY, target_kind TEXT NOT NULL, target TEXT NOT NULL,
        level INTEGER NOT NULL, scale INTEGER NOT NULL, reason TEXT NOT NULL,
        criteria TEXT NOT NULL DEFAULT '{}', at TEXT NOT NULL,
        counter_id INTEGER, service_code TEXT, staff TEXT,
        UNIQUE (target_kind, target));
    CREATE TABLE idempotency (key TEXT PRIMARY KEY, op TEXT NOT NULL, result TEXT NOT NULL,
        at TEXT NOT NULL);
    CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
        office_id TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
        kind TEXT NOT NULL, payload TEXT NOT NULL, at TEXT NOT NULL,
        schema INTEGER NOT NULL);
    """)


@migrations()
def m002_hub_auth(db: sqlite_utils.Database) -> None:
    """Hub credentials: enrolled devices (token hashes), staff PIN hashes, staff sessions, and
    the audit log of full personal-data views."""
    db.executescript("""
    CREATE TABLE devices (id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT);
    CREATE UNIQUE INDEX devices_active_name ON devices(name) WHERE revoked_at IS NULL;
    CREATE TABLE staff_pins (username TEXT PRIMARY KEY REFERENCES staff(username),
        pin_hash TEXT NOT NULL, set_at TEXT NOT NULL);
    CREATE TABLE staff_sessions (token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES staff(username),
        device_id INTEGER NOT NULL REFERENCES devices(id),
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL, ended_at TEXT);
    CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, username TEXT,
        device_id INTEGER REFERENCES devices(id), action TEXT NOT NULL, target TEXT NOT NULL);
    CREATE INDEX audit_log_target ON audit_log(target);
    """)


@migrations()
def m003_sync_state(db: sqlite_utils.Database) -> None:
    """Sync with the central system: checkpoints and cursors, pulled updates already applied
    (with their outcome), dossier-number blocks leased to this office, central calendar days."""
    db.executescript("""
    CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE sync_inbox (update_id TEXT PRIMARY KEY, kind TEXT NOT NULL,
        outcome TEXT NOT NULL, detail TEXT NOT NULL, applied_at TEXT NOT NULL);
    CREATE TABLE number_blocks (id TEXT PRIMARY KEY, agency TEXT NOT NULL,
        seq_first INTEGER NOT NULL, seq_last INTEGER NOT NULL, valid_from TEXT NOT NULL);
    CREATE INDEX number_blocks_agency ON number_blocks(agency, valid_from);
    CREATE TABLE central_calendar (day TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL);
    """)


@migrations()
def m004_counter_intake(db: sqlite_utils.Database) -> None:
    """The counter's reception details of a dossier (component checklist, representative, delivery,
    fee payment, what a supplement request asked for, who collected the result) and the intake
    records of dossiers not received (incomplete: Mẫu 02, refused: Mẫu 03)."""
    db.executescript("""
    ALTER TABLE dossiers ADD COLUMN components TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE dossiers ADD COLUMN representative TEXT;
    ALTER TABLE dossiers ADD COLUMN delivery TEXT NOT NULL DEFAULT 'counter';
    ALTER TABLE dossiers ADD COLUMN delivery_address TEXT NOT NULL DEFAULT '';
    ALTER TABLE dossiers ADD COLUMN fee_paid INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE dossiers ADD COLUMN supplement_missing TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE dossiers ADD COLUMN returned_to TEXT;
    CREATE INDEX dossiers_due ON dossiers(due_at);
    CREATE INDEX dossiers_applicant_id ON dossiers(applicant_id_number);
    CREATE INDEX dossiers_applicant_phone ON dossiers(applicant_phone);
    CREATE TABLE intakes (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, at TEXT NOT NULL,
        procedure_code TEXT NOT NULL, case_code TEXT NOT NULL, applicant TEXT NOT NULL,
        reason TEXT NOT NULL, missing TEXT NOT NULL, staff TEXT NOT NULL);
    """)


@migrations()
def m005_staff_leader(db: sqlite_utils.Database) -> None:
    """Staff who lead the agency (lãnh đạo): only they may recall a returned result (10 → 9) or add
    an official change of the working calendar."""
    db.executescript("ALTER TABLE staff ADD COLUMN leader INTEGER NOT NULL DEFAULT 0;")


@migrations()
def m006_dossier_legal(db: sqlite_utils.Database) -> None:
    """What TT 03/2025 and QĐ 766 need of a dossier: applicant e-mail, number of sets, fee units and
    exemption, electronic result, supplement requests (count, pending deadline, the officer's
    reason), the submission
    time of online dossiers; fee payments and refunds with their receipt numbers; the numbered
    documents issued (Mẫu 01–05, "Số: n" per form and year; existing dossiers get their Mẫu 01
    number in reception order)."""
    db.executescript("""
    ALTER TABLE dossiers ADD COLUMN applicant_email TEXT NOT NULL DEFAULT '';
    ALTER TABLE dossiers ADD COLUMN sets INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE dossiers ADD COLUMN fee_units INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE dossiers ADD COLUMN fee_exemption TEXT NOT NULL DEFAULT '';
    ALTER TABLE dossiers ADD COLUMN e_result INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE dossiers ADD COLUMN supplement_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE dossiers ADD COLUMN supplement_due TEXT;
    ALTER TABLE dossiers ADD COLUMN supplement_note TEXT NOT NULL DEFAULT '';
    ALTER TABLE dossiers ADD COLUMN submitted_at TEXT;
    CREATE INDEX dossiers_supplement_due ON dossiers(supplement_due) WHERE supplement_due IS NOT NULL;
    CREATE INDEX dossiers_finished ON dossiers(finished_at);
    CREATE TABLE payments (id INTEGER PRIMARY KEY, dossier_code TEXT NOT NULL REFERENCES dossiers(code),
        at TEXT NOT NULL, amount INTEGER NOT NULL, method TEXT NOT NULL, receipt_number TEXT NOT NULL,
        refund INTEGER NOT NULL DEFAULT 0, staff TEXT NOT NULL);
    CREATE INDEX payments_dossier ON payments(dossier_code);
    CREATE TABLE form_seq (form TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL,
        PRIMARY KEY (form, year));
    CREATE TABLE issued_forms (id INTEGER PRIMARY KEY, form TEXT NOT NULL, year INTEGER NOT NULL,
        number INTEGER NOT NULL, ref TEXT NOT NULL, at TEXT NOT NULL, UNIQUE (form, year, number));
    CREATE INDEX issued_forms_ref ON issued_forms(ref);
    INSERT INTO issued_forms (form, year, number, ref, at)
        SELECT '01', CAST(substr(received_at, 1, 4) AS INTEGER),
               ROW_NUMBER() OVER (PARTITION BY substr(received_at, 1, 4) ORDER BY received_at, code),
               code, received_at FROM dossiers d
        WHERE EXISTS (SELECT 1 FROM steps s WHERE s.dossier_code = d.code AND s.status = 2);
    INSERT INTO form_seq (form, year, last) SELECT form, year, MAX(number) FROM issued_forms GROUP BY form, year;
    """)


@migrations()
def m007_ticket_rating_token(db: sqlite_utils.Database) -> None:
    """Each ticket's one-shot rating token (printed in its QR): only the person served can rate."""
    db.executescript("ALTER TABLE tickets ADD COLUMN rating_token TEXT;")


@migrations()
def m008_office_calendar(db: sqlite_utils.Database) -> None:
    """Official calendar changes the office adds itself (a swap the national calendar lacks yet),
    and an index to find a dossier's change-log events (QĐ 766 index 1.4: synced dossiers)."""
    db.executescript("""
    CREATE TABLE office_calendar (day TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL,
        added_by TEXT NOT NULL, added_at TEXT NOT NULL);
    CREATE INDEX events_entity ON events(entity, entity_id);
    """)


@migrations()
def m010_attempts(db: sqlite_utils.Database) -> None:
    """Attempts counted against the office's limits (failed lookups and PINs, device alerts), so
    lockouts survive a restart and count across processes."""
    db.executescript("""
    CREATE TABLE attempts (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL,
        at REAL NOT NULL);
    CREATE INDEX attempts_key ON attempts(kind, key, at);
    CREATE INDEX attempts_at ON attempts(kind, at);
    """)


@migrations()
def m011_session_counter(db: sqlite_utils.Database) -> None:
    """The counter a staff session works at (a session acts for that counter only)."""
    db.executescript("""
    ALTER TABLE staff_sessions ADD COLUMN counter_id INTEGER REFERENCES counters(id);
    """)


@migrations()
def m012_secret_hashes(db: sqlite_utils.Database) -> None:
    """Lookup secrets kept only as keyed hashes (`secret_hash`, the store's lookup key)."""
    db.execute("UPDATE dossiers SET secret = secret_hash(code, secret) WHERE secret NOT LIKE 'hmac$%'")


@migrations()
def m013_search(db: sqlite_utils.Database) -> None:
    """Dossier search through indexes: applicants' folded names in FTS5 (filled by a trigger, in
    reception order), and lists by status newest first."""
    db.executescript("""
    CREATE VIRTUAL TABLE dossier_names USING fts5(name, code UNINDEXED, prefix = '2 3',
        tokenize = 'unicode61 remove_diacritics 2');
    CREATE TRIGGER dossier_names_insert AFTER INSERT ON dossiers BEGIN
        INSERT INTO dossier_names (name, code) VALUES (fold(new.applicant_name), new.code);
    END;
    INSERT INTO dossier_names (name, code)
        SELECT fold(applicant_name), code FROM dossiers ORDER BY received_at, code;
    CREATE INDEX dossiers_status_received ON dossiers(status, received_at);
    DROP INDEX dossiers_status;
    """)


@migrations()
def m015_office_admin(db: sqlite_utils.Database) -> None:
    """Running a real office without SQL: the configuration saved by `office init` (and its
    revision, so every process sees a change), the kiosk admin PIN hash, staff members who
    administer the office or have left, services and counters opened or closed."""
    db.executescript("""
    CREATE TABLE office_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, set_at TEXT NOT NULL);
    CREATE TABLE office_secrets (name TEXT PRIMARY KEY, hash TEXT NOT NULL, set_at TEXT NOT NULL);
    ALTER TABLE staff ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE staff ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE services ADD COLUMN open INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE counters ADD COLUMN open INTEGER NOT NULL DEFAULT 1;
    """)


@migrations()
def m021_online_dossiers(db: sqlite_utils.Database) -> None:
    """Dossiers submitted online, pulled from the central system, waiting at the counter to be
    accepted (1 → 2, with the code of the dossier created) or refused (1 → 3, with the reason)."""
    db.executescript("""
    CREATE TABLE online_dossiers (ref TEXT PRIMARY KEY, submitted_at TEXT NOT NULL, data TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'waiting', code TEXT REFERENCES dossiers(code), reason TEXT NOT NULL DEFAULT '',
        decided_at TEXT, decided_by TEXT, pulled_at TEXT NOT NULL);
    CREATE INDEX online_dossiers_state ON online_dossiers(state, submitted_at);
    """)


@migrations()
def m022_steps_actor(db: sqlite_utils.Database) -> None:
    """Steps by the staff member who took them: "my dossiers" without reading every step."""
    db.executescript("CREATE INDEX steps_actor ON steps(actor, dossier_code);")


@migrations()
def m023_web_dashboard(db: sqlite_utils.Database) -> None:
    """The office dashboard: staff sessions in a browser (`device_id` NULL: a web client is no
    enrolled device), open dossiers by status and due date (its late list), ratings by time (the
    day's and the month's)."""
    db.executescript("""
    CREATE TABLE staff_sessions_new (token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES staff(username),
        device_id INTEGER REFERENCES devices(id),
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL, ended_at TEXT,
        counter_id INTEGER REFERENCES counters(id));
    INSERT INTO staff_sessions_new (token_hash, username, device_id, created_at, expires_at, ended_at, counter_id)
        SELECT token_hash, username, device_id, created_at, expires_at, ended_at, counter_id FROM staff_sessions;
    DROP TABLE staff_sessions;
    ALTER TABLE staff_sessions_new RENAME TO staff_sessions;
    CREATE INDEX dossiers_status_due ON dossiers(status, due_at);
    CREATE INDEX ratings_at ON ratings(at);
    """)
