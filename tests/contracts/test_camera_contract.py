"""One contract for every camera adapter: the fake and OpenCV reading an MJPG video file."""


def test_a_receipt_held_up_is_reported_once_with_code_and_secret(camera_harness):
    h, ev = camera_harness, camera_harness.events
    h.hold_receipt()
    h.camera.start()
    assert ev.wait(lambda e: e.scans)
    assert ev.wait(lambda e: h.kind == "fake" or h.camera.frames >= 30)  # the video looped
    assert [(s.code, s.secret, s.kind) for s in ev.scans] == [(h.code, h.secret, "dossier")]
    assert ev.status[0] is True


def test_missing_camera_is_unavailable_then_recovers(camera_harness):
    h, ev = camera_harness, camera_harness.events
    h.unplug() if h.kind == "fake" else None
    h.camera.start()
    assert ev.wait(lambda e: e.status == [False])
    h.plug()
    assert ev.wait(lambda e: e.status == [False, True])
    assert ev.wait(lambda e: e.scans)


def test_unplugged_mid_session_reports_and_comes_back(camera_harness):
    h, ev = camera_harness, camera_harness.events
    h.hold_receipt()
    h.camera.start()
    assert ev.wait(lambda e: e.status == [True])
    h.unplug()
    assert ev.wait(lambda e: e.status == [True, False])
    h.plug()
    assert ev.wait(lambda e: e.status == [True, False, True])


def test_reset_lets_the_same_receipt_scan_again(camera_harness):
    h, ev = camera_harness, camera_harness.events
    h.hold_receipt()
    h.camera.start()
    assert ev.wait(lambda e: len(e.scans) == 1)
    h.camera.reset()
    assert ev.wait(lambda e: len(e.scans) == 2)
