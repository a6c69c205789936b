"""Keyboard-wedge scanner: a fast burst ending in Enter is a scan, a person typing is not."""
from devices.wedge import WedgeDetector, burst

CODE = "000.31.20.H56-260302-0001"


def feed_all(detector, keys):
    events = []
    for char, t in keys:
        events += detector.feed(char, t)
    return events


def test_scanner_burst_is_one_scan():
    d = WedgeDetector()
    assert feed_all(d, burst(CODE, start=10.0)) == [("scan", CODE)]
    assert d.scans == [CODE]


def test_qr_payload_with_separator_is_kept_whole():
    d = WedgeDetector()
    assert feed_all(d, burst(CODE + "|123456", start=1.0, gap=0.012)) == [("scan", CODE + "|123456")]


def test_person_typing_is_released_as_typed_keys_and_enter():
    d = WedgeDetector()
    keys = [(c, 5.0 + 0.15 * i) for i, c in enumerate("123456")] + [("\r", 6.0)]
    events = feed_all(d, keys)
    assert "".join(text for kind, text in events if kind == "typed") == "123456"
    assert events[-1] == ("enter", "") and not d.scans


def test_poll_releases_a_lone_key_after_the_gap():
    d = WedgeDetector(max_gap=0.03)
    assert d.feed("7", 1.0) == []
    assert d.poll(1.01) == []
    assert d.poll(1.05) == [("typed", "7")]
    assert d.poll(1.2) == []


def test_short_burst_with_enter_is_not_a_scan():
    d = WedgeDetector(min_length=6)
    events = feed_all(d, burst("12", start=3.0))
    assert events == [("typed", "12"), ("enter", "")]


def test_burst_after_typing_still_scans():
    d = WedgeDetector()
    events = d.feed("x", 0.0) + feed_all(d, burst(CODE, start=2.0))
    assert events == [("typed", "x"), ("scan", CODE)]
