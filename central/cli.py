"""`main.py central serve|enroll|revoke|catalogue|export`: the central (provincial) system's jobs.

The server (FastAPI, uvicorn), the store's PostgreSQL driver and the portal transport (requests)
load only in the job that needs them."""
from __future__ import annotations

import sys
from datetime import date

from office.cli import ROOT, add_command

DB_HELP = "central store: a SQLite file path or postgresql://user@host:port/dbname"


def cmd_central(args) -> int:
    """The central system: serve, enroll/revoke credentials, publish the catalogue, portal export."""
    if args.central_command == "serve":
        from central.server import serve

        return serve(args.db, args.host, args.port, args.ssl_keyfile, args.ssl_certfile)
    if args.central_command in ("enroll", "revoke") and bool(args.office) == bool(args.department):
        print("error: give exactly one of --office or --department", file=sys.stderr)
        return 2
    if args.central_command == "enroll":
        return enroll(args.db, args.office, args.department, args.name, args.agency, args.block)
    if args.central_command == "revoke":
        return revoke(args.db, args.office, args.department)
    if args.central_command == "catalogue":
        return publish_catalogue(args.db, args.file)
    from central.portal import export_command

    return export_command(args.db, args.portal, args.mapping, args.timeout)


def enroll(db: str, office: str | None, department: str | None, name: str = "",
           agency: str | None = None, block: int = 1000) -> int:
    """Enroll an office (optionally leasing it a dossier-number block) or a department; print the token once."""
    from central.store import CentralStore

    store = CentralStore(db)
    if office:
        token = store.enroll_office(office, name)
        print(f"office {office} enrolled. Token (shown once, only its hash is stored):\n{token}")
        if agency:
            b = store.lease_block(office, agency, block, date.today())
            print(f"dossier numbers {b['first']}–{b['last']} of agency {agency} leased to {office}")
    else:
        token = store.enroll_department(department)
        print(f"department {department!r} enrolled. Token (shown once, only its hash is stored):\n{token}")
    return 0


def revoke(db: str, office: str | None, department: str | None) -> int:
    """Revoke every token of an office or department."""
    from central.store import CentralStore

    store = CentralStore(db)
    kind, subject = ("office", office) if office else ("department", department)
    n = store.revoke(subject, kind)
    print(f"{n} token(s) of {kind} {subject!r} revoked")
    return 0 if n else 1


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
    cs.add_argument("--ssl-keyfile", help="TLS private key (PEM), to serve HTTPS without a reverse proxy")
    cs.add_argument("--ssl-certfile", help="TLS certificate chain (PEM)")
    ce = jobs.add_parser("enroll", help="enroll an office or a back-office department; prints its token once")
    ce.add_argument("--name", default="", help="display name of the office")
    ce.add_argument("--agency", help="also lease the office a block of dossier numbers of this agency e-ID")
    ce.add_argument("--block", type=int, default=1000, help="size of the leased block (default 1000)")
    cr = jobs.add_parser("revoke", help="revoke every token of an office or department")
    for sp in (ce, cr):
        sp.add_argument("--office", help="office id")
        sp.add_argument("--department", help="back-office department name")
    cc = jobs.add_parser("catalogue", help="publish a procedure catalogue to every office")
    cc.add_argument("--file", default=str(ROOT / "assets" / "demo" / "catalogue.toml"),
                    help="catalogue TOML (default: the demo catalogue)")
    cx = jobs.add_parser("export", help="push changed dossiers and progress to the national portal (DVCQG)")
    cx.add_argument("--portal", required=True, help="portal endpoint URL")
    cx.add_argument("--mapping", default=None, help="field mapping version (default: the newest)")
    cx.add_argument("--timeout", type=float, default=30, help="seconds per request (default 30)")
    for sp in (cs, ce, cr, cc, cx):
        sp.add_argument("--db", required=True, help=DB_HELP)
