"""The A4 printer port for counter forms: `print_pdf(pdf, title) -> where it went`.

Adapters: CupsPrinter (a CUPS queue through the `lp` command of cups-client), FolderPrinter
(saves `<title>.pdf` in a folder — no printer, or a shared folder a print server watches) and
RecordingA4Printer (the fake). Every failure is PrinterUnavailable with a message for staff,
so the form can be saved or printed again later; nothing is lost.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from devices import DeviceError


class PrinterUnavailable(DeviceError):
    """The A4 printer could not take the job; `message` says why, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class A4Printer(Protocol):
    """Prints A4 PDF documents."""

    def describe(self) -> str:
        """Where jobs go, for people."""

    def print_pdf(self, pdf: bytes, title: str) -> str:
        """Send one PDF; returns the job id or file it became; PrinterUnavailable on failure."""


def _check_pdf(pdf: bytes) -> None:
    if not pdf.startswith(b"%PDF-"):
        raise PrinterUnavailable("Tài liệu gửi in không phải tệp PDF")


def _file_name(title: str) -> str:
    """A title as a safe file name: no path separators or control characters, at most 120 chars."""
    name = re.sub(r"[\x00-\x1f/\\:*?\"<>|]+", "_", " ".join(title.split())).strip(" ._")
    return name[:120] or "tai-lieu"


class CupsPrinter:
    """A CUPS print queue, through `lp -d NAME` (package cups-client)."""

    def __init__(self, name: str, lp: str = "lp", timeout: float = 30.0):
        """`name`: the CUPS queue; `lp`: the command to run (found on PATH)."""
        if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,127}", name):
            raise DeviceError(f"tên máy in CUPS không hợp lệ: {name!r}")
        self.name, self.lp, self.timeout = name, lp, timeout

    def describe(self) -> str:
        """The queue name."""
        return f"cups:{self.name}"

    def print_pdf(self, pdf: bytes, title: str) -> str:
        """Queue the PDF on A4 paper; returns the CUPS job id (e.g. "may-in-1-42")."""
        _check_pdf(pdf)
        with tempfile.NamedTemporaryFile(suffix=".pdf", prefix="mau-") as handle:
            handle.write(pdf)
            handle.flush()
            command = [self.lp, "-d", self.name, "-t", _file_name(title), "-o", "media=A4", "--", handle.name]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=self.timeout)
            except FileNotFoundError:
                raise PrinterUnavailable("Chưa cài lệnh in `lp` (gói cups-client) trên máy này") from None
            except subprocess.TimeoutExpired:
                raise PrinterUnavailable(f"Máy in {self.name} không phản hồi sau {self.timeout:g} giây") from None
        if done.returncode != 0:
            detail = " ".join(done.stderr.split())[:200] or f"mã lỗi {done.returncode}"
            raise PrinterUnavailable(f"Máy in {self.name} không nhận lệnh in: {detail}")
        job = re.search(r"request id is (\S+)", done.stdout)
        return job.group(1) if job else self.name


class FolderPrinter:
    """Saves each document as `<title>.pdf` in a folder (never overwriting an earlier one)."""

    def __init__(self, directory: str | Path):
        """Documents go to `directory` (created when the first one is saved)."""
        self.directory = Path(directory)

    def describe(self) -> str:
        """The folder."""
        return f"file:{self.directory}"

    def print_pdf(self, pdf: bytes, title: str) -> str:
        """Save the PDF; returns its path."""
        _check_pdf(pdf)
        base = _file_name(title)
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)  # forms hold personal data
            for n in range(1, 10_000):
                path = self.directory / (f"{base}.pdf" if n == 1 else f"{base} ({n}).pdf")
                try:  # exclusive (two counters never overwrite each other), readable by its owner only
                    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                        out.write(pdf)
                        out.flush()
                        os.fsync(out.fileno())
                    return str(path)
                except FileExistsError:
                    continue
        except OSError as e:
            raise PrinterUnavailable(f"Không lưu được tài liệu vào {self.directory}: {e.strerror or e}") from None
        raise PrinterUnavailable(f"Thư mục {self.directory} đã có quá nhiều tài liệu tên {base!r}")


@dataclass
class RecordingA4Printer:
    """The fake: keeps every job (title, PDF); set `unavailable` to a message to make it fail."""

    jobs: list[tuple[str, bytes]] = field(default_factory=list)
    unavailable: str | None = None

    def describe(self) -> str:
        """A fake printer."""
        return "fake"

    def print_pdf(self, pdf: bytes, title: str) -> str:
        """Record the job; returns "fake-N"."""
        _check_pdf(pdf)
        if self.unavailable:
            raise PrinterUnavailable(self.unavailable)
        self.jobs.append((title, pdf))
        return f"fake-{len(self.jobs)}"


class NoA4Printer:
    """No A4 printer configured ("none"): every print says so, so staff save the PDF instead."""

    def describe(self) -> str:
        """No printer."""
        return "none"

    def print_pdf(self, pdf: bytes, title: str) -> str:
        """Always PrinterUnavailable."""
        raise PrinterUnavailable("Chưa cấu hình máy in A4 (cups:TÊN hoặc file:THƯ_MỤC)")


def open_a4_printer(spec: str) -> A4Printer:
    """An A4 printer from a spec: "cups:NAME", "file:DIR" or "none"."""
    kind, _, target = spec.strip().partition(":")
    if kind == "cups" and target:
        return CupsPrinter(target)
    if kind == "file" and target:
        return FolderPrinter(target)
    if kind == "none" and not target:
        return NoA4Printer()
    raise DeviceError(f"máy in A4 {spec!r} không hợp lệ; dùng cups:TÊN, file:THƯ_MỤC hoặc none")
