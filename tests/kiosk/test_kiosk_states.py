"""Every kiosk screen state, in Vietnamese and English, at 1080×1920, 1920×1080 and 1366×768, with
the demo office's catalogue (6 counters, 5 services with long Vietnamese names): no translation key
or untranslated text, WCAG contrast ≥ 4.5:1 for every text against the pixels behind it, no text
larger than its box, no overlapping boxes. Screenshots: test-artifacts/kiosk/state-<size>-<state>-<lang>.png."""
from dataclasses import replace
from datetime import datetime

import pytest
from kiosk_helpers import APPLICANT, OFFICER
from kivy_support import ARTIFACTS
from office_support import make_service
from screen_checks import Pixels, contrast_problems, layout_problems, texts_on_screen, translation_problems

from devices.printer import Paper
from devices.ticket_render import rating_qr_payload
from office.catalogue import load_catalogue, read_catalogue
from office.policy import TYPED_LOOKUPS, Guards, Limit
from office.rules.codes import receipt_qr_payload

LONG_NAMES = {
    "hotich": "Hộ tịch – khai sinh, kết hôn, khai tử, nhận cha mẹ con",
    "chungthuc": "Chứng thực bản sao, chữ ký và hợp đồng, giao dịch",
    "datdai": "Đất đai – Xây dựng – Tài nguyên và Môi trường",
    "xahoi": "Lao động – Thương binh và Xã hội, Hộ kinh doanh cá thể",
    "traketqua": "Trả kết quả giải quyết thủ tục hành chính",
}
SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080), "small": (1366, 768)}


@pytest.fixture
def svc(db_path, clock):
    """The demo office's catalogue with long service names."""
    service = make_service(db_path, clock)
    catalogue = read_catalogue()
    catalogue["services"] = [replace(s, name=LONG_NAMES[s.code]) for s in catalogue["services"]]
    load_catalogue(service.store, catalogue)
    yield service
    service.store.close()


def walk(k):
    """Drive the kiosk through its states; yields each state's name once it is shown."""
    svc, app = k.svc, k.app
    proc = svc.procedures()[0]
    dossier = svc.receive_dossier(proc.code, proc.cases[0].code, APPLICANT, OFFICER)
    yield "home"
    app.toggle_large_text()
    yield "home-large-text"
    k.tap(k.button(app.t("home.procedures")))
    k.settle()
    yield "procedures-list-large-text"
    app.toggle_large_text()
    k.tap(k.screen("procedures").ids.procedure_list.children[-1])
    yield "procedures-detail"
    app.go_home()
    k.tap(k.button(app.t("home.lookup")))
    yield "lookup-code"
    k.tap(k.button(app.t("key.letters")))
    yield "lookup-letters"
    k.tap(k.button(app.t("key.digits")))
    k.keys("code_keypad", "12")
    k.tap(k.button(app.t("nav.next")))
    yield "lookup-bad-code"
    k.screen("lookup").restart()
    k.keys("code_keypad", dossier.code[len(app.code_prefix):])
    k.tap(k.button(app.t("nav.next")))
    yield "lookup-secret"
    k.keys("secret_keypad", "000000")
    k.tap(k.button(app.t("nav.search")))
    k.settle()
    yield "lookup-not-found"
    app.go_home()
    k.camera.show(receipt_qr_payload(dossier.code, dossier.secret))
    k.until(lambda: k.screen("lookup").step == "result", timeout=30)
    yield "lookup-result"
    app.go_home()
    k.tap(k.button(app.t("home.rate")))
    k.settle()
    yield "rate-target"
    counter = svc.store.counters()[0]
    issued = svc.issue_ticket(counter.services[0])
    svc.finish_ticket(svc.call_next(counter.id, "staff").id, counter.id)
    k.camera.show(rating_qr_payload(issued.ticket.number, issued.ticket.day, issued.rating_token))
    rate = k.screen("rate")
    k.until(lambda: rate.step == "level", timeout=30)
    yield "rate-levels"
    k.tap(next(b for b in rate.ids.levels_row.children if b.value.needs_reason))  # asks why
    k.until(lambda: rate.step == "reason", timeout=10)
    yield "rate-reason"
    k.tap(rate.ids.comment_button)
    k.settle()
    k.keys("reason_keypad", ["C", "H", "O"])
    yield "rate-comment"
    k.tap(rate.ids.reasons_button)
    k.settle()
    k.tap(rate.ids.reason_grid.children[-1])
    k.tap(rate.ids.rate_next)
    k.until(lambda: rate.step == "thanks", timeout=30)
    yield "rate-thanks"
    app.go_home()
    k.tap(k.button(app.t("home.ticket")))
    k.settle()
    yield "ticket-services"
    k.keys("search_keypad", ["Q", "Q"])
    yield "ticket-no-match"
    k.screen("ticket").clear_search()
    k.tap(k.button(app.t("ticket.priority_ask")))
    yield "ticket-priority-asked"
    k.tap(k.screen("ticket").ids.service_grid.children[-1])
    yield "ticket-priority"
    k.tap(k.screen("ticket").ids.priority_grid.children[-1])
    k.until(lambda: k.screen("ticket").print_state == "printed", timeout=30)
    yield "ticket-printed"
    app.go_home()
    k.tap(k.button(app.t("home.ticket")))
    k.settle()
    k.printer.paper = Paper.OUT
    k.tap(k.screen("ticket").ids.service_grid.children[-1])
    k.until(lambda: k.screen("ticket").print_state == "failed", timeout=30)
    yield "ticket-print-failed"
    app.go_home()
    k.settle()
    yield "home-printer-stopped"
    k.tap(k.button(app.t("home.ticket")))
    k.settle()
    yield "ticket-no-printer"
    k.printer.paper = Paper.OK
    app.go_home()
    svc.clock.set(datetime(2026, 3, 2, 12, 0))
    k.tap(k.button(app.t("home.ticket")))
    k.settle()
    yield "ticket-closed"
    app.go_home()
    for _ in range(5):
        k.tap(app.root.ids.office_button)
    yield "admin-pin"
    k.keys("pin_keypad", "2468")
    k.tap(k.button(app.t("nav.ok")))
    yield "admin-panel"
    app.go_home()
    k.tap(k.button(app.t("home.lookup")))
    app.root.countdown = 7
    yield "idle-countdown"
    app.root.countdown = 0
    app.root.notice = app.t("scan.invalid")
    yield "invalid-scan-notice"


@pytest.mark.parametrize("size", SIZES)
def test_every_state_in_both_languages_is_translated_readable_and_fits(make_kiosk, size):
    k = make_kiosk(size=SIZES[size], guards=Guards(typed_lookups=replace(TYPED_LOOKUPS, limits={"device": (Limit(50, 300),)})))
    problems = []
    overlays = (k.app.root.ids.global_notice, k.app.root.ids.countdown_box)
    for state in walk(k):
        k.pump(3)
        for lang in ("vi", "en"):
            if k.app.lang != lang:
                k.app.set_lang(lang)
                k.pump(3)
            texts = [w.text for w in texts_on_screen(k.app.root)]
            problems += [f"{state}/{lang}: {p}" for p in translation_problems(texts, lang)]
            pixels = Pixels(k.app.root)
            problems += [f"{state}/{lang}: contrast {p}" for p in contrast_problems(k.app.root, pixels, overlays)]
            problems += [f"{state}/{lang}: {p}" for p in layout_problems(k.app.root, overlays)]
            pixels.save(ARTIFACTS / "kiosk" / f"state-{size}-{state}-{lang}.png")
        k.app.set_lang("vi")
        k.pump(2)
    assert not problems, "\n".join(problems)
