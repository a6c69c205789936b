"""The central system at provincial scale, on PostgreSQL: a generated province (offices, dossiers
with their steps and the events they came from) built once into a kept cluster under the bench
cache, then, in one run:

- many offices pushing at once for a bounded time over loopback (`main.py central serve` in its
  own process; each office pushes batches of 500 events — new dossiers, status changes, queue
  tickets — and honours 429/503 Retry-After), next to a bare COPY of the same rows into a copy of
  the events table of the same database;
- projection of what was pushed (events → dossiers and steps);
- a back-office department reading dossiers (GET, audited) and posting steps (POST) at that size;
- the national-portal export of dossiers and steps to a fake portal that validates every
  request with the JSON schema (testkit/dvcqg.py), on the same machine.

What a run adds to the dataset is removed at the end (pushed events and their projection), so
the kept dataset stays the same from run to run; a few dossiers move 2 → 4 by the POST step.
"""
from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks import percentiles, print_table
from central.access import Scope
from central.portal import export
from central.schema import MIGRATIONS
from central.store import EVENT_COPY, CentralStore
from office.catalogue import read_catalogue
from sync.protocol import encode_batch, procedure_to_wire
from sync.transport import SyncError, Transport
from testkit.dvcqg import FakePortal
from testkit.pgtest import PostgresUnavailable, TempPostgres

ROOT = Path(__file__).resolve().parent.parent
BATCH = 500  # events a push (the sync client's default batch)
SAMPLE = 200_000  # pushed rows kept for the bare COPY
ROUND_PAUSE = 5.0  # seconds before an office tries a round again that its transport gave up on
PG_SETTINGS = {"shared_buffers": "1GB", "max_wal_size": "8GB", "checkpoint_timeout": "15min",
               "synchronous_commit": "on"}
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Hữu", "Ngọc", "Đức", "Thu", "Minh", "Thanh"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc",
         "Quang", "Tâm", "Thảo", "Trang", "Tuấn", "Vinh", "Yến"]
STEP_PLANS = {2: [2], 4: [2, 4], 5: [2, 4, 5], 9: [2, 4, 9], 10: [2, 4, 9, 10], 3: [1, 3], 7: [2, 4, 7]}


def office_id(i: int) -> str:
    return f"office-{i:04d}"


COMMUNES = ["Tân Phú", "An Bình", "Phước Long Thọ", "Hòa Khánh Nam", "Đông Hưng Thuận", "Vĩnh Thạnh Trung",
            "Bình Chánh", "Long Hưng", "Thạnh Mỹ Lợi", "Mỹ Xuân"]


def office_name(i: int) -> str:
    """A realistic, long Vietnamese office name, unique by its number."""
    return f"Trung tâm Phục vụ hành chính công xã {COMMUNES[i % len(COMMUNES)]} {i // len(COMMUNES) + 1}"


def agency(i: int) -> str:
    return f"000.{i // 100:02d}.{i % 100:02d}.H56"


# ---- the dataset -------------------------------------------------------------------------------

GENERATE = r"""
CREATE TEMP TABLE gen ON COMMIT DROP AS
SELECT k, d.day, d.seq, h, p.code AS procedure_code, p.version, p.field_code, p.case_code, p.days,
       %(agency)s::text || '-' || to_char(d.day, 'YYMMDD') || '-' || lpad(d.seq::text, 4, '0') AS code,
       (d.day + time '08:00' + d.seq * interval '7 minutes') AS received,
       (%(family)s::text[])[1 + h %% cardinality(%(family)s::text[])] || ' '
         || (%(middle)s::text[])[1 + (h / 7) %% cardinality(%(middle)s::text[])] || ' '
         || (%(given)s::text[])[1 + (h / 61) %% cardinality(%(given)s::text[])] AS name,
       CASE WHEN d.day < %(open_from)s THEN (CASE WHEN h %% 50 = 0 THEN 3 WHEN h %% 50 = 1 THEN 7 ELSE 10 END)
            ELSE (ARRAY[2, 4, 4, 5, 9])[1 + h %% 5] END AS status
FROM generate_series(1, %(n)s) k
CROSS JOIN LATERAL (SELECT %(first_day)s::date + ((k - 1) / %(per_day)s) AS day,
                           ((k - 1) %% %(per_day)s) + 1 AS seq) d
CROSS JOIN LATERAL (SELECT abs(hashtext(%(office)s::text || ':' || k)) AS h) hh
CROSS JOIN LATERAL (SELECT * FROM bench_procedures bp WHERE bp.n = 1 + hh.h %% %(procedures)s) p;

CREATE TEMP TABLE gen_steps ON COMMIT DROP AS
SELECT g.code, i, s.status, g.received + (i - 1) * interval '1 day' AS at,
       CASE WHEN s.status IN (1, 2) THEN 'Trần Thị Hoa' ELSE 'Lê Quốc Dũng' END AS actor,
       CASE WHEN s.status IN (1, 2) THEN 'Công chức tiếp nhận' ELSE 'Chuyên viên' END AS role,
       CASE WHEN s.status IN (1, 2) THEN 'Bộ phận Một cửa' ELSE 'Phòng Tư pháp' END AS department,
       CASE s.status WHEN 1 THEN 'Nộp hồ sơ' WHEN 2 THEN 'Tiếp nhận hồ sơ' WHEN 3 THEN 'Từ chối tiếp nhận'
            WHEN 4 THEN 'Chuyển xử lý' WHEN 5 THEN 'Yêu cầu bổ sung giấy tờ' WHEN 7 THEN 'Công dân rút hồ sơ'
            WHEN 9 THEN 'Có kết quả' ELSE 'Trả kết quả' END AS content
FROM gen g CROSS JOIN LATERAL unnest((%(plans)s::int[])[g.status:g.status]) WITH ORDINALITY AS s(status, i)
WHERE s.status IS NOT NULL;

CREATE TEMP TABLE gen_agg ON COMMIT DROP AS
SELECT code, json_agg(json_build_object('at', to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS'), 'actor', actor, 'role', role,
                      'department', department, 'content', content, 'status', status) ORDER BY i) AS steps,
       to_char(max(at) FILTER (WHERE status IN (3, 7, 9)), 'YYYY-MM-DD"T"HH24:MI:SS') AS finished,
       to_char(max(at), 'YYYY-MM-DD"T"HH24:MI:SS') AS last
FROM gen_steps GROUP BY code;

INSERT INTO events (id, office_id, seq, entity, entity_id, kind, payload, at, schema)
SELECT format('%%s-%%s-4000-8000-%%s', %(hex)s::text, lpad(to_hex(k / 65536), 4, '0'), lpad(to_hex(k), 12, '0')),
       %(office)s::text, k, 'dossier', g.code, 'imported',
       json_build_object('code', g.code, 'procedure_code', g.procedure_code, 'procedure_version', g.version,
         'case_code', g.case_code, 'applicant_name', g.name, 'applicant_id_type', 'CCCD',
         'applicant_id_number', '0' || lpad((g.h %% 100000000000)::text, 11, '0'),
         'applicant_phone', '09' || lpad((g.h %% 100000000)::text, 8, '0'),
         'applicant_address', 'Thôn ' || (ARRAY['Đông', 'Tây', 'Nam', 'Bắc'])[1 + g.h %% 4] || ', xã Tân Phú',
         'applicant_kind', 1, 'status', g.status, 'channel', 1 + (g.h %% 7 = 0)::int,
         'summary', 'Hồ sơ ' || g.procedure_code, 'fee', 0,
         'received_at', to_char(g.received, 'YYYY-MM-DD"T"HH24:MI:SS'),
         'due_at', to_char(g.received + g.days * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS'),
         'secret_hash', md5(g.code) || md5(g.name),
         'steps', a.steps)::text,
       to_char(g.received, 'YYYY-MM-DD"T"HH24:MI:SS'), 1
FROM gen g JOIN gen_agg a ON a.code = g.code;

INSERT INTO dossiers (code, office_id, status, data, change_seq, procedure_code, field_code, channel, received_at,
                      due_at, portal_sent)
SELECT g.code, %(office)s::text, g.status,
       json_build_object('code', g.code, 'office_id', %(office)s::text, 'procedure_code', g.procedure_code,
         'procedure_version', g.version, 'case_code', g.case_code, 'field_code', g.field_code, 'status', g.status,
         'channel', 1 + (g.h %% 7 = 0)::int, 'summary', 'Hồ sơ ' || g.procedure_code,
         'applicant', json_build_object('name', g.name, 'id_type', 'CCCD',
            'id_number', '0' || lpad((g.h %% 100000000000)::text, 11, '0'),
            'phone', '09' || lpad((g.h %% 100000000)::text, 8, '0'),
            'address', 'Thôn ' || (ARRAY['Đông', 'Tây', 'Nam', 'Bắc'])[1 + g.h %% 4] || ', xã Tân Phú',
            'kind', 1, 'email', ''),
         'representative', NULL, 'received_at', to_char(g.received, 'YYYY-MM-DD"T"HH24:MI:SS'),
         'due_at', to_char(g.received + g.days * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS'),
         'original_due_at', NULL, 'paused_at', NULL,
         'finished_at', a.finished, 'returned_at', CASE WHEN g.status = 10 THEN a.last END,
         'submitted_at', NULL,
         'refused_at', CASE WHEN g.status = 3 THEN to_char(g.received, 'YYYY-MM-DD"T"HH24:MI:SS') END,
         'refusal_reason', '', 'delivery', 'counter', 'delivery_address', '', 'fee', 0, 'fee_paid', NULL,
         'fee_exemption', '', 'payments', json_build_array(), 'components', json_build_array(),
         'supplement_missing', json_build_array(), 'supplement_count', (g.status = 5)::int, 'supplement_due', NULL,
         'supplements', CASE WHEN g.status = 5 THEN json_build_array(json_build_object(
            'requested_at', to_char(g.received + interval '2 day', 'YYYY-MM-DD"T"HH24:MI:SS'),
            'content', 'Yêu cầu bổ sung giấy tờ', 'missing', json_build_array(), 'due', NULL, 'received_at', NULL))
            ELSE json_build_array() END,
         'e_result', NULL, 'vneid_verified', false, 'online_ref', NULL, 'secret_hash', md5(g.code) || md5(g.name),
         'handling_department', CASE WHEN g.status IN (4, 5, 9, 10) THEN 'Phòng Tư pháp' ELSE '' END,
         'paid_online', false)::text,
       %(change_base)s + k, g.procedure_code, g.field_code, 1 + (g.h %% 7 = 0)::int,
       to_char(g.received, 'YYYY-MM-DD"T"HH24:MI:SS'),
       to_char(g.received + g.days * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS'), 1
FROM gen g JOIN gen_agg a ON a.code = g.code;

INSERT INTO dossier_facts (code, office_id, field_code, procedure_code, status, channel, received_at, due_at,
                           finished_at, paused_at, supplements, charged, paid_online, e_result, digitized, reused,
                           portal_sent)
SELECT g.code, %(office)s::text, g.field_code, g.procedure_code, g.status, 1 + (g.h %% 7 = 0)::int,
       to_char(g.received, 'YYYY-MM-DD"T"HH24:MI:SS'),
       to_char(g.received + g.days * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS'), a.finished, NULL,
       (g.status = 5)::int, 0, 0, 0, 0, 0, 1
FROM gen g JOIN gen_agg a ON a.code = g.code;

INSERT INTO steps (code, office_id, at, actor, role, department, content, status, origin, state, change_seq,
                   started_at, due_at)
SELECT s.code, %(office)s::text, to_char(s.at, 'YYYY-MM-DD"T"HH24:MI:SS'), s.actor, s.role, s.department, s.content,
       s.status, 'office', 'applied', %(change_base)s + g.k,
       to_char(coalesce(lag(s.at) OVER (PARTITION BY s.code ORDER BY s.i), g.received), 'YYYY-MM-DD"T"HH24:MI:SS'),
       to_char(g.received + g.days * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS')
FROM gen_steps s JOIN gen g ON g.code = s.code ORDER BY s.code, s.i
"""
SECONDARY = [stmt.strip().replace("IF NOT EXISTS ", "") for stmt in ";".join(MIGRATIONS).split(";")
             if re.match(r"\s*CREATE INDEX", stmt) and re.search(r" ON (dossiers|steps) ", stmt)]


def dataset(cache: Path, offices: int, dossiers: int, events: bool = True) -> tuple[TempPostgres, str]:
    """The kept PostgreSQL cluster holding the province (built on first use); (cluster, URL).
    Without `events`, only the projection is generated (dossiers, their facts and steps; what the
    dashboard and the back office read), not the events it came from: a third less disk."""
    name = f"central-pg-{offices}x{dossiers}" + ("" if events else "-projection")
    projection = cache / f"central-pg-{offices}x{dossiers}-projection"
    if events and not (cache / name).exists() and projection.exists():
        projection.rename(cache / name)  # a projection-only dataset, completed with its events below
    pg = TempPostgres(keep=cache / name, settings=PG_SETTINGS).start()
    url = pg.url.rsplit("/", 1)[0] + "/central"
    import psycopg

    with psycopg.connect(pg.url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'central'").fetchone():
            conn.execute("CREATE DATABASE central")
    store = CentralStore(url)
    done = store._read("SELECT value FROM central_meta WHERE key = 'bench_dataset'")
    if not done:
        _build(store, offices, dossiers, events)
    elif events and not store._read("SELECT 1 FROM events LIMIT 1"):
        _add_events(store, offices, dossiers)
    store.close()
    return pg, url


def _build(store: CentralStore, offices: int, dossiers: int, events: bool = True) -> None:
    """Generate the province inside PostgreSQL (one office at a time, secondary indexes built at
    the end): catalogue, offices with their agency and number block, and per office its dossiers
    as `imported` events, projected dossiers and steps, as the projection would have made them."""
    started = time.perf_counter()
    catalogue = read_catalogue()
    store.save_catalogue([{"code": f.code, "name": f.name} for f in catalogue["fields"]],
                         [procedure_to_wire(p) for p in catalogue["procedures"]])
    procedures = [(p.code, p.version, p.field_code, p.cases[0].code, max(1, round(p.cases[0].duration)))
                  for p in catalogue["procedures"] if p.effective_to is None]
    per_office = max(1, dossiers // offices)
    with store.tx() as x:
        x.run("TRUNCATE events, dossiers, dossier_facts, dashboard_stats, steps, offices, number_blocks, updates,"
              " quarantine, audit")
        for stmt in SECONDARY:
            x.run(f"DROP INDEX IF EXISTS {stmt.split()[2]}")
        x.run("CREATE TABLE IF NOT EXISTS bench_procedures (n INT, code TEXT, version INT, field_code TEXT,"
              " case_code TEXT, days INT)")
        x.run("TRUNCATE bench_procedures")
        for n, p in enumerate(procedures, start=1):
            x.run("INSERT INTO bench_procedures VALUES (?, ?, ?, ?, ?, ?)", [n, *p])
    for i in range(1, offices + 1):
        with store.tx() as x:
            pushed = datetime.now(UTC) - timedelta(hours=(i * 7919) % 60)  # some offices last synced days ago
            x.run("INSERT INTO offices (office_id, name, hwm, projected, created_at, agency, last_push_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)", [office_id(i), office_name(i), per_office, per_office,
                                                    datetime.now(UTC).isoformat(), agency(i),
                                                    pushed.isoformat(timespec="seconds")])
            x.run("INSERT INTO number_blocks (id, holder, agency, seq_first, seq_last, valid_from, leased_at)"
                  " VALUES (?, ?, ?, 1, 999999, '2020-01-01', ?)",
                  [str(uuid.uuid4()), office_id(i), agency(i), datetime.now(UTC).isoformat()])
            for statement in GENERATE.split(";\n\n"):
                if events or not statement.startswith("INSERT INTO events"):
                    x.cursor.execute(statement, _params(i, per_office, len(procedures)))
        if i % max(1, offices // 20) == 0:
            rate = i * per_office / (time.perf_counter() - started)
            print(f"  central dataset: {i}/{offices} offices ({rate:,.0f} dossiers/s)", end="\r", file=sys.stderr)
    with store.tx() as x:
        for stmt in SECONDARY:
            x.run(stmt.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))
        last = offices * per_office
        x.run("UPDATE counters SET value = ? WHERE name IN ('change_seq', 'portal_cursor')", [last])
        x.run("INSERT INTO central_meta (key, value) VALUES ('bench_dataset', ?)", [f"{offices}x{dossiers}"])
    with store._conn().cursor() as c:
        c.execute("VACUUM ANALYZE")
    print(f"  central dataset: {offices} offices, {offices * per_office:,} dossiers built in "
          f"{time.perf_counter() - started:,.0f} s", file=sys.stderr)


def _params(i: int, per_office: int, procedures: int) -> dict:
    """GENERATE's parameters for office `i` (the same on every run: the dossiers come from hashes)."""
    per_day = max(1, -(-per_office // 600))  # about 600 days of dossiers per office
    return {"agency": agency(i), "office": office_id(i), "n": per_office, "per_day": per_day,
            "first_day": date(2026, 11, 1) - timedelta(days=per_office // per_day),
            "open_from": date(2026, 10, 1), "procedures": procedures, "change_base": (i - 1) * per_office,
            "hex": f"{i:08x}", "family": FAMILY, "middle": MIDDLE, "given": GIVEN,
            "plans": [STEP_PLANS.get(s, [2]) + [None] * (4 - len(STEP_PLANS.get(s, [2]))) for s in range(1, 11)]}


def _add_events(store: CentralStore, offices: int, dossiers: int) -> None:
    """Complete a projection-only province with the `imported` events its dossiers came from (the
    same dossiers, generated again from the same hashes; the projection is left as it is)."""
    started, per_office = time.perf_counter(), max(1, dossiers // offices)
    procedures = store._read("SELECT count(*) FROM bench_procedures")[0][0]
    for i in range(1, offices + 1):
        with store.tx() as x:
            for statement in GENERATE.split(";\n\n"):
                if statement.lstrip().startswith(("CREATE TEMP", "INSERT INTO events")):
                    x.cursor.execute(statement, _params(i, per_office, procedures))
        if i % max(1, offices // 20) == 0:
            rate = i * per_office / (time.perf_counter() - started)
            print(f"  central dataset: events of {i}/{offices} offices ({rate:,.0f}/s)", end="\r", file=sys.stderr)
    with store._conn().cursor() as c:
        c.execute("VACUUM ANALYZE events")
    print(f"  central dataset: {offices * per_office:,} events added in {time.perf_counter() - started:,.0f} s",
          file=sys.stderr)


# ---- offices pushing -----------------------------------------------------------------------------

@dataclass
class PushStats:
    """What the pushing offices did."""

    events: int = 0
    batches: int = 0
    retries: int = 0
    deferred: int = 0  # rounds the transport gave up on (overload, no answer): the next round sends them
    errors: list = field(default_factory=list)
    quarantined: int = 0
    latencies: list = field(default_factory=list)
    sample: list = field(default_factory=list)  # pushed rows kept for the bare COPY
    lock: threading.Lock = field(default_factory=threading.Lock)


class Pusher:
    """One office pushing a realistic mix of new events (dossiers received, status changes, queue
    tickets) batch after batch, as its sync client would."""

    def __init__(self, i: int, url: str, token: str, stats: PushStats):
        self.i, self.office, self.agency = i, office_id(i), agency(i)
        self.transport = Transport(url, token, connect_timeout=5, read_timeout=60, attempts=12, backoff=0.2,
                                   max_backoff=5)
        self.stats = stats
        self.rng = random.Random(i)
        self.received: list[str] = []
        self.day = (datetime.now(UTC) + timedelta(hours=7)).date()

    def _events(self, after: int, n: int) -> list[tuple]:
        now = (datetime.now(UTC) + timedelta(hours=7)).replace(tzinfo=None, microsecond=0)
        at = now.isoformat()
        events = []
        for seq in range(after + 1, after + n + 1):
            pick = self.rng.random()
            if pick < 0.3 or not self.received:
                code = f"{self.agency}-{self.day:%y%m%d}-{len(self.received) + 1:04d}"
                self.received.append(code)
                payload = (f'{{"code":"{code}","secret_hash":"{uuid.uuid4().hex}","procedure_code":"1.001193",'
                           f'"procedure_version":1,"case_code":"KS-DUNGHAN","applicant":{{"name":"Nguyễn Văn An",'
                           f'"id_type":"CCCD","id_number":"001203004567","phone":"0912345678","address":"Thôn Đông",'
                           f'"kind":1}},"status":2,"received_at":"{at}","due_at":"{at}","original_due_at":"{at}",'
                           f'"channel":1,"summary":"Đăng ký khai sinh","fee":0,"paused_at":null,"finished_at":null,'
                           f'"returned_at":null,"components":[{{"name":"Tờ khai","originals":1,"copies":0,"note":""}}],'
                           f'"delivery":"counter","delivery_address":"","fee_paid":false,"steps":[{{"at":"{at}",'
                           f'"actor":"Trần Thị Hoa","role":"Công chức","department":"Bộ phận Một cửa",'
                           f'"content":"Tiếp nhận hồ sơ","status":2}}]}}')
                events.append((seq, str(uuid.uuid4()), self.office, "dossier", code, "received", payload, at, 1))
            elif pick < 0.5:
                code = self.rng.choice(self.received)
                payload = (f'{{"code":"{code}","step":{{"at":"{at}","actor":"Lê Quốc Dũng","role":"Chuyên viên",'
                           f'"department":"Phòng Tư pháp","content":"Thụ lý hồ sơ","status":4}}}}')
                events.append((seq, str(uuid.uuid4()), self.office, "dossier", code, "status", payload, at, 1))
            else:
                payload = (f'{{"id":{seq},"number":"A{seq % 1000:03d}","service_code":"hotich","day":"{now.date()}",'
                           f'"issued_at":"{at}","state":"waiting","calls":0}}')
                events.append((seq, str(uuid.uuid4()), self.office, "ticket", str(seq), "issued", payload, at, 1))
        return events

    def run(self, deadline: float) -> None:
        """Push until the deadline (the batch in flight completes)."""
        s = self.stats
        hwm = None
        try:
            while time.monotonic() < deadline:
                try:
                    if hwm is None:  # a round starts by asking the central where the office stands
                        hwm = self.transport.request_json("GET", "/v1/office")["hwm"]
                    events = self._events(hwm, BATCH)
                    body = encode_batch(self.office, hwm, events, datetime.now(UTC), level=1)
                    started = time.perf_counter()
                    answer = self.transport.request_json("POST", "/v1/push", data=body, headers={
                        "Content-Type": "application/json", "Content-Encoding": "gzip"})
                except SyncError as e:
                    if e.code == "out_of_order":  # the batch of a deferred round did arrive
                        hwm = e.details["hwm"]
                    elif e.transient:  # as the office's sync client: try again at the next round
                        with s.lock:
                            s.deferred += 1
                        time.sleep(ROUND_PAUSE)
                    else:
                        raise
                    continue
                with s.lock:
                    s.latencies.append(time.perf_counter() - started)
                    s.events += answer["applied"]
                    s.batches += 1
                    s.quarantined += len(answer["quarantined"])
                    if len(s.sample) < SAMPLE:
                        s.sample += events
                hwm = answer["hwm"]
        except Exception as e:  # any failure left after retries is an error of the run
            with s.lock:
                s.errors.append(f"{self.office}: {type(e).__name__}: {e}")
        finally:
            with s.lock:
                s.retries += self.transport.retries
            self.transport.close()


def serve(url: str) -> tuple[subprocess.Popen, str]:
    """`main.py central serve` on a free loopback port."""
    p = subprocess.Popen([sys.executable, "main.py", "central", "serve", "--db", url, "--port", "0"], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = p.stdout.readline()
    if "serving" not in line:
        raise RuntimeError(f"central did not start: {line}{p.stdout.read()}")
    threading.Thread(target=p.stdout.read, daemon=True).start()  # drain its log
    return p, line.split(" on ")[-1].strip()


def push_phase(store: CentralStore, base: str, pushers: int, seconds: float) -> tuple[PushStats, float]:
    """`pushers` offices pushing at once for `seconds`; (stats, elapsed)."""
    stats = PushStats()
    tokens = [store.enroll_office(office_id(i)) for i in range(1, pushers + 1)]
    workers = [Pusher(i, base, t, stats) for i, t in enumerate(tokens, start=1)]
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    threads = [threading.Thread(target=w.run, args=(deadline,), daemon=True) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 300)
    return stats, time.perf_counter() - started


def bare_copy(store: CentralStore, rows: list[tuple]) -> float:
    """Seconds to COPY the rows into an empty copy of the events table (same database, same indexes)."""
    with store.tx() as x:
        x.run("DROP TABLE IF EXISTS events_bare")
        x.run("CREATE TABLE events_bare (LIKE events INCLUDING ALL)")
    started = time.perf_counter()
    with store.tx() as x, x.cursor.copy(EVENT_COPY.replace("events", "events_bare")) as copy:
        for row in rows:
            copy.write_row(row)
    elapsed = time.perf_counter() - started
    with store.tx() as x:
        x.run("DROP TABLE events_bare")
    return elapsed


def clean_up(store: CentralStore, offices: list[str], per_office: int, changes: int) -> None:
    """Remove what the run pushed and projected, so the kept dataset stays as built."""
    with store.tx() as x:
        x.run("DELETE FROM events WHERE office_id = ANY(?) AND seq > ?", [offices, per_office])
        x.run("DELETE FROM quarantine WHERE office_id = ANY(?) AND seq > ?", [offices, per_office])
        x.run("DELETE FROM steps WHERE office_id = ANY(?) AND change_seq > ?", [offices, changes])
        x.run("DELETE FROM dossiers WHERE office_id = ANY(?) AND change_seq > ?", [offices, changes])
        x.run("DELETE FROM credentials WHERE subject = ANY(?) OR kind = 'department' AND subject = 'Bench'",
              [offices])
        x.run("DELETE FROM audit WHERE who = 'Bench'")
        x.run("UPDATE offices SET hwm = ?, projected = ? WHERE office_id = ANY(?)", [per_office, per_office, offices])
        x.run("UPDATE counters SET value = ? WHERE name = 'portal_cursor'", [changes])


# ---- departments and the portal ------------------------------------------------------------------

def department_phase(store: CentralStore, base: str, offices: int, pushers: int,
                     reads: int, steps: int) -> tuple[list[float], list[float]]:
    """GET dossier and POST step latencies of a province-wide department on offices that did not
    push (their projection is current): (GET seconds, POST seconds)."""
    import requests

    token = store.enroll_department("Bench", Scope(everything=True))
    quiet = [office_id(i) for i in range(pushers + 1, offices + 1)] or [office_id(offices)]
    rng = random.Random(7)
    codes = [c for (c,) in store._read("SELECT code FROM dossiers WHERE office_id = ANY(?) AND status = 2"
                                       " ORDER BY random() LIMIT ?", [quiet, reads + steps])]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    gets, posts = [], []
    for code in rng.sample(codes, min(reads, len(codes))):
        started = time.perf_counter()
        r = session.get(f"{base}/v1/dossiers/{code}", timeout=30)
        gets.append(time.perf_counter() - started)
        if r.status_code != 200:
            raise RuntimeError(f"GET {code}: {r.status_code} {r.text[:200]}")
    for code in codes[:steps]:
        started = time.perf_counter()
        r = session.post(f"{base}/v1/dossiers/{code}/steps", timeout=30, json={
            "status": 4, "actor": "Lê Quốc Dũng", "role": "Chuyên viên", "content": "Thụ lý hồ sơ"})
        posts.append(time.perf_counter() - started)
        if r.status_code != 200:
            raise RuntimeError(f"POST step {code}: {r.status_code} {r.text[:200]}")
    session.close()
    return gets, posts


def export_phase(store: CentralStore, dossiers: int, changes: int) -> tuple[int, int, int, float]:
    """Export the last `dossiers` dossiers of the dataset (and their steps) to the fake portal:
    (dossier records, progress records, requests, seconds)."""
    portal = FakePortal().start()
    store.set_portal_cursor(max(0, changes - dossiers))
    transport = Transport(portal.url)
    try:
        started = time.perf_counter()
        report = export(store, transport, until=changes)
        elapsed = time.perf_counter() - started
    finally:
        transport.close()
        portal.stop()
    if portal.rejected:
        raise RuntimeError(f"the portal refused {len(portal.rejected)} requests: {portal.rejected[0][1][:3]}")
    return report.dossiers, report.progress, report.requests, elapsed


def main(args) -> int:
    """Run the central scale bench on PostgreSQL and print its tables."""
    args.cache.mkdir(parents=True, exist_ok=True)
    offices, pushers = args.central_offices, min(args.central_pushers, args.central_offices)
    try:
        pg, url = dataset(args.cache, offices, args.central_dossiers)
    except PostgresUnavailable as e:
        print(f"central bench skipped: {e}", file=sys.stderr)
        return 0
    store = CentralStore(url)
    per_office = max(1, args.central_dossiers // offices)
    changes = offices * per_office
    counts = dict(store._read("SELECT 'steps', count(*) FROM steps UNION ALL SELECT 'events', count(*) FROM events"))
    server, base = serve(url)
    pushing = [office_id(i) for i in range(1, pushers + 1)]
    try:
        stats, elapsed = push_phase(store, base, pushers, args.central_seconds)
        stored = store._read("SELECT count(*) FROM events WHERE office_id = ANY(?) AND seq > ?",
                             [pushing, per_office])[0][0]
        copy_seconds = bare_copy(store, stats.sample) if stats.sample else 0.0
        projected_started, projected = time.perf_counter(), 0
        for office in pushing[:5]:
            projected += store.project(office)
        projection_seconds = time.perf_counter() - projected_started
        gets, posts = department_phase(store, base, offices, pushers, args.central_reads, args.central_steps)
        exported = export_phase(store, args.central_export, changes)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        clean_up(store, pushing, per_office, changes)
        store.close()
        pg.stop()
    push_p = percentiles(stats.latencies) if stats.latencies else {"p50": 0, "p95": 0}
    rate, bare = stats.events / elapsed, (len(stats.sample) / copy_seconds if copy_seconds else 0)
    title = (f"Central at scale: PostgreSQL, {offices:,} offices, {changes:,} dossiers, {counts['steps']:,} steps, "
             f"{counts['events']:,} events; central in its own process on loopback")
    print_table(f"{title}\n{pushers} offices pushing at once for {elapsed:.0f} s (batches of {BATCH}, gzip ISA-L "
                f"level 1, Retry-After honoured); bare = one COPY of {len(stats.sample):,} of the same rows into a "
                f"copy of the events table", ["pushing offices", "events", "ev/s", "bare COPY ev/s", "push/bare",
                                              "push p50 ms", "push p95 ms", "retries", "rounds again",
                                              "stored", "quarantined", "errors"],
                [[pushers, stats.events, rate, bare, rate / bare if bare else 0.0, push_p["p50"], push_p["p95"],
                  stats.retries, stats.deferred, stored, stats.quarantined, len(stats.errors)]])
    print("  retries: requests sent again after 503 overloaded (Retry-After) or no answer; rounds again: rounds "
          "an office's transport gave up on, sent again at its next round as the sync client does; stored: pushed "
          "events found in the central store afterwards (= events applied: none lost, none twice)")
    for error in stats.errors[:5]:
        print(f"  error: {error}")
    g, p = percentiles(gets), percentiles(posts)
    d, pr, requests_made, seconds = exported
    print_table("Back office and portal at that size (offices not pushing; the portal validates every request "
                "with the JSON schema on this machine)", ["what", "count", "p50 ms", "p95 ms", "p99 ms", "per s"],
                [["department GET dossier (audited)", len(gets), g["p50"], g["p95"], g["p99"], len(gets) / sum(gets)],
                 ["department POST step", len(posts), p["p50"], p["p95"], p["p99"], len(posts) / sum(posts)],
                 [f"projection of pushed events ({len(pushing[:5])} offices)", projected, "", "", "",
                  projected / projection_seconds if projection_seconds else 0.0],
                 [f"portal export: {d:,} dossier + {pr:,} progress records", requests_made, "", "", "",
                  (d + pr) / seconds if seconds else 0.0]])
    ok = not stats.errors and not stats.quarantined and stored == stats.events
    print(f"central push: {'0 errors, none lost → OK' if ok else 'ERRORS'}")
    return 0 if ok else 1
