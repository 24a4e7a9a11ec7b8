"""The monthly note is kept short: words per headline, per section and in all."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliverology.configuration import load_method_config
from deliverology.core.brevity import NoteLimits, Overrun, check_brevity, count_words

LIMITS = NoteLimits(headline_words=5, section_words=10, total_words=20)


def words(n: int) -> str:
    return " ".join(["word"] * n)


@pytest.mark.parametrize(
    ("headline", "section", "overruns"),
    [
        (5, 10, ()),
        (6, 10, (Overrun("h", 6, 5),)),
        (5, 11, (Overrun("s", 11, 10),)),
        (6, 11, (Overrun("h", 6, 5), Overrun("s", 11, 10))),
    ],
)
def test_each_section_is_held_to_its_own_limit(headline, section, overruns):
    check = check_brevity({"h": words(headline)}, {"s": words(section)}, LIMITS)
    assert check.overruns == overruns
    assert check.ok is (not overruns)


def test_the_whole_note_is_held_to_the_total():
    check = check_brevity({"h": words(4)}, {"a": words(9), "b": words(9)}, LIMITS)
    assert check.total == 22
    assert check.overruns == (Overrun(None, 22, 20),)


def test_words_are_counted_between_any_white_space():
    assert count_words("  Reading  is\non\ttrack ") == 4
    assert count_words("") == 0


def test_the_default_limits_keep_a_note_to_two_pages():
    limits = load_method_config().assessment.note_limits
    assert limits.headline_words <= limits.section_words <= limits.total_words <= 1000


@given(st.lists(st.integers(0, 30), max_size=8))
def test_the_note_passes_exactly_when_no_section_and_not_the_total_is_over(lengths):
    sections = {str(i): words(n) for i, n in enumerate(lengths)}
    check = check_brevity({}, sections, LIMITS)
    assert check.total == sum(lengths)
    assert check.ok == (all(n <= 10 for n in lengths) and sum(lengths) <= 20)
