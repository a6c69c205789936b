"""The live camera: guidance from the frame, a Code128 waiting for its QR, clips of a receipt
brought up by a hand read within 1.5 s, and a camera thread that survives decoder failures."""
import random
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from devices.camera import CameraScanner
from devices.decoders import ScanPipeline, ZxingDecoder
from devices.live import LiveReader
from testkit import corpus

SIZE = (640, 480)


@pytest.fixture(scope="module")
def receipt():
    return corpus.papers(3, 3)["receipt"][0]


def frame_of(printed, size=SIZE, source="receipt", **changes):
    shot = corpus.shot_for(printed, source, "clean", size, random.Random(7))
    return corpus.film(printed.paper, replace(shot, **changes), size)


def advice(frame, times: int = 3):
    reader = LiveReader(ScanPipeline())
    outcomes = [reader.feed(frame) for _ in range(times)]
    assert all(o.scan is None for o in outcomes)
    return [o.guidance for o in outcomes]


def test_guidance_glare_hold_still_closer(receipt):
    x, y, _ = receipt.paper.targets["qr"]
    assert advice(frame_of(receipt, glare=(0, 0, 12, 1.6), aim=(x, y))) == [None, "glare", "glare"]
    assert advice(frame_of(receipt, motion=40, motion_angle=20)) == [None, "hold_still", "hold_still"]
    assert advice(frame_of(receipt, defocus=12)) == [None, "hold_still", "hold_still"]  # too soft to restore
    for view in (420, 480, 560):  # sharp but too far: the barcode's upright bars are no motion streak
        assert advice(frame_of(receipt, view_mm=view, offset=(0, 0))) == [None, "closer", "closer"], view
    empty = np.full((480, 640, 3), 90, np.uint8)  # nobody there: no advice
    assert advice(empty) == [None, None, None]


def test_a_code128_waits_for_the_qr_and_then_is_given_up_on(receipt):
    now = [0.0]
    reader = LiveReader(ScanPipeline(), clock=lambda: now[0])
    barcode = frame_of(receipt, (1280, 720), "receipt_code128", view_mm=120, tilt=0, roll=2, offset=(0, 0))
    assert reader.feed(barcode).scan is None  # the Code128 is read, but the QR may come
    now[0] = 0.2
    scan = reader.feed(frame_of(receipt, (1280, 720))).scan
    assert (scan.code, scan.secret) == (receipt.expect.code, receipt.expect.secret)
    reader.reset()
    now[0] = 1.0
    assert reader.feed(barcode).scan is None
    now[0] = 1.5
    scan = reader.feed(barcode).scan  # no QR came: the code alone (the kiosk asks for the secret)
    assert (scan.code, scan.secret) == (receipt.expect.code, None)


def test_clips_of_a_receipt_brought_up_by_a_hand_are_read_within_one_and_a_half_seconds(tmp_path):
    """Eight clips (cut at 1.6 s: what comes later cannot count); the bench plays 2–3 s clips and
    measures the 98 % target, this keeps a floor of 7 in 8."""
    receipts = corpus.papers(3, 3)["receipt"]
    rng = random.Random(16)
    pipeline = ScanPipeline()
    times = []
    for i in range(8):
        printed = rng.choice(receipts)
        frames = corpus.clip(printed, SIZE, rng, fps=15, seconds=1.6)
        seconds, scan = corpus.replay(corpus.write_clip(tmp_path / f"clip{i}.avi", frames, 15), LiveReader(pipeline))
        assert scan is None or corpus.judge(scan, printed.expect) == "read"
        times.append(seconds if scan is not None else 99.0)
    assert sum(t <= 1.5 for t in times) >= 7, times


class FlakyZxing(ZxingDecoder):
    """zxing-cpp failing on every other frame, the way OpenCV failed on a Hanzi QR."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def find(self, gray, only=None):
        self.calls += 1
        if self.calls % 2:
            raise RuntimeError("decoder failure (fault injected)")
        return super().find(gray, only)


def test_the_camera_thread_survives_decoder_failures_and_reports_them(tmp_path, receipt):
    path = corpus.write_clip(tmp_path / "receipt.avi", [frame_of(receipt)] * 10, 15)
    scans, errors = [], []
    got = threading.Event()
    camera = CameraScanner(str(path), ScanPipeline(FlakyZxing(), fallback=False, restore=False, tilt_retry=False),
                           on_scan=lambda s: (scans.append(s), got.set()), realtime=False, debounce_s=2.0)
    camera.on_error = errors.append
    camera.start()
    try:
        assert got.wait(10)  # the first frame failed, the next one was read
        frames = camera.frames
        time.sleep(0.5)
        assert camera.running and camera.frames > frames and camera.errors >= 2
        assert len(errors) == 1 and "fault injected" in str(errors[0])  # reported once per 10 s
        assert [s.code for s in scans] == [receipt.expect.code]  # held up: reported once
    finally:
        camera.stop()
    assert not camera.running
