"""Login and the queue console, driven with touches and the F1–F7 shortcuts (embedded store)."""
from office.model import TicketState

F1, F2, F3, F4, F5, F6, F7 = range(282, 289)


def test_wrong_pin_is_refused_and_the_right_one_opens_the_queue(make_desk):
    desk = make_desk(login=False)
    desk.shot("login-1")
    desk.login(pin="000000")
    login = desk.screen("login")
    assert desk.app.actor is None and "không đúng" in login.notice
    assert desk.field("pin", "login").text == "" and desk.field("username", "login").text == "bich.tt"
    desk.shot("login-2-wrong-pin")
    desk.login()
    assert desk.app.root.ids.sm.current == "queue"
    header = desk.texts(desk.app.root.ids.header)
    assert "Quầy 1" in header and "Trần Thị Bích" in header and "Dữ liệu tại máy" in header
    assert "Hộ tịch – Chứng thực" in desk.app.root.ids.services_line.text


def test_queue_actions_by_keyboard_and_touch(desk):
    svc = desk.svc
    first = svc.issue_ticket("HT").ticket
    second = svc.issue_ticket("HT").ticket
    svc.issue_ticket("DD")
    queue = desk.screen("queue")
    desk.key(F1)
    desk.settle()
    assert queue.ticket.number == first.number and "đang gọi" in desk.texts().lower()
    assert "Hộ tịch – Chứng thực: 1 người" in queue.ids.waiting.text
    assert "Đất đai: 1 người" in queue.ids.waiting.text
    desk.shot("queue-1-called")
    desk.key(F2)
    desk.settle()
    assert queue.ticket.calls == 2
    desk.key(F3)
    desk.settle()
    assert queue.ticket.state == TicketState.SERVING
    desk.type("reason", "Hướng dẫn thủ tục", "queue")
    desk.tap_text("Kết thúc [F4]")
    desk.settle()
    assert queue.ticket is None and svc.store.ticket(first.id).reason == "Hướng dẫn thủ tục"
    # the next one does not come: three calls, then no-show
    desk.key(F1)
    desk.settle()
    assert queue.ticket.number == second.number
    for _ in range(svc.config.no_show_after_calls - 1):
        desk.key(F2)
        desk.settle()
    desk.key(F5)
    desk.settle()
    assert svc.store.ticket(second.id).state == TicketState.NO_SHOW and queue.ticket is None
    desk.key(F1)
    desk.settle()
    assert queue.ticket is None and "Không còn ai chờ" in queue.notice  # Quầy 1 serves HT only


def test_transfer_and_pause(desk):
    svc = desk.svc
    ticket = svc.issue_ticket("HT").ticket
    queue = desk.screen("queue")
    desk.key(F1)
    desk.settle()
    queue.to_service = "Đất đai"
    desk.pump(2)
    assert queue.counter_names == ["Quầy bất kỳ", "Quầy 2", "Quầy 3"]
    queue.to_counter = "Quầy 3"
    desk.key(F6)
    desk.settle()
    moved = [t for t in svc.store.tickets(ticket.day, [TicketState.WAITING]) if t.number == ticket.number]
    assert moved and moved[0].service_code == "DD" and moved[0].target_counter_id == 3
    assert "Đã chuyển số A" in queue.notice
    desk.key(F7)  # no reason typed: asked for one, nothing paused
    desk.settle()
    assert "lý do" in queue.notice and desk.app.counter.paused_reason is None
    desk.type("reason", "Nghỉ giải lao", "queue")
    desk.key(F7)
    desk.settle()
    assert desk.app.counter.paused_reason == "Nghỉ giải lao"
    assert "TẠM DỪNG: Nghỉ giải lao" in desk.app.root.ids.pause_chip.text
    assert queue.ids.call_next.disabled
    desk.shot("queue-2-paused")
    desk.key(F7)
    desk.settle()
    assert desk.app.counter.paused_reason is None and not queue.ids.call_next.disabled
    desk.tap_text("EN")
    assert "Call next [F1]" in desk.texts() and "Reports [Ctrl+6]" in desk.texts()
    desk.shot("queue-3-english")
    desk.tap_text("VI")
    assert "Gọi số tiếp theo [F1]" in desk.texts()


def test_a_ticket_called_before_a_restart_is_picked_up_at_login(make_desk):
    desk = make_desk(login=False)
    desk.svc.issue_ticket("HT")
    called = desk.svc.call_next(1, "bich.tt")
    desk.login()
    desk.settle()
    queue = desk.screen("queue")
    assert queue.ticket is not None and queue.ticket.id == called.id
    assert queue.ticket.state == TicketState.CALLED
