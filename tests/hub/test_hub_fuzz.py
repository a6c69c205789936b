"""Fuzz every operation of /openapi.json with schemathesis (valid and invalid inputs), as every
role and as nobody: never a 5xx.

By default 4 examples per operation, mode and caller (about 1,500 requests, a slow test run with
the suite); HUB_FUZZ_EXAMPLES=30 makes it the full run of about 11,000 requests:
`HUB_FUZZ_EXAMPLES=30 .venv/bin/python -m pytest tests/hub/test_hub_fuzz.py -s -n 0`."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from office_support import applicant
from schemathesis import GenerationMode

from hub import api

EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "4"))  # per operation, mode and caller


@pytest.mark.slow
def test_no_input_makes_the_hub_fail(make_hub):
    hub = make_hub(hub_options={"docs": True})
    counter = hub.client("quay-1", "bich.tt")
    counter.receive_dossier("1.001193", "TH1", applicant())
    hub.client("kiosk-1").issue_ticket("HT")
    def caller(device: str | None, staff: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {hub.tokens[device]}"} if device else {}
        return headers | ({api.STAFF_HEADER: hub.session(device, staff)} if staff else {})

    callers = {"nobody": caller(None), "kiosk": caller("kiosk-1"), "display": caller("bang-1"),
               "counter": caller("quay-1", "bich.tt"), "admin": caller("admin-1", "cuong.lv")}
    schema = schemathesis.openapi.from_url(hub.url + "/openapi.json")
    failures, cases, now = [], 0, {"caller": ""}
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == api.FEED_PATH or operation.method.upper() == "DELETE":
            continue  # an endless stream; logging the fuzzing session out
        for who, headers in callers.items():
            now["caller"] = who
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
                          suppress_health_check=list(HealthCheck))
                @given(case=operation.as_strategy(generation_mode=mode, headers=dict(headers)))
                def fuzz(case):
                    nonlocal cases
                    cases += 1
                    response = case.call(base_url=hub.url, timeout=10)
                    if response.status_code >= 500:
                        failures.append(f"{now['caller']}: {case.method} {case.path} {case.body!r} {case.query!r} → "
                                        f"{response.status_code} {response.text[:200]}")

                try:
                    fuzz()
                except Unsatisfiable:  # nothing in this operation can be made invalid
                    assert mode == GenerationMode.NEGATIVE, operation.path
    print(f"fuzz: {cases} requests, {len(failures)} 5xx")
    assert not failures, "\n".join(failures[:10])
    assert cases >= 200 * EXAMPLES
