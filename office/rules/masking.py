"""Masking of personal data for public screens (DESIGN.md §3.7)."""
from __future__ import annotations

from office.text import nfc

HONORIFICS = frozenset({"ông", "bà", "anh", "chị", "ông/bà", "anh/chị"})


def mask_name(full_name: str) -> str:
    """`Nguyễn Văn An` → `Nguyễn V*** A*`: family name kept, other words reduced to an initial.

    A leading honorific (Ông, Bà, Anh, Chị) is dropped first, so "Bà Trần Thị Mai" shows the
    family name, not "Bà". The number of stars is fixed so the length of a name is not
    revealed. A one-word name keeps only its initial.
    """
    words = nfc(full_name).split()
    while len(words) > 2 and words[0].casefold().rstrip(".:,") in HONORIFICS:
        words = words[1:]
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + "*"
    middle = [w[0] + "***" for w in words[1:-1]]
    return " ".join([words[0], *middle, words[-1][0] + "*"])
