"""One contract for every printer adapter: the fake and ESC/POS over TCP to a listener."""
from datetime import datetime

import pytest

from devices.printer import Paper, PrintFailure
from devices.ticket_render import TicketInfo


def info(number):
    return TicketInfo("Trung tâm Phục vụ hành chính công xã Tân Phú", number, "Hộ tịch – Chứng thực",
                      ("Quầy 1", "Quầy 2"), datetime(2026, 3, 2, 8, 15), 3, 9, rating_token="K7M2Q9XD")


def test_prints_the_ticket_whose_qr_decodes_to_its_number(printer_harness):
    assert printer_harness.printer.print_ticket(info("A102")) in (Paper.OK, Paper.UNKNOWN)
    printer_harness.printer.print_ticket(info("A103"))
    assert printer_harness.printed_numbers() == ["A102", "A103"]


def test_reports_paper_status(printer_harness):
    assert printer_harness.printer.status() == Paper.OK
    printer_harness.set_paper(Paper.LOW)
    assert printer_harness.printer.status() == Paper.LOW


def test_low_paper_still_prints_and_says_so(printer_harness):
    printer_harness.set_paper(Paper.LOW)
    assert printer_harness.printer.print_ticket(info("B007")) == Paper.LOW
    assert printer_harness.printed_numbers() == ["B007"]


def test_out_of_paper_prints_nothing_and_fails_with_no_paper(printer_harness):
    printer_harness.set_paper(Paper.OUT)
    with pytest.raises(PrintFailure) as e:
        printer_harness.printer.print_ticket(info("A104"))
    assert e.value.reason == "no_paper"
    assert printer_harness.printed_numbers() == []
    printer_harness.set_paper(Paper.OK)  # paper refilled: the reprint works
    printer_harness.printer.print_ticket(info("A104"))
    assert printer_harness.printed_numbers() == ["A104"]


def test_offline_printer_fails_with_offline(printer_harness):
    printer_harness.go_offline()
    with pytest.raises(PrintFailure) as e:
        printer_harness.printer.print_ticket(info("A105"))
    assert e.value.reason == "offline"
    with pytest.raises(PrintFailure):
        printer_harness.printer.status()
