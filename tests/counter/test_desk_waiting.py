"""The queue console's list of waiting tickets per service: numbers, priority, minutes waited."""


def test_waiting_tickets_are_listed_per_service(desk):
    svc, clock = desk.svc, desk.office.clock
    for i in range(11):  # a busy morning at Hộ tịch: one every 2 minutes, the third one elderly
        svc.issue_ticket("HT", priority="elderly" if i == 2 else None)
        clock.advance(minutes=2)
    svc.issue_ticket("DD")
    clock.advance(minutes=5)
    desk.app.refresh_waiting()
    queue = desk.screen("queue")
    desk.until(lambda: len(desk.app.waiting_list) == 12, what="the waiting list")
    desk.pump(2)
    text = queue.ids.waiting.text
    assert "Hộ tịch – Chứng thực: 11 người" in text and "Đất đai: 1 người" in text
    assert "A001 (27')" in text and "A003 ưu tiên (23')" in text and "A008 (13')" in text
    assert "A009" not in text and "và 3 số nữa" in text  # eight listed, the rest counted
    assert "B001 (5')" in text and desk.app.waiting == {"HT": 11, "DD": 1}
    desk.shot("queue-2-waiting-list")
    desk.resize((1920, 1080))
    desk.shot("queue-2-waiting-list-1920x1080")
    desk.resize((1366, 768))
    assert [t.number for t in svc.waiting_tickets()][:3] == ["A001", "A002", "A003"]  # issue order
