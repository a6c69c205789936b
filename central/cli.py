"""`main.py central serve|enroll|revoke|catalogue|export|quarantine|import-online|audit|leader|indicators`: the
central (provincial) system's jobs.

The server (FastAPI, uvicorn), the store's PostgreSQL driver and the portal transport (requests)
load only in the job that needs them."""
from __future__ import annotations

import sys
from datetime import date

from office.cli import ROOT, add_command

DB_HELP = "central store: a SQLite file path or postgresql://user@host:port/dbname"


def cmd_central(args) -> int:
    """The central system: serve, enroll/revoke credentials, publish the catalogue, portal export."""
    job = args.central_command
    if job == "serve":
        from central.server import serve

        return serve(args.db, args.host, args.port, args.ssl_keyfile, args.ssl_certfile, args.lookup_keys)
    if job in ("enroll", "revoke") and sum(map(bool, (args.office, args.department, args.portal))) != 1:
        print("error: give exactly one of --office, --department or --portal", file=sys.stderr)
        return 2
    try:
        if job == "enroll":
            return enroll(args)
        if job == "revoke":
            return revoke(args.db, args.office, args.department, args.portal)
        if job == "catalogue":
            return publish_catalogue(args.db, args.file)
        if job == "quarantine":
            return quarantine(args.db, args.office, args.retry)
        if job == "import-online":
            return import_online(args.db, args.file)
        if job == "audit":
            return audit(args.db, args.dossier, args.limit)
        if job == "leader":
            return leader(args.db, args.action, args.username, args.name)
        if job == "indicators":
            return indicators(args.db)
    except ValueError as e:  # a bad option value: one line, no traceback
        print(f"error: {e}", file=sys.stderr)
        return 2
    from central.portal import export_command

    return export_command(args.db, args.portal, args.mapping, args.timeout)


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(filter(None, (t.strip() for t in (text or "").split(","))))


def enroll(args) -> int:
    """Enroll an office (its agency, and a dossier-number block), a department (with its scope) or
    the provincial portal; print the token once."""
    from central.access import Scope
    from central.store import CentralStore

    store = CentralStore(args.db)
    if args.office:
        token = store.enroll_office(args.office, args.name, args.agency)
        print(f"office {args.office} enrolled. Token (shown once, only its hash is stored):\n{token}")
        if args.agency:
            valid = date.fromisoformat(args.valid_from) if args.valid_from else date.today()
            b = store.lease_block(args.office, args.agency, args.block, valid)
            print(f"dossier numbers {b['first']}–{b['last']} of agency {args.agency} leased to {args.office} "
                  f"from {valid:%d/%m/%Y}")
    elif args.department:
        scope = Scope(_split(args.offices), _split(args.fields), _split(args.procedures), args.whole_province)
        token = store.enroll_department(args.department, scope)
        print(f"department {args.department!r} enrolled for {scope.describe()}. Token (shown once, only its "
              f"hash is stored):\n{token}")
    else:
        token = store.enroll_portal(args.portal)
        print(f"portal {args.portal!r} enrolled. Token (shown once, only its hash is stored):\n{token}")
    return 0


def revoke(db: str, office: str | None, department: str | None, portal: str | None = None) -> int:
    """Revoke every token of an office, department or portal."""
    from central.store import CentralStore

    store = CentralStore(db)
    kind, subject = next((k, v) for k, v in (("office", office), ("department", department), ("portal", portal)) if v)
    n = store.revoke(subject, kind)
    print(f"{n} token(s) of {kind} {subject!r} revoked")
    return 0 if n else 1


def quarantine(db: str, office: str | None, retry: bool) -> int:
    """List the quarantined events (or check them again and apply those that now pass); exit 1
    while any remain."""
    from central.store import CentralStore

    store = CentralStore(db)
    if retry:
        released, left = store.retry_quarantine(office)
        print(f"{released} event(s) released and applied; {left} still quarantined")
    rows = store.quarantined(office)
    for q in rows:
        print(f"{q['office_id']}  seq {q['seq']}  {q['kind']}  {q['at']}  {q['reason']}")
    if not retry:
        print(f"{len(rows)} quarantined event(s)")
    return 1 if rows else 0


def import_online(db: str, path: str) -> int:
    """Import dossiers submitted online (a JSON array or JSON lines) and queue each to its office."""
    from pydantic import ValidationError

    from central.online import parse_submissions
    from central.store import CentralStore
    from office.errors import DomainError

    store = CentralStore(db)
    failed = 0
    with open(path, encoding="utf-8") as f:
        submissions = parse_submissions(f.read())
    for i, s in enumerate(submissions, start=1):
        try:
            r = store.import_online(s)
            print(f"{r['ref']}: {r['state']}" + (f" ({r['code']})" if r["code"] else ""))
        except (ValidationError, DomainError) as e:
            failed += 1
            print(f"submission #{i}: {str(e).splitlines()[0] if isinstance(e, ValidationError) else e}",
                  file=sys.stderr)
    print(f"{len(submissions) - failed} online dossier(s) imported, {failed} refused")
    return 1 if failed else 0


def audit(db: str, dossier: str | None, limit: int) -> int:
    """Print who read personal data at the central system, newest first."""
    from central.store import CentralStore

    for at, who, action, target, detail in CentralStore(db).audit_log(dossier, limit):
        print(f"{at}  {who}  {action}  {target}  {detail}")
    return 0


def read_password() -> str:
    """A new password from the terminal (asked twice, not echoed) or the first line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("Mật khẩu / password: ")
    if getpass.getpass("Nhập lại / again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def leader(db: str, action: str, username: str | None, name: str | None) -> int:
    """Add, remove or list the provincial leaders who may open the dashboard."""
    from central.store import CentralStore
    from office.errors import DomainError

    store = CentralStore(db)
    if action == "list":
        for user, full_name, created in store.leaders():
            print(f"{user}  {full_name}  {created}")
        return 0
    if not username:
        raise ValueError("give the leader's --username")
    try:
        if action == "add":
            store.add_leader(username, name or username, read_password())
            print(f"leader {username} added")
        else:
            store.remove_leader(username)
            print(f"leader {username} removed; their sessions ended")
    except DomainError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def indicators(db: str) -> int:
    """Count the dashboard's QĐ 766 inputs again (the dashboard also does it when they are old)."""
    import time

    from central.store import CentralStore

    started = time.perf_counter()
    at = CentralStore(db).refresh_indicators()
    print(f"dashboard figures counted as of {at:%d/%m/%Y %H:%M} in {time.perf_counter() - started:.1f} s")
    return 0


def publish_catalogue(db: str, path: str) -> int:
    """Load a catalogue file into the central store and queue it to every office."""
    from central.store import CentralStore
    from office.catalogue import read_catalogue
    from sync.protocol import procedure_to_wire

    catalogue = read_catalogue(path)
    fields = [{"code": f.code, "name": f.name} for f in catalogue["fields"]]
    n = CentralStore(db).save_catalogue(fields, [procedure_to_wire(p) for p in catalogue["procedures"]])
    print(f"catalogue: {len(fields)} fields, {len(catalogue['procedures'])} procedure versions; "
          f"{n} updates queued to offices")
    return 0


def register(subparsers) -> None:
    """`main.py central` and its jobs."""
    c = add_command(subparsers, "central", cmd_central,
                    "the central system: serve, enroll/revoke offices, catalogue, portal export")
    jobs = c.add_subparsers(dest="central_command", required=True, metavar="JOB")
    cs = jobs.add_parser("serve", help="run the central HTTP server (FastAPI + uvicorn)")
    cs.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    cs.add_argument("--port", type=int, default=8480, help="port (default 8480; 0 = any free port)")
    cs.add_argument("--lookup-keys", metavar="FILE",
                    help="the offices' lookup keys (mode 0600, outside the database) for the status page "
                         "/tra-cuu; default <db>.lookup-keys beside a SQLite file")
    cs.add_argument("--ssl-keyfile", help="TLS private key (PEM), to serve HTTPS without a reverse proxy")
    cs.add_argument("--ssl-certfile", help="TLS certificate chain (PEM)")
    ce = jobs.add_parser("enroll", help="enroll an office, a back-office department or the provincial portal; "
                                        "prints its token once")
    ce.add_argument("--name", default="", help="display name of the office")
    ce.add_argument("--agency", help="the office's agency e-ID; also leases it a block of dossier numbers")
    ce.add_argument("--block", type=int, default=1000, help="size of the leased block (default 1000)")
    ce.add_argument("--valid-from", help="first day (YYYY-MM-DD) the block's numbers may be used (default today)")
    ce.add_argument("--offices", help="department scope: office ids, comma-separated")
    ce.add_argument("--fields", help="department scope: field (lĩnh vực) codes, comma-separated")
    ce.add_argument("--procedures", help="department scope: procedure (TTHC) codes, comma-separated")
    ce.add_argument("--whole-province", action="store_true", help="department scope: every dossier (an inspector)")
    cr = jobs.add_parser("revoke", help="revoke every token of an office, department or portal")
    for sp in (ce, cr):
        sp.add_argument("--office", help="office id")
        sp.add_argument("--department", help="back-office department name")
        sp.add_argument("--portal", help="the provincial portal's name (it hands over online dossiers)")
    cq = jobs.add_parser("quarantine", help="list events the central system kept but could not apply")
    cq.add_argument("--office", help="only this office")
    cq.add_argument("--retry", action="store_true", help="check them again and apply those that now pass")
    ci = jobs.add_parser("import-online", help="import dossiers submitted online and send them to their offices")
    ci.add_argument("--file", required=True, help="submissions: a JSON array or one JSON object per line")
    ca = jobs.add_parser("audit", help="who read personal data at the central system")
    ca.add_argument("--dossier", help="only reads of this dossier")
    ca.add_argument("--limit", type=int, default=100, help="rows, newest first (default 100)")
    cc = jobs.add_parser("catalogue", help="publish a procedure catalogue to every office")
    cc.add_argument("--file", default=str(ROOT / "assets" / "demo" / "catalogue.toml"),
                    help="catalogue TOML (default: the demo catalogue)")
    cx = jobs.add_parser("export", help="push changed dossiers and progress to the national portal (DVCQG)")
    cx.add_argument("--portal", required=True, help="portal endpoint URL")
    cx.add_argument("--mapping", default=None, help="field mapping version (default: the newest)")
    cx.add_argument("--timeout", type=float, default=30, help="seconds per request (default 30)")
    cl = jobs.add_parser("leader", help="provincial leaders who may open the dashboard (password from the "
                                        "terminal or stdin, never the command line)")
    cl.add_argument("action", choices=("add", "remove", "list"))
    cl.add_argument("--username", help="login name (lower-case letters, digits, . _ -)")
    cl.add_argument("--name", help="full name, as the dashboard greets them")
    cn = jobs.add_parser("indicators", help="count the dashboard's QĐ 766 figures again now")
    for sp in (cs, ce, cr, cc, cx, cq, ci, ca, cl, cn):
        sp.add_argument("--db", required=True, help=DB_HELP)
