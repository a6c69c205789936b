"""The two roots of everything that can go wrong, and nothing else.

`DomainError`: a rule of the office said no (bad input, wrong state, not allowed, too many
attempts). It is answered with a 4xx on the wire and shown to the person in plain words.

`Unavailable`: something could not answer — a device, the hub, the central server, the disk.
Retrying later may work; screens show it as a status light, never as the person's fault.

Screens and adapters catch these classes; they never compare code strings.
"""
from __future__ import annotations


class DomainError(Exception):
    """A rule of the office was broken; `code` is machine-readable, the message is for people."""

    code = "domain_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "invalid_input"


class PayloadTooLarge(InvalidInput):
    """A request is larger than the office accepts."""

    code = "payload_too_large"


class IdentityCardScanned(InvalidInput):
    """A chip ID card's QR was scanned where a receipt was expected (its contents never echoed)."""

    code = "identity_card_scanned"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class Conflict(DomainError):
    code = "conflict"


class SequenceExhausted(DomainError):
    code = "sequence_exhausted"


class OutsideHours(DomainError):
    code = "outside_hours"


class Unauthorized(DomainError):
    """No valid credential: missing, unknown or revoked device token, wrong PIN."""

    code = "unauthorized"


class UnknownDevice(Unauthorized):
    """The device's token is missing, unknown or revoked: the office does not serve this device."""

    code = "unknown_device"


class StaffLoginRequired(Unauthorized):
    """The device may do this, but only with a staff member logged in."""

    code = "staff_login_required"


class Forbidden(DomainError):
    """The credential is valid but its role may not do this."""

    code = "forbidden"


class RateLimited(DomainError):
    """Too many failed attempts; `retry_after` seconds until the next one is accepted."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: float = 0.0):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(Exception):
    """A device, the hub, the central server or the disk could not answer: retry, show a light.

    `message` is for staff and logs (it may name a device or an address); citizens see a
    translated sentence chosen by the class, never this text."""

    code = "unavailable"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StoreUnavailable(Unavailable):
    """The office store could not answer: its disk is full or failing, or it stayed locked."""

    code = "store_unavailable"
