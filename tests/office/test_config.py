"""Office configuration from TOML: defaults and one-line errors naming the key."""
from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from office.config import ASSETS, DEFAULT_PRIORITIES, ConfigError, OfficeConfig, load_config
from office.model import PriorityCategory


def write(tmp_path, text: str) -> Path:
    p = tmp_path / "office.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults():
    c = load_config(None)
    assert c == OfficeConfig()
    assert c.working_sessions == ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
    assert c.ticket_sessions == ((time(7, 0), time(11, 15)), (time(13, 30), time(16, 45)))
    assert (c.priority_ratio, c.no_show_after_calls, c.rating_scale, c.rating_repeat_seconds) == (3, 3, 3, 10)
    assert (c.sequence_first, c.sequence_last, c.default_service_minutes) == (1, 9999, 8)
    assert c.priority_categories == DEFAULT_PRIORITIES
    assert c.calendar_overrides == ASSETS / "calendar" / "vn-overrides.toml"
    assert c.calendar_overrides.exists()


def test_empty_file_gives_defaults(tmp_path):
    assert load_config(write(tmp_path, "")) == OfficeConfig()


def test_full_file(tmp_path):
    c = load_config(write(tmp_path, """
office_id = "tanphu"
office_name = "Bộ phận Một cửa xã Tân Phú"
agency_code = "000.31.20.H57"
sequence_first = 5000
sequence_last = 5999
working_sessions = [["07:30", "11:30"], ["13:00", "16:30"]]
ticket_sessions = [["07:30", "11:00"]]
calendar_overrides = "local/overrides.toml"
priority_ratio = 2
priority_categories = [{code = "elderly", name = "Người cao tuổi"}, {code = "veteran", name = "Cựu chiến binh"}]
no_show_after_calls = 2
default_service_minutes = 12
rating_scale = 5
rating_repeat_seconds = 0
"""))
    assert c.office_id == "tanphu" and c.agency_code == "000.31.20.H57"
    assert (c.sequence_first, c.sequence_last) == (5000, 5999)
    assert c.working_sessions == ((time(7, 30), time(11, 30)), (time(13, 0), time(16, 30)))
    assert c.ticket_sessions == ((time(7, 30), time(11, 0)),)
    assert c.calendar_overrides == tmp_path / "local" / "overrides.toml"  # relative to the file
    assert c.priority_categories == (PriorityCategory("elderly", "Người cao tuổi"),
                                     PriorityCategory("veteran", "Cựu chiến binh"))
    assert (c.priority_ratio, c.no_show_after_calls, c.default_service_minutes) == (2, 2, 12)
    assert (c.rating_scale, c.rating_repeat_seconds) == (5, 0)


def test_absolute_overrides_path_kept(tmp_path):
    c = load_config(write(tmp_path, f'calendar_overrides = "{tmp_path / "x.toml"}"'))
    assert c.calendar_overrides == tmp_path / "x.toml"


@pytest.mark.parametrize("text, key", [
    ("priority_ratoi = 3", "priority_ratoi"),
    ("[queue]\npriority_ratio = 3", "queue"),
    ('priority_ratio = "3"', "priority_ratio"),
    ("priority_ratio = true", "priority_ratio"),
    ("priority_ratio = 3.0", "priority_ratio"),
    ("office_id = 7", "office_id"),
    ("rating_scale = 4", "rating_scale"),
    ("priority_ratio = 0", "priority_ratio"),
    ("no_show_after_calls = 0", "no_show_after_calls"),
    ("default_service_minutes = 0", "default_service_minutes"),
    ("rating_repeat_seconds = -1", "rating_repeat_seconds"),
    ("sequence_first = 0", "sequence_first"),
    ("sequence_first = 10\nsequence_last = 9", "sequence_last"),
    ('agency_code = ""', "agency_code"),
    ('agency_code = "000-31"', "agency_code"),
    ('agency_code = "000.31.20.h56"', "agency_code"),  # codes are upper case: lookups would fail
    ('agency_code = "H56"', "agency_code"),             # not an e-ID: codes could not be parsed
    ('office_id = ""', "office_id"),
    ('working_sessions = [["11:30", "07:00"]]', "working_sessions"),
    ('working_sessions = [["07:00", "11:30"], ["11:00", "17:00"]]', "working_sessions"),
    ('working_sessions = [["13:30", "17:00"], ["07:00", "11:30"]]', "working_sessions"),
    ("working_sessions = []", "working_sessions"),
    ('working_sessions = [["7h", "11h"]]', "working_sessions"),
    ('working_sessions = "07:00-11:30"', "working_sessions"),
    ('working_sessions = [["07:00", "11:30", "12:00"]]', "working_sessions"),
    ("working_sessions = [[07:00:00, 11:30:00]]", "working_sessions"),
    ("ticket_sessions = 5", "ticket_sessions"),
    ('priority_categories = ["elderly"]', "priority_categories"),
    ('priority_categories = [{code = "a"}]', "priority_categories"),
    ('priority_categories = [{code = "a", name = "A"}, {code = "a", name = "B"}]', "priority_categories"),
    ("calendar_overrides = 5", "calendar_overrides"),
    ("calendar_overrides = [1, 2]", "calendar_overrides"),
])
def test_bad_values_give_one_line_error_naming_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, text))
    message = str(e.value)
    assert "\n" not in message
    assert key in message
    assert str(tmp_path / "office.toml") in message


def test_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="TOML") as e:
        load_config(write(tmp_path, "office_id = "))
    assert "\n" not in str(e.value)
    bad_utf8 = tmp_path / "latin1.toml"
    bad_utf8.write_bytes('office_name = "Tân Phú"'.encode("latin-1"))
    with pytest.raises(ConfigError):
        load_config(bad_utf8)
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path)  # a directory, not a file
    assert "\n" not in str(e.value)


def test_example_config_if_present():
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    if not example.exists():
        pytest.skip("config.example.toml not written yet")
    assert isinstance(load_config(example), OfficeConfig)
