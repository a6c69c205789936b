"""One contract for every A4 printer adapter — the fake, the folder, and CUPS through a fake `lp`
on PATH (it records its argv and the file, and fails with a non-zero exit on demand) — printing
a real receipt PDF."""
from __future__ import annotations

import json
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from office_support import OFFICER, applicant

import forms
from devices import DeviceError
from devices.a4printer import (
    CupsPrinter,
    FolderPrinter,
    NoA4Printer,
    PrinterUnavailable,
    RecordingA4Printer,
    open_a4_printer,
)
from office.model import ReceivedComponent

FAKE_LP = '''#!{python}
"""A stand-in for CUPS' lp: records argv and the file; fails while FAIL exists."""
import json, shutil, sys
from pathlib import Path
record = Path({record!r})
if (record / "FAIL").exists():
    sys.stderr.write("lp: Error - The printer or class does not exist.\\n")
    sys.exit(1)
n = len(list(record.glob("job-*.json"))) + 1
shutil.copy(sys.argv[-1], record / f"job-{{n}}.pdf")
(record / f"job-{{n}}.json").write_text(json.dumps(sys.argv[1:]))
print(f"request id is {{sys.argv[2]}}-{{n}} (1 file(s))")
'''


@dataclass
class Harness:
    """An adapter plus what it really printed, and a way to make it fail."""

    printer: object
    printed: Callable[[], list[tuple[str, bytes]]]
    set_broken: Callable[[bool], None]


def fake_harness(tmp_path, monkeypatch) -> Harness:
    printer = RecordingA4Printer()
    return Harness(printer, lambda: list(printer.jobs),
                   lambda broken: setattr(printer, "unavailable", "Máy in hết giấy" if broken else None))


def folder_harness(tmp_path, monkeypatch) -> Harness:
    folder = tmp_path / "in"

    def printed():
        files = sorted(folder.glob("*.pdf"), key=lambda p: p.stat().st_mtime_ns) if folder.is_dir() else []
        return [(p.stem, p.read_bytes()) for p in files]

    def set_broken(broken):  # a file where the folder should be: saving fails
        moved = tmp_path / "moved"
        if broken:
            if folder.exists():
                folder.rename(moved)
            folder.write_text("not a folder")
        else:
            folder.unlink()
            if moved.exists():
                moved.rename(folder)

    return Harness(FolderPrinter(folder), printed, set_broken)


def cups_harness(tmp_path, monkeypatch) -> Harness:
    bin_dir, record = tmp_path / "bin", tmp_path / "lp-record"
    bin_dir.mkdir()
    record.mkdir()
    lp = bin_dir / "lp"
    lp.write_text(FAKE_LP.format(python=sys.executable, record=str(record)))
    lp.chmod(lp.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")

    def printed():
        jobs = []
        for n in range(1, len(list(record.glob("job-*.json"))) + 1):
            argv = json.loads((record / f"job-{n}.json").read_text())
            assert argv[:2] == ["-d", "may-in-quay-1"] and ["-o", "media=A4"] == argv[4:6] and argv[6] == "--"
            jobs.append((argv[argv.index("-t") + 1], (record / f"job-{n}.pdf").read_bytes()))
        return jobs

    def set_broken(broken):
        if broken:
            (record / "FAIL").touch()
        else:
            (record / "FAIL").unlink()

    return Harness(CupsPrinter("may-in-quay-1"), printed, set_broken)


@pytest.fixture(params=[fake_harness, folder_harness, cups_harness], ids=["fake", "folder", "cups"])
def a4(request, tmp_path, monkeypatch) -> Harness:
    return request.param(tmp_path, monkeypatch)


@pytest.fixture
def receipt_pdf(svc) -> tuple[str, bytes]:
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER,
                            components=(ReceivedComponent("Tờ khai đăng ký khai sinh", 1),
                                        ReceivedComponent("Giấy chứng sinh", 1)))
    return d.code, forms.receipt(svc, d.code, d.secret)


def test_prints_the_document_whole_with_its_title(a4, receipt_pdf):
    code, pdf = receipt_pdf
    first = a4.printer.print_pdf(pdf, f"Giấy tiếp nhận {code}")
    second = a4.printer.print_pdf(pdf, f"Giấy tiếp nhận {code}")  # a reprint is a second job, not lost
    assert first and second and first != second
    assert [title for title, _ in a4.printed()][:1] == [f"Giấy tiếp nhận {code}"]
    assert [body for _, body in a4.printed()] == [pdf, pdf]


def test_failure_is_printer_unavailable_and_a_retry_works(a4, receipt_pdf):
    code, pdf = receipt_pdf
    a4.set_broken(True)
    with pytest.raises(PrinterUnavailable) as e:
        a4.printer.print_pdf(pdf, "Giấy tiếp nhận")
    assert e.value.message and a4.printed() == []
    a4.set_broken(False)
    a4.printer.print_pdf(pdf, "Giấy tiếp nhận")
    assert [body for _, body in a4.printed()] == [pdf]


def test_refuses_what_is_not_a_pdf(a4):
    with pytest.raises(PrinterUnavailable, match="PDF"):
        a4.printer.print_pdf(b"hello", "x")
    assert a4.printed() == []


def test_cups_job_id_and_lp_errors(tmp_path, monkeypatch, receipt_pdf):
    harness = cups_harness(tmp_path, monkeypatch)
    assert harness.printer.print_pdf(receipt_pdf[1], "a/b: c") == "may-in-quay-1-1"
    assert harness.printed()[0][0] == "a_b_ c"  # no path separators reach lp's title
    harness.set_broken(True)
    with pytest.raises(PrinterUnavailable, match="printer or class does not exist"):
        harness.printer.print_pdf(receipt_pdf[1], "x")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(PrinterUnavailable, match="cups-client"):
        harness.printer.print_pdf(receipt_pdf[1], "x")


def test_folder_never_overwrites(tmp_path, receipt_pdf):
    printer = FolderPrinter(tmp_path / "out")
    paths = [printer.print_pdf(receipt_pdf[1], "Mẫu 01") for _ in range(3)]
    assert [Path(p).name for p in paths] == ["Mẫu 01.pdf", "Mẫu 01 (2).pdf", "Mẫu 01 (3).pdf"]


def test_open_a4_printer_by_spec(tmp_path):
    assert isinstance(open_a4_printer("cups:may-in-1"), CupsPrinter)
    assert open_a4_printer(f"file:{tmp_path}").describe() == f"file:{tmp_path}"
    none = open_a4_printer("none")
    assert isinstance(none, NoA4Printer)
    with pytest.raises(PrinterUnavailable):
        none.print_pdf(b"%PDF-1.4", "x")
    for bad in ("cups:", "lpt1", "file:", "cups:bad name"):
        with pytest.raises(DeviceError):
            open_a4_printer(bad)
