"""Scan-to-status-on-screen timing in a kiosk process (run by benchmarks.decode in a subprocess):
a camera frame of a printed receipt (Mẫu 01) is decoded, the lookup runs on the worker, the
status is drawn; prints seconds."""
from __future__ import annotations

import random
import sys
import time

from kiosk.boot import environment, prepare

environment()
prepare()

from kivy.base import EventLoop  # noqa: E402

from demo.seed import demo_secret  # noqa: E402
from devices.decoders import ScanPipeline  # noqa: E402
from kiosk.app import KioskApp  # noqa: E402
from office.config import OfficeConfig  # noqa: E402
from office.gateway import OfficeGateway  # noqa: E402
from office.model import DossierStatus  # noqa: E402
from office.service import OfficeService  # noqa: E402
from testkit import corpus  # noqa: E402

RUNS = 20


def main(db: str) -> None:
    """Print one scan-to-status time (seconds) per run."""
    svc = OfficeService.open(db, OfficeConfig())
    codes = svc.store.dossier_codes(DossierStatus.PROCESSING, limit=RUNS)
    rng = random.Random(3)
    frames = [(p.expect.code, corpus.film(p.paper, corpus.shot_for(p, "receipt", "rotation", (640, 480), rng),
                                          (640, 480)))
              for p in corpus.receipts(svc, [(code, demo_secret(2026, code)) for code in codes])]
    pipeline = ScanPipeline()
    app = KioskApp(OfficeGateway.embedded(svc, "kiosk", "kiosk"))  # as `main.py kiosk --db` runs it
    app._run_prepare()
    while not app.office_name:
        EventLoop.idle()
    lookup = app.root.ids.sm.get_screen("lookup")
    out = []
    for code, frame in frames:
        app.go_home()
        for _ in range(3):
            EventLoop.idle()
        t = time.perf_counter()
        scan = pipeline.read(frame).scan
        app.handle_scan(scan)
        while not (lookup.step == "result" and lookup.view is not None and lookup.view.code == code):
            EventLoop.idle()
        EventLoop.idle()  # the frame that shows it
        out.append(time.perf_counter() - t)
    print(" ".join(f"{s:.4f}" for s in out))
    app.dispatch("on_stop")


if __name__ == "__main__":
    main(sys.argv[1])
