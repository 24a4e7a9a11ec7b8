"""Keeping the monthly note short: word limits per section and in all (docs/concepts.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class NoteLimits:
    headline_words: int
    section_words: int
    total_words: int


@dataclass(frozen=True)
class Overrun:
    """A section (or, with `section` None, the whole note) longer than its limit."""

    section: str | None
    words: int
    limit: int


@dataclass(frozen=True)
class BrevityCheck:
    words: Mapping[str, int]
    total: int
    overruns: tuple[Overrun, ...]

    @property
    def ok(self) -> bool:
        return not self.overruns


def count_words(text: str) -> int:
    return len(text.split())


def check_brevity(
    headlines: Mapping[str, str], sections: Mapping[str, str], limits: NoteLimits
) -> BrevityCheck:
    """Each headline and section against its limit, and the whole note against the total.

    Keys name the sections (for example "reading.headline"); they are given back in `words`.
    """
    words = {key: count_words(text) for key, text in {**headlines, **sections}.items()}
    overruns = [
        Overrun(key, words[key], limits.headline_words)
        for key in headlines
        if words[key] > limits.headline_words
    ]
    overruns += [
        Overrun(key, words[key], limits.section_words)
        for key in sections
        if words[key] > limits.section_words
    ]
    total = sum(words.values())
    if total > limits.total_words:
        overruns.append(Overrun(None, total, limits.total_words))
    return BrevityCheck(words, total, tuple(overruns))
