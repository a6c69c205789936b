"""The counter's queue of dossiers submitted online (Ctrl+7): accept (1 → 2, Mẫu 01 printed) or
refuse with a reason, on a real office store filled by the sync pull's own update path."""
from datetime import datetime

from office.model import DossierStatus as S
from sync.client import apply_update

SUBMITTED = [
    ("DVC-2603-000101", "Nguyễn Thị Phương Thảo", "2026-03-01T21:15:00"),
    ("DVC-2603-000102", "Trần Văn Hoàng Bảo Long", "2026-03-01T22:40:00"),
]


def pull_online(svc) -> None:
    """Two online dossiers arrive as the sync pull applies them."""
    with svc.store.write():
        for ref, name, at in SUBMITTED:
            payload = {"ref": ref, "office_id": svc.store.office_id, "procedure_code": "1.001193", "case_code": "TH1",
                       "applicant": {"name": name, "id_type": "CCCD", "id_number": "079201001234",
                                     "phone": "0912345678", "address": "Thôn Bình An, xã Tân Phú"},
                       "summary": "Đăng ký khai sinh cho con thứ hai", "submitted_at": at,
                       "components": [{"name": "Tờ khai đăng ký khai sinh"}, {"name": "Giấy chứng sinh"}],
                       "delivery": "postal", "delivery_address": "Thôn Bình An, xã Tân Phú"}
            assert apply_update(svc, {"id": f"online:{ref}", "kind": "online_dossier", "payload": payload},
                                datetime(2026, 3, 2, 7, 0)) == "applied"


def test_online_dossiers_are_accepted_or_refused_from_the_counter(desk):
    svc = desk.svc
    pull_online(svc)
    desk.key(ord("7"), ["ctrl"])
    online = desk.screen("online")
    assert desk.app.root.ids.sm.current == "online"
    desk.until(lambda: len(online.rows) == 2, what="the online queue")
    assert "Nguyễn Thị Phương Thảo" in desk.texts() and "Đăng ký khai sinh" in desk.texts()
    desk.tap_text(online.row_text(online.rows[0]))
    assert "079201001234" in online.ids.detail.text and "bưu chính" in online.ids.detail.text
    desk.shot("online-1-chosen")
    desk.key(13, ["ctrl"])  # Ctrl+Enter: accept
    desk.settle()
    [dossier] = [svc.dossier(c) for c in svc.store.dossier_codes(limit=5)]
    assert dossier.status == S.RECEIVED and dossier.channel == 2 and dossier.applicant.name == "Nguyễn Thị Phương Thảo"
    assert dossier.delivery == "postal" and f"mã hồ sơ {dossier.code}" in online.notice
    desk.until(lambda: len(desk.printer.jobs) == 2, what="Mẫu 01 and Mẫu 06 printed")
    assert [job[0] for job in desk.printer.jobs] == [f"Mau01-{dossier.code}", f"Mau06-{dossier.code}"]
    desk.until(lambda: len(online.rows) == 1, what="the queue without it")
    desk.tap_text(online.row_text(online.rows[0]))
    desk.tap(online.ids.refuse)
    assert "lý do" in online.notice and svc.store.online_dossier("DVC-2603-000102").state == "waiting"
    desk.type("reason", "Giấy chứng sinh tải lên không đọc được, đề nghị nộp lại bản rõ nét", "online")
    desk.tap(online.ids.refuse)
    desk.settle()
    refused = svc.store.online_dossier("DVC-2603-000102")
    assert refused.state == "refused" and refused.reason.startswith("Giấy chứng sinh tải lên")
    desk.until(lambda: not online.rows, what="an empty queue")
    assert "Không có hồ sơ trực tuyến đang chờ" in desk.texts()
    desk.shot("online-2-decided")
    kinds = [e["kind"] for e in svc.store.events(0, 1000)]
    assert (kinds.count("online_accepted"), kinds.count("online_refused")) == (1, 1)
    assert any(r["action"] == "online.view" for r in svc.store.audit_log())
