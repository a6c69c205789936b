"""The QĐ 766/QĐ-TTg service-quality indices an office can compute from its own data
(DESIGN.md §3.9), each with its formula and its inputs so anyone can check the figure.

Pure: functions over plain rows (dicts with ISO date-times, as the store returns them), one row
per dossier touched by the period (received in it, ended in it, or open at its end), with:
code, procedure_code, procedure_name, status, channel, fee, received_at, due_at, paused_at,
finished_at, supplement_count, e_result, digitized, reused, paid_online, synced, rating_level,
rating_scale. Every index is a dict: code, group, name, formula, inputs (label → number),
value (a percentage or a number of days, None when there is nothing to measure) and unit.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from office.rules.rating import SCALES
from office.rules.reports import percent

ENDED = frozenset({3, 7, 8, 9, 10})  # refused, withdrawn, stopped, result ready, returned
RESOLVED = frozenset({9, 10})
GROUPS = {"1": "Công khai, minh bạch", "2": "Tiến độ giải quyết", "3": "Dịch vụ trực tuyến",
          "4": "Số hóa hồ sơ", "5": "Mức độ hài lòng"}
CHANNELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính công ích"}


def _t(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _index(code: str, name: str, formula: str, inputs: dict, value, unit: str = "%", **extra) -> dict:
    return {"code": code, "group": GROUPS[code[0]], "name": name, "formula": formula, "inputs": inputs,
            "value": value, "unit": unit, **extra}


def value_text(index: dict) -> str:
    """An index's result for people: "83,3%", "2,5 ngày làm việc", or "–" with nothing to measure."""
    value = index["value"]
    if value is None:
        return "–"
    number = f"{value:.1f}".replace(".", ",")
    return f"{number}%" if index["unit"] == "%" else f"{number} {index['unit']}"


def inputs_text(index: dict) -> str:
    """An index's inputs in one line: "Hồ sơ tiếp nhận trong kỳ: 120; Đã đồng bộ: 118" (and, for
    2.2, each procedure: "Đăng ký khai sinh: 12 hồ sơ, 2,5 ngày")."""
    def show(v):
        return "–" if v is None else f"{v:g}".replace(".", ",") if isinstance(v, float) else str(v)
    parts = [f"{label}: {show(v)}" for label, v in index["inputs"].items()]
    parts += [f"{name}: {n} hồ sơ, {show(days)} ngày" for _, name, n, days in index.get("by_procedure", ())]
    return "; ".join(parts)


def unsatisfied(level: int | None, scale: int | None) -> bool:
    """A "Không hài lòng" (or worse) rating: a level of its scale that asks for a reason."""
    return any(lv.value == level and lv.needs_reason for lv in SCALES.get(scale, ()))


def timeliness_set(rows: list[dict], start: datetime, end: datetime) -> tuple[list[dict], list[dict], list[dict]]:
    """The dossiers index 2.1 judges over [start, end): (ended in the period on time, ended in the
    period late, open at `end` and already past due). Ended on time means finished by its due
    date with at most one supplement request; an open dossier paused (status 5, or 6 where the
    clock stops) is judged at the moment it was paused."""
    on_time, late, overdue = [], [], []
    for r in rows:
        finished = _t(r["finished_at"])
        if r["status"] in ENDED and finished is not None and start <= finished < end:
            good = finished <= _t(r["due_at"]) and r["supplement_count"] <= 1
            (on_time if good else late).append(r)
        elif r["status"] != 1 and _t(r["received_at"]) < end and (finished is None or finished >= end):
            paused = _t(r["paused_at"])
            at = min(end, paused) if paused is not None and finished is None else end
            if _t(r["due_at"]) < at:
                overdue.append(r)
    return on_time, late, overdue


def tally(rows: Iterable[dict], start: datetime, end: datetime,
          working_days: Callable[[datetime, datetime], float]) -> dict:
    """The inputs of the indices over [start, end), counted from dossier rows (see `from_tally`
    for the keys); `working_days(a, b)` is the office calendar's working time between two
    instants, in days."""
    rows = list(rows)
    received = [r for r in rows if start <= _t(r["received_at"]) < end]
    on_time, late, overdue = timeliness_set(rows, start, end)
    resolved = [r for r in rows if r["status"] in RESOLVED and r["finished_at"]
                and start <= _t(r["finished_at"]) < end]
    per_procedure: dict[str, list[float]] = {}
    names = {}
    for r in resolved:
        per_procedure.setdefault(r["procedure_code"], []).append(working_days(_t(r["received_at"]),
                                                                              _t(r["finished_at"])))
        names[r["procedure_code"]] = r["procedure_name"]
    charged = [r for r in received if r["fee"] > 0]
    return {"received": len(received), "synced": sum(bool(r["synced"]) for r in received),
            "on_time": len(on_time), "late": len(late), "overdue": len(overdue),
            "multi_supplement": sum(r["supplement_count"] > 1 for r in on_time + late),
            "resolved": len(resolved), "e_results": sum(bool(r["e_result"]) for r in resolved),
            "resolution_days": [[code, names[code], len(ds), sum(ds)] for code, ds in sorted(per_procedure.items())],
            **{f"channel_{c}": sum(r["channel"] == c for r in received) for c in CHANNELS},
            "fee_procedures": len({r["procedure_code"] for r in charged}),
            "paid_procedures": len({r["procedure_code"] for r in charged if r["paid_online"]}),
            "charged": len(charged), "paid_online": sum(bool(r["paid_online"]) for r in charged),
            "digitized": sum(bool(r["digitized"]) for r in received),
            "reused": sum(bool(r["reused"]) for r in received),
            "unhappy": sum(unsatisfied(r["rating_level"], r["rating_scale"]) for r in on_time + late + overdue)}


def indices(rows: Iterable[dict], start: datetime, end: datetime,
            working_days: Callable[[datetime, datetime], float]) -> list[dict]:
    """Indices 1.4, 2.1, 2.2, 3.3, 3.5, 3.6, 4.1, 4.2, 4.3 and 5.4 over [start, end) from dossier
    rows; `working_days(a, b)` is the office calendar's working time between two instants, in days."""
    return from_tally(tally(rows, start, end, working_days))


def from_tally(t: dict) -> list[dict]:
    """The indices from their counted inputs (`tally`, or the same counts summed over offices by
    the provincial system): received, synced, on_time, late, overdue, multi_supplement, resolved,
    e_results, resolution_days ([procedure code, name, dossiers, working days summed]; None when
    the days were not counted), channel_1..3, fee_procedures, paid_procedures, charged,
    paid_online, digitized, reused, unhappy."""
    n = t["received"]
    judged = t["on_time"] + t["late"] + t["overdue"]
    out = [_index("1.4", "Tỷ lệ hồ sơ được đồng bộ lên hệ thống của tỉnh để gửi Cổng DVCQG",
                  "Hồ sơ tiếp nhận trong kỳ đã gửi lên hệ thống của tỉnh / Hồ sơ tiếp nhận trong kỳ × 100",
                  {"Hồ sơ tiếp nhận trong kỳ": n, "Đã đồng bộ": t["synced"]}, percent(t["synced"], n))]

    out.append(_index("2.1", "Tỷ lệ hồ sơ giải quyết đúng hạn",
                      "Hồ sơ kết thúc đúng hoặc trước hạn / (Hồ sơ kết thúc trong kỳ + Hồ sơ chưa kết thúc đã quá "
                      "hạn tại cuối kỳ) × 100; hồ sơ yêu cầu bổ sung quá 1 lần tính là quá hạn",
                      {"Kết thúc đúng hoặc trước hạn": t["on_time"], "Kết thúc quá hạn": t["late"],
                       "— trong đó bổ sung quá 1 lần": t["multi_supplement"],
                       "Chưa kết thúc, đã quá hạn tại cuối kỳ": t["overdue"]},
                      percent(t["on_time"], judged)))

    days = t["resolution_days"]
    total_days = None if days is None else sum(d for *_, d in days)
    out.append(_index("2.2", "Thời gian giải quyết trung bình",
                      "Tổng số ngày làm việc từ khi tiếp nhận đến khi có kết quả / Số hồ sơ có kết quả trong kỳ "
                      "(theo từng thủ tục và chung)",
                      {"Hồ sơ có kết quả trong kỳ": t["resolved"],
                       "Tổng số ngày làm việc": None if total_days is None else round(total_days, 1)},
                      None if total_days is None or not t["resolved"] else round(total_days / t["resolved"], 1),
                      "ngày làm việc",
                      by_procedure=[[code, name, k, round(d / k, 1)] for code, name, k, d in days or ()]))

    by_channel = {label: t[f"channel_{c}"] for c, label in CHANNELS.items()}
    out.append(_index("3.3", "Tỷ lệ hồ sơ trực tuyến",
                      "Hồ sơ nộp trực tuyến / Hồ sơ tiếp nhận trong kỳ × 100 (theo kênh: trực tiếp, trực tuyến, "
                      "bưu chính)", {"Hồ sơ tiếp nhận trong kỳ": n, **by_channel}, percent(t["channel_2"], n)))
    out.append(_index("3.5", "Tỷ lệ thủ tục có giao dịch thanh toán trực tuyến",
                      "Thủ tục có ít nhất 1 hồ sơ thanh toán trực tuyến / Thủ tục có thu phí, lệ phí phát sinh "
                      "hồ sơ trong kỳ × 100",
                      {"Thủ tục có thu phí phát sinh hồ sơ": t["fee_procedures"],
                       "Có thanh toán trực tuyến": t["paid_procedures"]},
                      percent(t["paid_procedures"], t["fee_procedures"])))
    out.append(_index("3.6", "Tỷ lệ hồ sơ thanh toán trực tuyến",
                      "Hồ sơ thanh toán trực tuyến / Hồ sơ có thu phí, lệ phí tiếp nhận trong kỳ × 100",
                      {"Hồ sơ có thu phí, lệ phí": t["charged"], "Thanh toán trực tuyến": t["paid_online"]},
                      percent(t["paid_online"], t["charged"])))
    out.append(_index("4.1", "Tỷ lệ cấp kết quả giải quyết điện tử",
                      "Hồ sơ có kết quả điện tử / Hồ sơ có kết quả trong kỳ × 100",
                      {"Hồ sơ có kết quả trong kỳ": t["resolved"], "Có kết quả điện tử": t["e_results"]},
                      percent(t["e_results"], t["resolved"])))
    out.append(_index("4.2", "Tỷ lệ số hóa hồ sơ",
                      "Hồ sơ có thành phần được số hóa (DuocSoHoa) / Hồ sơ tiếp nhận trong kỳ × 100",
                      {"Hồ sơ tiếp nhận trong kỳ": n, "Có thành phần được số hóa": t["digitized"]},
                      percent(t["digitized"], n)))
    out.append(_index("4.3", "Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu số hóa",
                      "Hồ sơ có thành phần được tái sử dụng (DuocTaiSuDung) / Hồ sơ tiếp nhận trong kỳ × 100",
                      {"Hồ sơ tiếp nhận trong kỳ": n, "Có thành phần tái sử dụng": t["reused"]},
                      percent(t["reused"], n)))

    overdue_rate = percent(t["late"] + t["overdue"], judged)
    unhappy_rate = percent(t["unhappy"], judged)
    satisfaction = None if judged == 0 else round(max(0.0, 100 - overdue_rate - unhappy_rate), 1)
    out.append(_index("5.4", "Mức độ hài lòng trong tiếp nhận, giải quyết TTHC",
                      "100% − (Tỷ lệ hồ sơ quá hạn + Tỷ lệ hồ sơ có phản ánh, đánh giá \"Không hài lòng\"), "
                      "trên các hồ sơ của chỉ số 2.1",
                      {"Hồ sơ xét (chỉ số 2.1)": judged, "Quá hạn": t["late"] + t["overdue"],
                       "Tỷ lệ quá hạn (%)": overdue_rate, "Đánh giá không hài lòng": t["unhappy"],
                       "Tỷ lệ không hài lòng (%)": unhappy_rate}, satisfaction))
    return out
