"""Decoding receipt photos: validation, tilted Code128 retry, rejected texts, debounce."""
import random

import numpy as np
import pytest

from devices import DeviceError
from devices.decoders import Debouncer, ScanPipeline, make_decoder, validate
from testkit.receipts import code128_strip, corpus, photograph, qr_image, sample

CODE, SECRET = "000.31.20.H56-260302-0017", "123456"


@pytest.fixture(scope="module")
def frames():
    return corpus((640, 480), per_kind=2, seed=11)


@pytest.fixture(scope="module")
def zxing():
    return ScanPipeline(make_decoder("zxing"))


def test_zxing_pipeline_reads_nearly_every_kind_with_no_wrong_code(frames, zxing):
    scans = [(s, zxing.read(s.frame).scan) for s in frames]
    read = [(s, scan) for s, scan in scans if scan is not None]
    assert len(read) >= len(frames) - 1  # a heavily blurred frame may be unreadable
    assert {s.kind for s, _ in read} == {s.kind for s in frames}
    for s, scan in read:
        assert scan.code == s.code, s.kind
        if s.kind != "code128_tilt":
            assert scan.secret == s.secret and scan.symbology == "qr"


def test_tilted_code128_needs_the_straightened_retry(zxing):
    s = sample("code128_tilt", (1280, 720), random.Random(4), CODE, SECRET)
    plain = ScanPipeline(make_decoder("zxing"), tilt_retry=False)
    assert plain.read(s.frame).scan is None
    scan = zxing.read(s.frame).scan
    assert (scan.code, scan.secret, scan.symbology) == (CODE, None, "code128")


@pytest.mark.parametrize("name", ["pyzbar", "opencv"])
def test_other_decoders_read_a_clean_receipt(name):
    s = sample("clean", (640, 480), random.Random(2), CODE, SECRET)
    scan = ScanPipeline(make_decoder(name)).read(s.frame).scan
    assert (scan.code, scan.secret) == (CODE, SECRET)


def test_foreign_barcodes_are_rejected_and_not_returned(zxing):
    # An ID-card style QR with personal data, and a Code128 that is not a dossier code.
    rng = random.Random(1)
    for img in (qr_image("001203004567|Nguyễn Văn An|01011990"), code128_strip("HELLO-WORLD-42")):
        frame = photograph(img, (640, 480), rng, fill=0.6, angle=0)
        result = zxing.read(frame)
        assert result.scan is None and result.rejected >= 1
        assert "Nguyễn" not in repr(result)


def test_blank_frame_reads_nothing(zxing):
    assert zxing.read(np.full((480, 640, 3), 128, np.uint8)).scan is None


def test_validate_accepts_receipts_and_rating_qr_only():
    assert validate("code128", CODE).secret is None
    assert validate("qr", f"{CODE}|{SECRET}").secret == SECRET
    ticket = validate("qr", "RATE|A102|2026-03-02|K7M2Q9XD")
    assert (ticket.kind, ticket.code, str(ticket.day), ticket.secret) == ("ticket", "A102", "2026-03-02", "K7M2Q9XD")
    assert validate("qr", "RATE|A102|2026-03-02") is None  # a rating QR without its token rates nothing
    for bad in (f"{CODE}|12345", "000.31.20.H56-261302-0001", "https://example.org", ""):
        assert validate("qr", bad) is None


def test_debouncer_ignores_the_same_code_while_it_is_held_up():
    now = [0.0]
    d = Debouncer(3.0, clock=lambda: now[0])
    assert d.accept("a")
    now[0] = 2.0
    assert not d.accept("a") and d.accept("b")
    now[0] = 4.5  # still held: seen 2.5 s ago
    assert not d.accept("a")
    now[0] = 8.0
    assert d.accept("a")
    d.reset()
    assert d.accept("a")


def test_unknown_decoder_name():
    with pytest.raises(DeviceError, match="zxing, pyzbar, opencv"):
        make_decoder("quagga")
