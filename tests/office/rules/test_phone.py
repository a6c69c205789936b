"""Vietnamese phone numbers as typed at the counter (office.text.phone)."""
import pytest

from office.text import phone


@pytest.mark.parametrize(("typed", "digits"), [
    ("0912345678", "0912345678"),
    ("0912 345 678", "0912345678"),
    ("0912.345.678", "0912345678"),
    ("+84 912 345 678", "0912345678"),
    ("84912345678", "0912345678"),
    ("0356789012", "0356789012"),  # Viettel 03x since 2018
    ("0589123456", "0589123456"),
    ("0701234567", "0701234567"),
    ("0812345678", "0812345678"),
    ("024 3825 1234", "02438251234"),  # Hà Nội landline, 11 digits
    ("(0236) 382 1234", "02363821234"),  # Đà Nẵng
])
def test_mobile_and_landline_numbers_are_read_as_their_digits(typed, digits):
    assert phone(typed) == digits


@pytest.mark.parametrize("typed", ["", "091234567", "09123456789", "0112345678", "0412345678",
                                   "0212345678", "1900 1234", "091234567a", "+1 212 555 0100", "０９１２３４５６７８"])
def test_anything_else_is_not_a_phone_number(typed):
    assert phone(typed) is None
