"""The [routines] configuration: read, checked, and refused with the key named."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from deliverology.configuration import default_settings
from deliverology.core.config import ConfigError, method_config_from_mapping
from deliverology.core.routines import Cadence, CadenceUnit, Routine


def with_routines(**changes: object):
    data = copy.deepcopy(default_settings())
    for key, value in changes.items():
        table = data["routines"]
        *path, name = key.split("__")
        for part in path:
            table = table[part]
        table[name] = value
    return method_config_from_mapping(data)


def test_the_defaults_hold_stocktakes_every_three_months_and_follow_ups_in_three_working_days():
    routines = with_routines().routines
    assert routines.cadences[Routine.STOCKTAKE] == Cadence(3, CadenceUnit.MONTH)
    assert routines.follow_up_within_working_days == 3
    assert routines.open_action_status == "open"
    assert not routines.working_calendar.is_working_day(date(2025, 12, 25))


@pytest.mark.parametrize(
    ("changes", "key", "says"),
    [
        ({"cadences__stocktake": "quarterly"}, "routines.cadences.stocktake", "not a cadence"),
        ({"weekend": ["caturday"]}, "routines.weekend", "not a weekday"),
        ({"anchor": "September"}, "routines.anchor", "must be a date"),
        ({"holidays": ["2025-12-25"]}, "routines.holidays", "list of dates"),
        (
            {"closed_action_statuses": ["finished"]},
            "routines.closed_action_statuses",
            "some, not all",
        ),
        (
            {"closed_action_statuses": ["open", "in_progress", "done", "dropped"]},
            "routines.closed_action_statuses",
            "some, not all",
        ),
        (
            {"closed_action_statuses": ["open"]},
            "routines.action_statuses",
            "first action status must be an open one",
        ),
        (
            {"prompts__below_trajectory": "Behind by {gap}"},
            "routines.prompts.below_trajectory",
            "placeholders",
        ),
        (
            {"follow_up_within_working_days": -1},
            "routines.follow_up_within_working_days",
            "whole number",
        ),
    ],
)
def test_a_bad_routines_setting_is_refused_with_its_key(changes, key, says):
    with pytest.raises(ConfigError) as refused:
        with_routines(**changes)
    assert refused.value.key == key
    assert says in refused.value.problem
