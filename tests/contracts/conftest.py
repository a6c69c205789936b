"""Harnesses that put the fake and the real adapters behind one interface for the contract suites.

Printer: the real adapter talks ESC/POS over TCP to a listener on 127.0.0.1 (port 0) standing
in for a network printer: it answers DLE EOT paper-status queries and records each job's bytes.
Camera: the real adapter reads an MJPG .avi of a Mẫu 01 receipt (printed from the seeded demo
office) brought up by a hand, through cv2.VideoCapture.
"""
from __future__ import annotations

import random
import select
import socket
import threading
import time
from pathlib import Path

import pytest
import zxingcpp

from devices.camera import CameraScanner, FakeCamera
from devices.printer import EscposPrinter, FakePrinter, Paper
from devices.ticket_render import parse_rating_qr
from office.rules.codes import receipt_qr_payload
from testkit import corpus
from testkit.escpos_raster import extract_rasters, stack

STATUS_BYTE = {Paper.OK: 0x12, Paper.LOW: 0x1E, Paper.OUT: 0x72}


class TcpPrinter:
    """A network ESC/POS printer on 127.0.0.1: records jobs, answers paper-status queries."""

    def __init__(self):
        self.paper = Paper.OK
        self.jobs: list[bytes] = []
        self.accepted = self.handled = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            with conn:
                data = b""
                conn.settimeout(5)
                while True:
                    try:
                        chunk = conn.recv(65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    if chunk.startswith(b"\x10\x04"):
                        conn.sendall(bytes([STATUS_BYTE[self.paper]]))
                        chunk = chunk[3:]
                    data += chunk
                if data:
                    self.jobs.append(data)
            self.handled += 1

    def idle(self, timeout=5.0):
        """Wait until every connection the client made has been read to its end."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.accepted == self.handled and not select.select([self.sock], [], [], 0.05)[0]:
                return
            time.sleep(0.01)

    def close(self):
        self._stop = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self.sock.close()
        self._thread.join(5)


def ticket_numbers_from_images(images) -> list[str]:
    """Decode the rating QR of each printed ticket image back to its number."""
    out = []
    for img in images:
        texts = [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]
        out.append(parse_rating_qr(texts[0])[0] if texts else "?")
    return out


class FakePrinterHarness:
    def __init__(self):
        self.printer = FakePrinter()

    def set_paper(self, paper: Paper):
        self.printer.paper = paper

    def go_offline(self):
        self.printer.online = False

    def printed_numbers(self) -> list[str]:
        return ticket_numbers_from_images(self.printer.images)


class TcpPrinterHarness:
    def __init__(self):
        self.server = TcpPrinter()
        self.printer = EscposPrinter(f"tcp://127.0.0.1:{self.server.port}", timeout=3, status_timeout=1)

    def set_paper(self, paper: Paper):
        self.server.paper = paper

    def go_offline(self):
        self.server.close()

    def printed_numbers(self) -> list[str]:
        self.server.idle()
        return ticket_numbers_from_images([stack(extract_rasters(job)) for job in self.server.jobs
                                           if b"\x1dv0" in job])


@pytest.fixture(params=["fake", "tcp"])
def printer_harness(request):
    h = FakePrinterHarness() if request.param == "fake" else TcpPrinterHarness()
    yield h
    if request.param == "tcp":
        h.server.close()


# ---- camera ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def held_receipt() -> corpus.Printed:
    """A Mẫu 01 receipt printed from the seeded demo office."""
    return corpus.papers(1, 1)["receipt"][0]


@pytest.fixture(scope="session")
def receipt_video(tmp_path_factory, held_receipt) -> Path:
    """An MJPG .avi: 2 s of that receipt brought up by a hand (15 fps, 640×480)."""
    path = tmp_path_factory.mktemp("camera") / "receipt.avi"
    corpus.write_clip(path, corpus.clip(held_receipt, (640, 480), random.Random(9), fps=15, seconds=2.0), 15)
    assert path.stat().st_size > 10_000
    return path


class Events:
    """Collects callbacks from the worker thread."""

    def __init__(self):
        self.scans, self.status, self.rejected = [], [], 0
        self.lock = threading.Lock()

    def on_scan(self, scan):
        with self.lock:
            self.scans.append(scan)

    def on_status(self, available):
        with self.lock:
            self.status.append(available)

    def on_rejected(self):
        with self.lock:
            self.rejected += 1

    def wait(self, predicate, timeout=10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return True
            time.sleep(0.01)
        return False


class FakeCameraHarness:
    def __init__(self, events, tmp_path, video, code, secret):
        self.camera = FakeCamera(events.on_scan, events.on_status, events.on_rejected)
        self.payload = receipt_qr_payload(code, secret)

    def hold_receipt(self):
        self.camera.hold(self.payload)
        for _ in range(20):  # many frames of the same receipt
            self.camera.show(self.payload)

    def unplug(self):
        self.camera.unplug()

    def plug(self):
        self.camera.hold(self.payload)
        self.camera.plug()


class VideoCameraHarness:
    def __init__(self, events, tmp_path, video, code, secret):
        self.video = video
        self.path = tmp_path / "camera.avi"
        self.camera = CameraScanner(str(self.path), on_scan=events.on_scan, on_status=events.on_status,
                                    on_rejected=events.on_rejected, debounce_s=30, retry_s=0.05,
                                    realtime=False)

    def hold_receipt(self):
        self.path.write_bytes(self.video.read_bytes())

    def unplug(self):
        self.path.unlink()

    def plug(self):
        self.path.write_bytes(self.video.read_bytes())


@pytest.fixture(params=["fake", "video"])
def camera_harness(request, tmp_path, receipt_video, held_receipt):
    events = Events()
    cls = FakeCameraHarness if request.param == "fake" else VideoCameraHarness
    h = cls(events, tmp_path, receipt_video, held_receipt.expect.code, held_receipt.expect.secret)
    h.code, h.secret = held_receipt.expect.code, held_receipt.expect.secret
    h.events = events
    h.kind = request.param
    yield h
    h.camera.stop()
