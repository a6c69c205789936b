"""A request generator for fuzzing the central API: every endpoint, every kind of token, and
bodies built from valid requests with random mutations (wrong types, huge numbers, impossible
dates, NUL and bidi characters, deep nesting, missing and extra fields, garbage bytes)."""
from __future__ import annotations

import gzip
import json
import random
import uuid
from datetime import UTC, datetime

from sync.protocol import encode_batch

AGENCY = "000.31.21.H56"  # the fuzzed office's (office-b)

NASTY = [None, True, False, 0, -1, 2 ** 31, 2 ** 63 - 1, 2 ** 63, 2 ** 64, -(2 ** 63) - 1, 10 ** 40, 1.5, 1e308,
         "", " ", "\x00", "a\x00b", "\u202e\u2066bidi", "\ufeff", "😀" * 50, "x" * 5000, "Nguyễn Văn Ấn",
         "0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00", "2026-02-30T08:00:00", "2026-03-02T08:00:00",
         "2026-03-02T08:00:00+07:00", "not a date", [], {}, [1, "a", None], {"a": {"b": {"c": [1]}}},
         "../../etc/passwd", "'; DROP TABLE events; --", "%00", "\\u0000"]
CODES = [f"{AGENCY}-260302-0001", f"{AGENCY}-260302-0002", "000.31.20.H56-260302-0001", f"{AGENCY}-260230-0001", f"{AGENCY}-991231-9999",
         "DVC-1", "x" * 300, "%00", "..%2F..%2F", "000.31.20.H56-260302-00000000001", "a b", "Ấ", "-", "0"]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


class Fuzzer:
    """Random requests against one central server whose world `setup` made (an office with a
    block and dossiers, a scoped department, the portal)."""

    def __init__(self, rng: random.Random, tokens: dict[str, str], office_id: str, hwm: int):
        self.rng = rng
        self.tokens = tokens
        self.office_id = office_id
        self.hwm = hwm

    def value(self):
        """A nasty value or a random one."""
        r = self.rng
        choice = r.random()
        if choice < 0.6:
            value = r.choice(NASTY)
            return json.loads(json.dumps(value)) if isinstance(value, (list, dict)) else value
        if choice < 0.8:
            return r.randint(-10 ** r.randint(1, 25), 10 ** r.randint(1, 25))
        return "".join(chr(r.randint(1, 0x2FFF)) for _ in range(r.randint(0, 40)))

    def mutate(self, doc):
        """A copy of a JSON document with 1–3 random changes somewhere inside."""
        doc = json.loads(json.dumps(doc))
        for _ in range(self.rng.randint(1, 3)):
            doc = self._mutate_once(doc)
        return doc

    def _mutate_once(self, doc):
        r = self.rng
        if isinstance(doc, dict) and doc and r.random() < 0.7:
            key = r.choice(list(doc))
            action = r.random()
            if action < 0.25:
                del doc[key]
            elif action < 0.4:
                doc[r.choice(["extra", "secret", "__proto__", key + "_"])] = self.value()
            elif action < 0.7 and isinstance(doc[key], (dict, list)):
                doc[key] = self._mutate_once(doc[key])
            else:
                doc[key] = self.value()
            return doc
        if isinstance(doc, list) and doc and r.random() < 0.7:
            i = r.randrange(len(doc))
            doc[i] = self._mutate_once(doc[i]) if isinstance(doc[i], (dict, list)) else self.value()
            return doc
        return self.value()

    def token(self, right: str) -> dict:
        """Mostly the token the endpoint wants, sometimes any other, a revoked or a broken one."""
        r = self.rng
        pick = r.random()
        if pick < 0.7:
            return {"Authorization": f"Bearer {self.tokens[right]}"}
        if pick < 0.85:
            return {"Authorization": f"Bearer {self.tokens[r.choice(list(self.tokens))]}"}
        return r.choice([{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwdw=="},
                         {"Authorization": "Bearer " + "A" * 5000}, {"Authorization": "Bearer mco_\u00e9"},
                         {"Authorization": "bearer  " + self.tokens["office"]}])

    # ---- bodies --------------------------------------------------------------------------

    def dossier_payload(self, seq: int) -> dict:
        code = f"{AGENCY}-260302-{seq % 900 + 100:04d}"
        return {"code": code, "procedure_code": "1.001193", "procedure_version": 1, "case_code": "TH1",
                "status": 2, "applicant": {"name": "Nguyễn Văn An", "id_number": "001203004567", "kind": 1},
                "received_at": "2026-03-02T08:00:00", "due_at": "2026-03-03T08:00:00", "channel": 1,
                "payments": [{"amount": 8000, "method": "cash"}], "components": [{"name": "Tờ khai"}],
                "steps": [{"at": "2026-03-02T08:00:00", "actor": "A", "role": "B", "department": "C",
                           "content": "D", "status": 2}]}

    def push_body(self) -> bytes:
        r = self.rng
        kind = r.random()
        if kind < 0.1:
            return r.randbytes(r.randint(0, 2000))
        if kind < 0.2:
            return gzip.compress(r.choice([nested(r.randint(10, 100_000)).encode(), b"{}", b"[1]",
                                           json.dumps(self.value()).encode()]))
        after = r.choice([self.hwm, self.hwm, 0, self.hwm + 5, 2 ** 63 - 1, -1])
        events = []
        for i in range(r.randint(0, 4)):
            seq = after + 1 + i
            entity, kind_ = r.choice([("dossier", "received"), ("dossier", "status"), ("dossier", "extended"),
                                      ("dossier", "online_refused"), ("dossier", "central_update_rejected"),
                                      ("dossier", "something_new"), ("ticket", "issued"), ("rating", "rated")])
            payload = self.dossier_payload(seq)
            if kind_ == "status":
                payload = {"code": payload["code"], "step": payload["steps"][0] | {"status": 4}}
            if r.random() < 0.8:
                payload = self.mutate(payload)
            text = json.dumps(payload, ensure_ascii=False) if r.random() < 0.9 else r.choice(
                ["{", "{}" * 3, "{" + nested(5000) + "}", '{"a":1}\n{"b":2}', "{\"a\": NaN}"])
            code = payload.get("code") if isinstance(payload, dict) and isinstance(payload.get("code"), str) else "x"
            at = r.choice(["2026-03-02T08:00:00", "2026-03-01T23:59:59", "2026-02-30T08:00:00", "2026-03-02 08:00:00"])
            events.append((seq, str(uuid.uuid4()), self.office_id, entity, code[:200] or "x", kind_, text, at, 1))
        try:
            body = encode_batch(self.office_id, max(after, 0), events, datetime.now(UTC), level=1)
        except (ValueError, TypeError, OverflowError):
            body = b""
        if body and r.random() < 0.3:
            raw = gzip.decompress(body).split(b"\n")
            header = json.loads(raw[0])
            header = self.mutate(header) if r.random() < 0.7 else header
            raw[0] = json.dumps(header).encode()
            if len(raw) > 1 and r.random() < 0.5:
                i = r.randrange(1, len(raw))
                try:
                    raw[i] = json.dumps(self.mutate(json.loads(raw[i]))).encode()
                except (ValueError, RecursionError):
                    raw[i] = r.randbytes(20)
            body = gzip.compress(b"\n".join(raw))
            if r.random() < 0.2:
                body = body[: r.randrange(len(body))] if r.random() < 0.5 else body + r.randbytes(5)
        return body

    def step_body(self):
        good = {"status": 4, "actor": "Lê Văn Cường", "role": "Chuyên viên", "content": "Thụ lý",
                "at": "2026-03-02T09:00:00+07:00", "request_id": f"fuzz-{self.rng.randrange(10 ** 6):08d}"}
        return self.mutate(good) if self.rng.random() < 0.85 else good

    def submission(self):
        good = {"ref": f"DVC-{self.rng.randrange(10 ** 6)}", "office_id": self.rng.choice([self.office_id, "office-a"]), "procedure_code": "1.001193",
                "case_code": "TH1", "applicant": {"name": "Trần Thị Bình"}, "submitted_at": "2026-03-01T21:00:00",
                "components": [{"name": "Tờ khai", "digitized": True}]}
        return self.mutate(good) if self.rng.random() < 0.85 else good

    def observe(self, method: str, path: str, status: int, answer: bytes) -> None:
        """Follow the office's hwm from push answers, so later pushes reach the store."""
        if path == "/v1/push" and status == 200:
            self.hwm = json.loads(answer)["hwm"]

    # ---- requests ------------------------------------------------------------------------

    def request(self) -> tuple[str, str, dict]:
        """(method, path, requests keyword arguments) of one random request."""
        r = self.rng
        code = r.choice(CODES)
        choice = r.randrange(12)
        right = {3: "department", 4: "inspector", 5: "department", 6: "inspector", 7: "portal", 8: "portal"}
        headers = self.token(right.get(choice, "office"))
        if choice == 0:
            return "POST", "/v1/push", {"headers": headers, "data": self.push_body()}
        if choice == 1:
            params = {k: self.value() for k in r.sample(["after", "limit", "x"], r.randint(0, 3))}
            return "GET", "/v1/pull", {"headers": headers, "params": params}
        if choice == 2:
            return "GET", r.choice(["/v1/office", "/v1/reconcile", "/v1/health"]), {"headers": headers}
        if choice in (3, 4):
            body = self.step_body()
            data = json.dumps(body, ensure_ascii=False).encode() if r.random() < 0.9 else r.choice(
                [b"", b"{", nested(20000).encode(), r.randbytes(100), b'{"status": NaN}'])
            return "POST", f"/v1/dossiers/{code}/steps", {"headers": {**headers, "Content-Type": "application/json"},
                                                          "data": data}
        if choice == 5:
            return "GET", f"/v1/dossiers/{code}", {"headers": headers}
        if choice == 6:
            params = {k: self.value() for k in r.sample(["status", "office", "after", "limit"], r.randint(0, 4))}
            return "GET", "/v1/dossiers", {"headers": headers, "params": params}
        if choice == 7:
            return "POST", "/v1/online", {"headers": {**headers, "Content-Type": "application/json"},
                                          "data": json.dumps(self.submission(), ensure_ascii=False).encode()}
        if choice == 8:
            return "GET", f"/v1/online/{r.choice(CODES)}", {"headers": headers}
        if choice == 9:
            return r.choice(["PUT", "DELETE", "PATCH", "GET"]), r.choice(
                ["/v1/push", "/", "/v1/nothing", "/docs", "/openapi.json", "/v1/dossiers/x/steps/y"]), {"headers": headers}
        if choice == 10:  # chunked: no Content-Length
            body = self.push_body()
            return "POST", "/v1/push", {"headers": headers, "data": iter([body[:7], body[7:]])}
        return "GET", "/v1/pull", {"headers": headers, "params": {"after": r.choice([0, self.hwm, 2 ** 63]),
                                                                 "limit": r.choice([1, 5000, 5001])}}
