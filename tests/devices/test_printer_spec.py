"""Printer specs and the ESC/POS job layout (rendered on Dummy, parsed back)."""
from datetime import datetime

import pytest
import zxingcpp

from devices import DeviceError, MissingLibrary, require
from devices.printer import EscposPrinter, NoPrinter, PrinterSpec, PrintFailure, parse_printer_spec
from devices.ticket_render import TicketInfo, render_ticket
from testkit.escpos_raster import extract_rasters, has_cut, stack

INFO = TicketInfo("UBND xã Tân Phú", "A012", "Hộ tịch", ("Quầy 1",), datetime(2026, 3, 2, 9, 0), 2, 8,
                  rating_token="K7M2Q9XD")


@pytest.mark.parametrize("spec, parsed", [
    ("tcp://192.0.2.7", PrinterSpec("tcp", "192.0.2.7", port=9100)),
    ("tcp://127.0.0.1:9101", PrinterSpec("tcp", "127.0.0.1", port=9101)),
    ("file:/dev/usb/lp0", PrinterSpec("file", "/dev/usb/lp0")),
    ("usb:0x0416:0x5011", PrinterSpec("usb", vendor=0x0416, product=0x5011)),
    ("serial:/dev/ttyUSB0", PrinterSpec("serial", "/dev/ttyUSB0", baudrate=9600)),
    ("serial:/dev/ttyS1:19200", PrinterSpec("serial", "/dev/ttyS1", baudrate=19200)),
    ("none", PrinterSpec("none")),
])
def test_specs(spec, parsed):
    assert parse_printer_spec(spec) == parsed


@pytest.mark.parametrize("spec", ["lp0", "tcp://", "usb:0416", "usb:zz:11", "serial:", "ftp://x"])
def test_bad_spec_names_the_forms(spec):
    with pytest.raises(DeviceError, match="tcp://HOST"):
        parse_printer_spec(spec)


def test_job_is_one_raster_and_a_cut_that_decode_back():
    printer = EscposPrinter("file:/dev/null")
    job = printer.render(render_ticket(INFO, printer.width))
    rasters = extract_rasters(job)
    assert len(rasters) == 1 and rasters[0].width == 512 and has_cut(job)
    assert [r.text for r in zxingcpp.read_barcodes(stack(rasters).convert("L"))] == ["RATE|A012|2026-03-02|K7M2Q9XD"]


def test_too_wide_image_is_refused_before_printing():
    printer = EscposPrinter("file:/dev/null")
    with pytest.raises(DeviceError, match="576 dots wide"):
        printer.render(render_ticket(INFO, 576))


def test_file_printer_missing_directory_is_offline(tmp_path):
    with pytest.raises(PrintFailure) as e:
        EscposPrinter(f"file:{tmp_path}/no/such/lp0").print_ticket(INFO)
    assert e.value.reason == "offline"


def test_no_printer_is_always_offline():
    with pytest.raises(PrintFailure):
        NoPrinter().print_ticket(INFO)


def test_missing_library_is_an_actionable_error():
    with pytest.raises(MissingLibrary, match="pip install"):
        require("no_such_device_library_xyz")
