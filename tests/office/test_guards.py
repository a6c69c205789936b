"""M2, L7, L8: the limits on guessing and alerts (office/policy.py), counted in the store.

Lookups are limited per dossier code, per kiosk and office-wide, typed and scanned apart; PINs per
device and per user name; alerts per device. A restart forgets nothing; a lock ends by itself."""
from __future__ import annotations

import pytest
from office_support import BACK_OFFICE, OFFICER, applicant, make_service

from office.auth import Credentials
from office.errors import Forbidden, InvalidInput, NotFound, RateLimited, Unauthorized
from office.gateway import OfficeGateway
from office.policy import DAY, LOGINS, Guards, wait_words

STAFF = {"bich.tt": (OFFICER, "123456"), "cuong.lv": (BACK_OFFICE, "654321"),
         **{f"cb{i}": (OFFICER, "246810") for i in range(8)}}


@pytest.fixture
def office(svc):
    with svc.store.write():
        for username, (actor, _) in STAFF.items():
            svc.store.save_staff(username, actor.name, actor.role, actor.department)
    for username, (_, pin) in STAFF.items():
        Credentials(svc.store).set_pin(username, pin)
    return svc


def kiosk(svc, name="kiosk-1"):
    return OfficeGateway.embedded(svc, "kiosk", name, Guards())


def received(svc, n=1):
    return [svc.receive_dossier("2.000908", "GIO", applicant(), OFFICER) for _ in range(n)]


def wrong(secret: str) -> str:
    return f"{(int(secret) + 1) % 1_000_000:06d}"


def test_typos_of_different_citizens_never_lock_a_kiosk_for_long(office, clock):
    """A busy kiosk for a week: 40 citizens a day, every fourth mistypes once or twice."""
    dossiers = received(office, 40)
    k = kiosk(office)
    longest_wait = 0.0
    for day in range(5):
        clock.set(clock.now.replace(day=2 + day, hour=7, minute=30))
        for i, d in enumerate(dossiers):
            clock.advance(minutes=12)
            for _ in range((i % 4 == 0) + (i % 8 == 0)):
                try:
                    k.kiosk_lookup(d.code, wrong(d.secret))
                except RateLimited as e:
                    longest_wait = max(longest_wait, e.retry_after)
                except NotFound:
                    pass
            assert k.kiosk_lookup(d.code, d.secret).code == d.code  # then they get it right
    assert longest_wait == 0  # 15 typos a day: nobody was ever made to wait


def test_a_run_of_typos_pauses_typing_at_that_kiosk_for_minutes_not_hours(office, clock):
    dossiers = received(office, 12)
    k, other = kiosk(office), kiosk(office, "kiosk-2")
    for d in dossiers[:9]:
        with pytest.raises(NotFound):
            k.kiosk_lookup(d.code, wrong(d.secret))
    with pytest.raises(RateLimited) as locked:  # the tenth wrong guess in ten minutes says so at once
        k.kiosk_lookup(dossiers[9].code, wrong(dossiers[9].secret))
    assert 0 < locked.value.retry_after <= 600 and "quét mã QR" in locked.value.message
    with pytest.raises(RateLimited):  # a right secret typed at that kiosk waits too
        k.kiosk_lookup(dossiers[10].code, dossiers[10].secret)
    assert k.kiosk_lookup(dossiers[10].code, dossiers[10].secret, scanned=True).code == dossiers[10].code
    assert other.kiosk_lookup(dossiers[11].code, dossiers[11].secret).code == dossiers[11].code
    clock.advance(seconds=locked.value.retry_after)
    assert k.kiosk_lookup(dossiers[10].code, dossiers[10].secret).code == dossiers[10].code


def test_guesses_at_one_code_lock_that_code_on_every_kiosk_but_never_its_receipt_scan(office, clock):
    d, other = received(office, 2)
    for i in range(5):  # five wrong secrets for one code, from five kiosks
        clock.advance(minutes=1)
        with pytest.raises((NotFound, RateLimited)):
            kiosk(office, f"kiosk-{i}").kiosk_lookup(d.code, wrong(d.secret))
    with pytest.raises(RateLimited) as locked:
        kiosk(office, "kiosk-9").kiosk_lookup(d.code, d.secret)  # even typed right, anywhere
    assert 23 * 3600 < locked.value.retry_after <= DAY
    assert kiosk(office, "kiosk-9").kiosk_lookup(d.code, d.secret, scanned=True).code == d.code
    assert kiosk(office, "kiosk-9").kiosk_lookup(other.code, other.secret).code == other.code


def test_a_restart_forgets_no_failure(office, db_path, clock):
    d = received(office)[0]
    for _ in range(5):
        with pytest.raises((NotFound, RateLimited)):
            kiosk(office).kiosk_lookup(d.code, wrong(d.secret))
    office.store.close()
    restarted = make_service(db_path, clock)
    with pytest.raises(RateLimited):
        kiosk(restarted).kiosk_lookup(d.code, d.secret)
    restarted.store.close()


def test_the_office_budget_caps_brute_force_across_codes_and_kiosks(office, clock):
    dossiers = received(office, 3)
    for i in range(80):  # an attacker spreading guesses over codes and kiosks to dodge those limits
        clock.advance(minutes=1)
        code = f"{dossiers[0].code[:-4]}{100 + i:04d}"  # codes are guessable: the day's sequence
        with pytest.raises((NotFound, RateLimited)):
            kiosk(office, f"kiosk-{i % 6}").kiosk_lookup(code, "123456")
    failures = office.store.db.execute(
        "SELECT COUNT(*) FROM attempts WHERE kind = 'lookup.typed' AND key = 'office:all'").fetchone()[0]
    assert failures == 60  # the office-wide typed budget of a day: the other 20 were never tried
    d = dossiers[1]
    with pytest.raises(RateLimited):  # typed lookups now wait everywhere …
        kiosk(office, "kiosk-new").kiosk_lookup(d.code, d.secret)
    assert kiosk(office, "kiosk-new").kiosk_lookup(d.code, d.secret, scanned=True).code == d.code  # … scans do not


def test_failed_scans_have_their_own_tight_limit(office, clock):
    dossiers = received(office, 7)
    k = kiosk(office)
    for d in dossiers[:4]:
        with pytest.raises(NotFound):
            k.kiosk_lookup(d.code, wrong(d.secret), scanned=True)
    with pytest.raises(RateLimited) as locked:
        k.kiosk_lookup(dossiers[4].code, wrong(dossiers[4].secret), scanned=True)
    assert "hỏi cán bộ" in locked.value.message and locked.value.retry_after <= 3600
    assert k.kiosk_lookup(dossiers[5].code, dossiers[5].secret).code == dossiers[5].code  # typing still works


def test_malformed_input_is_no_guess(office):
    d = received(office)[0]
    k = kiosk(office)
    for _ in range(20):
        with pytest.raises(InvalidInput):
            k.kiosk_lookup(d.code, "12ab")
    assert k.kiosk_lookup(d.code, d.secret).code == d.code


def counter(svc, name):
    return OfficeGateway.embedded(svc, "counter", name, Guards())


def test_one_device_cannot_lock_every_officer_out(office, clock):
    """A day of guessing from one counter, each officer in turn until they are locked out."""
    attacker, end = counter(office, "quay-9"), clock.now.replace(hour=23, minute=59)
    targets = iter(STAFF)
    user, locked = next(targets), []
    while user and clock.now < end:
        try:
            attacker.login(user, "000000", 1)
        except Unauthorized:
            clock.advance(seconds=5)
        except RateLimited as e:
            if LOGINS.wait(office.store, {"user": user}, clock.now) > 0:
                locked.append(user)
                user = next(targets, None)
            else:  # the device must wait: so it does
                clock.advance(seconds=e.retry_after + 1)
    assert len(locked) == 2  # the device's 20 failures a day lock out two officers, for an hour each
    free = [u for u in STAFF if u not in locked]
    assert all(LOGINS.wait(office.store, {"user": u}, clock.now) == 0 for u in free)
    assert counter(office, "quay-2").login(free[0], STAFF[free[0]][1], 2) == STAFF[free[0]][0]


def test_pin_guesses_for_one_user_from_many_devices_are_capped(office, clock):
    for i in range(10):
        with pytest.raises((Unauthorized, RateLimited)):
            counter(office, f"quay-{i}").login("bich.tt", f"00000{i}", 1)
    with pytest.raises(RateLimited) as locked:
        counter(office, "quay-20").login("bich.tt", "123456", 1)
    assert "Đăng nhập sai nhiều lần" in locked.value.message and locked.value.retry_after <= 3600
    clock.advance(hours=1)
    assert counter(office, "quay-20").login("bich.tt", "123456", 1) == OFFICER


def test_a_counter_session_acts_for_its_counter_only(office):
    office.issue_ticket("HT")
    quay = counter(office, "quay-1")
    with pytest.raises(Forbidden, match="chọn quầy"):
        quay.login("bich.tt", "123456")
    quay.login("bich.tt", "123456", 1)
    with pytest.raises(Forbidden, match="quầy 1"):
        quay.call_next(2)
    with pytest.raises(Forbidden):
        quay.pause_counter(3, "Họp")
    assert quay.call_next(1).number == "A001"
    admin = OfficeGateway.embedded(office, "admin", "admin-1", Guards())
    admin.login("cuong.lv", "654321")
    admin.pause_counter(3, "Họp giao ban")  # an admin session without a counter acts for any


def test_device_alerts_are_limited_per_device(office, clock):
    k = kiosk(office)
    before = office.store.last_event_seq()
    for _ in range(5):  # a kiosk whose printer keeps failing reports it on every try
        k.report_device_problem("printer_out_of_paper", "Hết giấy")
        clock.advance(minutes=1)
    assert office.store.last_event_seq() == before + 1  # staff see it once …
    clock.advance(minutes=10)
    k.report_device_problem("printer_out_of_paper", "Hết giấy")
    assert office.store.last_event_seq() == before + 2  # … and again after ten minutes
    for i in range(10):
        k.report_device_problem(f"problem_{i}", "Lỗi")
    with pytest.raises(RateLimited):  # a device in a loop of alerts is stopped at 12 an hour
        k.report_device_problem("problem_x", "Lỗi")
    kiosk(office, "kiosk-2").report_device_problem("camera_lost", "Mất camera")  # other devices are free
    assert office.store.last_event_seq() == before + 13


def test_waits_are_said_in_words():
    assert [wait_words(s) for s in (0.2, 59, 61, 3599, 3601, 86400)] == [
        "1 giây", "59 giây", "2 phút", "60 phút", "2 giờ", "24 giờ"]
