"""Fuzz every operation of /openapi.json with schemathesis (valid and invalid inputs): never a 5xx."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from office_support import applicant
from schemathesis import GenerationMode

from hub import api
from office.port import USE_CASES

EXAMPLES = 8  # per operation and mode: a few hundred requests in all


@pytest.mark.slow
def test_no_input_makes_the_hub_fail(make_hub):
    hub = make_hub(hub_options={"docs": True})
    counter = hub.client("quay-1", "bich.tt")
    counter.receive_dossier("1.001193", "TH1", applicant())
    hub.client("kiosk-1").issue_ticket("HT")
    staff = {"Authorization": f"Bearer {hub.tokens['admin-1']}",
             api.STAFF_HEADER: hub.session("admin-1", "bich.tt")}
    kiosk = {"Authorization": f"Bearer {hub.tokens['kiosk-1']}"}
    by_path = {api.path(name): use for name, use in USE_CASES.items()}
    schema = schemathesis.openapi.from_url(hub.url + "/openapi.json")
    failures, cases = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == api.FEED_PATH or operation.method.upper() == "DELETE":
            continue  # an endless stream; logging the fuzzing session out
        op = by_path.get(operation.path)
        headers = kiosk if op is not None and "admin" not in op.access else staff
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode, headers=dict(headers)))
            def fuzz(case):
                nonlocal cases
                cases += 1
                response = case.call(base_url=hub.url, timeout=10)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.path} {case.body!r} {case.query!r} → "
                                    f"{response.status_code} {response.text[:200]}")

            try:
                fuzz()
            except Unsatisfiable:  # nothing in this operation can be made invalid
                assert mode == GenerationMode.NEGATIVE, operation.path
    assert not failures, "\n".join(failures[:10])
    assert cases >= 200
