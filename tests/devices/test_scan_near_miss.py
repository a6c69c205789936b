"""Never a wrong dossier: a code one digit off is read as exactly that code and shows nothing; a
Code128 alone never opens a dossier without the secret."""
import random
from dataclasses import replace

import pytest
from office_support import OFFICER, applicant

from devices.decoders import ScanPipeline
from office.errors import DomainError
from office.rules.codes import receipt_qr_payload
from testkit import corpus


def photographed(printed, seed: int, size=(640, 480)):
    shot = corpus.shot_for(printed, "foreign", "clean", size, random.Random(seed))
    (_, _, width), = printed.paper.targets.values()
    view = max(70.0, 1.2 * width / printed.paper.px_per_mm)
    return corpus.film(printed.paper, replace(shot, view_mm=view, roll=shot.roll / 3, offset=(0, 0)), size)


def test_codes_one_digit_off_are_read_exactly_and_show_no_dossier(svc):
    first = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    second = svc.receive_dossier("1.001193", "TH1", applicant("Trần Thị Thu Hà"), OFFICER)
    misses = corpus.near_miss(first.code)
    assert second.code in misses  # the next dossier of the day is one digit away
    pipeline = ScanPipeline()
    for i, code in enumerate(misses):
        frame = photographed(corpus.label("near", "qr", receipt_qr_payload(code, first.secret)), i)
        scan = pipeline.read(frame).scan
        if scan is None:  # a date that does not exist (month 13, day 00) is not a dossier code
            continue
        assert (scan.code, scan.secret) == (code, first.secret)  # never "corrected" into a real code
        with pytest.raises(DomainError):
            svc.kiosk_lookup(scan.code, scan.secret)
    assert svc.kiosk_lookup(first.code, first.secret).code == first.code


def test_a_code128_alone_still_asks_for_the_secret(svc):
    d = svc.receive_dossier("1.001193", "TH1", applicant(), OFFICER)
    scan = ScanPipeline().read(photographed(corpus.label("bar", "code128", d.code), 1, (1280, 720))).scan
    assert (scan.code, scan.secret, scan.symbology) == (d.code, None, "code128")
