"""Field diagnostics: `main.py scan` (decode receipt photos) and `main.py print-test` (a sample
ticket on a printer). Device libraries load only when one of them runs."""
from __future__ import annotations

import sys
from pathlib import Path

from office.cli import add_command, config


def cmd_scan(args) -> int:
    """Print the dossier code decoded from each image (`-` when none): field diagnostics."""
    from devices import DeviceError
    from devices.decoders import ScanPipeline, make_decoder, read_image

    try:
        pipeline = ScanPipeline(make_decoder(args.decoder))
    except DeviceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    missed = 0
    for path in args.images:
        frame = read_image(path)
        scan = pipeline.read(frame).scan if frame is not None else None
        if frame is None:
            print(f"{path}: not a readable image", file=sys.stderr)
        missed += scan is None
        print(f"{path}: {scan.code if scan else '-'}")
    return 1 if missed else 0


def cmd_print_test(args) -> int:
    """Print a sample queue ticket on the printer given by a spec (no number is issued)."""
    from datetime import datetime

    from devices import DeviceError
    from devices.printer import make_printer
    from devices.ticket_render import TicketInfo
    from office.config import OfficeConfig

    office_config = config(args) or OfficeConfig()  # the office name printed on the sample
    info = TicketInfo(office_config.office_name, "A000", "In thử – Test print", ("Quầy 1",), datetime.now(), 0, 0)
    try:
        printer = make_printer(args.printer, args.profile)
        paper = printer.print_ticket(info)
    except DeviceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"printed a sample ticket on {printer.describe()} (paper: {paper.value})")
    return 0


def register(subparsers) -> None:
    """`main.py scan` and `main.py print-test`."""
    s = add_command(subparsers, "scan", cmd_scan,
                    "decode receipt photos: print the dossier code per image (- when none)")
    s.add_argument("images", nargs="+", type=Path, help="image files (PNG, JPEG, …)")
    s.add_argument("--decoder", choices=["zxing", "pyzbar", "opencv"], default="zxing")

    t = add_command(subparsers, "print-test", cmd_print_test, "print a sample queue ticket (no number is issued)")
    t.add_argument("--printer", required=True, help="printer spec, e.g. tcp://192.168.1.50:9100")
    t.add_argument("--profile", default="TM-T88V", help="python-escpos printer profile (default TM-T88V)")
