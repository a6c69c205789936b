"""The kiosk's USB scanner when the kiosk is busy, and a citizen's ID card held to it."""
import time

from kiosk_helpers import dossier_in_processing
from kivy_support import QueuedKeys, run_frames

from office.rules.codes import receipt_qr_payload

ID_CARD = "001099012345|023456789|Nguyễn Thị Thanh Hương|15031990|Nữ|Số 12 phố Hoàng Hoa Thám, Hà Nội|20072021"


def test_a_receipt_scanned_while_the_kiosk_is_busy_is_still_read(kiosk):
    code, secret = dossier_in_processing(kiosk.svc)
    lookup = kiosk.screen("lookup")
    kiosk.tap(kiosk.button("Tra cứu hồ sơ"))
    queued = QueuedKeys.install(kiosk.app)
    try:
        queued.type(receipt_qr_payload(code, secret), time.monotonic() + 0.05)
        queued.busy(after_keys=5, seconds=0.3)  # a slow frame in the middle of the burst
        run_frames(0.6)
    finally:
        queued.uninstall(kiosk.app)
    kiosk.until(lambda: lookup.step == "result", what="wedge scan result")
    assert lookup.view.code == code


def test_an_id_card_is_refused_as_a_lookup_and_never_shown(kiosk):
    """Held to the USB scanner it is named and refused; a camera frame with it is only a rejected
    code (devices.decoders.validate never keeps a card's text)."""
    queued = QueuedKeys.install(kiosk.app)
    try:
        queued.type(ID_CARD, time.monotonic() + 0.05)
        run_frames(0.6)
    finally:
        queued.uninstall(kiosk.app)
    kiosk.pump(4)
    assert "Đây là thẻ CCCD, không phải biên nhận hồ sơ" in kiosk.app.root.notice
    for secret in ("001099012345", "023456789", "Hương", "Hoàng Hoa Thám", "15/03/1990"):
        assert secret not in kiosk.texts()
    kiosk.shot("home-id-card-refused")
    assert kiosk.sm.current == "home"
