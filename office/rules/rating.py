"""Satisfaction scales and their rules (DESIGN.md §3.5)."""
from __future__ import annotations

import secrets

from office.errors import InvalidInput
from office.model import RatingLevel

SCALES: dict[int, tuple[RatingLevel, ...]] = {
    3: (
        RatingLevel(3, "Rất hài lòng", "Very satisfied"),
        RatingLevel(2, "Hài lòng", "Satisfied"),
        RatingLevel(1, "Không hài lòng", "Not satisfied", needs_reason=True),
    ),
    5: (
        RatingLevel(5, "Rất hài lòng", "Very satisfied"),
        RatingLevel(4, "Hài lòng", "Satisfied"),
        RatingLevel(3, "Bình thường", "Neutral"),
        RatingLevel(2, "Không hài lòng", "Not satisfied", needs_reason=True),
        RatingLevel(1, "Rất không hài lòng", "Very dissatisfied", needs_reason=True),
    ),
}

MAX_REASON = 1000
TOKEN_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: a token read aloud stays right
TOKEN_LENGTH = 8  # 40 bits; guesses are locked out like lookups

NEGATIVE_REASONS_VI = (
    "Thời gian chờ lâu",
    "Cán bộ hướng dẫn chưa rõ",
    "Thái độ phục vụ chưa tốt",
    "Trả kết quả trễ hẹn",
    "Yêu cầu giấy tờ không cần thiết",
    "Cơ sở vật chất chưa tốt",
)


def scale_levels(scale: int) -> tuple[RatingLevel, ...]:
    """The levels of a 3- or 5-level scale, best first."""
    try:
        return SCALES[scale]
    except KeyError:
        raise InvalidInput(f"Thang đánh giá {scale} mức không được hỗ trợ (3 hoặc 5)") from None


def check_rating(scale: int, level: int, reason: str) -> str:
    """Validate a rating; returns the cleaned reason. Unsatisfied levels need a reason."""
    levels = {lv.value: lv for lv in scale_levels(scale)}
    if level not in levels:
        raise InvalidInput(f"Mức đánh giá {level!r} không có trong thang {scale} mức")
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Lý do quá dài (tối đa {MAX_REASON} ký tự)")
    if levels[level].needs_reason and not reason:
        raise InvalidInput(f"Vui lòng cho biết lý do \"{levels[level].label_vi}\"")
    return reason


def new_rating_token() -> str:
    """A random one-shot rating token for a queue ticket (printed in its QR)."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
