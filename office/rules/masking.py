"""Masking of personal data for public screens (DESIGN.md §3.7)."""
from __future__ import annotations

from office.text import nfc


def mask_name(full_name: str) -> str:
    """`Nguyễn Văn An` → `Nguyễn V*** A*`: family name kept, other words reduced to an initial.

    The number of stars is fixed so the length of a name is not revealed. A one-word name
    keeps only its initial.
    """
    words = nfc(full_name).split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + "*"
    middle = [w[0] + "***" for w in words[1:-1]]
    return " ".join([words[0], *middle, words[-1][0] + "*"])
