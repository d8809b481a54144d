"""How the pack writes a number, a change and a month, in every format (the words and figures
a reader sees are made here and in chart_specs.py/view.py, never by a writer)."""

from __future__ import annotations

import datetime as dt
import math

from ..periods import MONTH_NAMES

ARROWS = {"up": "\u2191", "down": "\u2193", "flat": "\u2192", "none": "\u2013"}


def is_number(value) -> bool:
    """A real number to draw or compare: not None, not 'c', not NaN."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def format_value(unit: str, value) -> str:
    if isinstance(value, str):
        return value  # "c" (suppressed) or "x" (not available)
    if value is None:
        return "no data"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "count" or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


NO_VALUE = "no data"
# The status reasons of models' rag_status: none says why a value itself is missing.
_NOT_ABOUT_THE_VALUE = ("", "no target", "no denominator", "target met", "within tolerance", "below tolerance", "above tolerance")


def no_value_text(point: dict) -> str:
    """What a scorecard row or history point without a value (None) shows: why there is none
    ("insufficient history", "no data: carers not supplied"), else "no data"; never 0."""
    reason = str(point.get("value_reason") or point.get("rag_reason") or "")
    return NO_VALUE if reason in _NOT_ABOUT_THE_VALUE else reason


def format_count(value) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return f"{value:,.0f}"


def format_percent(value) -> str:
    """A DfE published percentage, as published (whole numbers), or why there is none."""
    return "not published" if value is None else f"{value:g}%"


def format_change(unit: str, current, previous) -> str:
    if not (is_number(current) and is_number(previous)):
        return ""
    change = current - previous
    if unit == "percent":
        return f"{change:+.1f} pts"
    return f"{change:+,.0f}" if float(change).is_integer() else f"{change:+,.1f}"


def change_text(unit: str, words: str, current, previous) -> tuple[str, str]:
    """(arrow, words with the amount): the arrow shows the way the number moved, the words say
    whether that is better or worse given the direction of good."""
    if words in ("better", "worse", "up", "down") and not (is_number(current) and is_number(previous)):
        return ARROWS["none"], "no comparison"  # a value missing on either side: nothing to compare
    if words in ("better", "worse"):
        arrow = ARROWS["up"] if current > previous else ARROWS["down"]
        return arrow, f"{words} ({format_change(unit, current, previous)})"
    if words in ("up", "down"):  # neither direction is better (context measures)
        return ARROWS[words], f"{words} ({format_change(unit, current, previous)})"
    if words == "no material change":
        return ARROWS["flat"], "no material change"
    return ARROWS["none"], words




def month_label(month: str) -> str:
    """'2025-03' -> 'Mar 2025' (charts and tables)."""
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1][:3]} {year}"


def month_name(when: dt.date) -> str:
    """'March'."""
    return MONTH_NAMES[when.month - 1]


def month_words(month: str) -> str:
    """'2025-03' -> 'March 2025' (sentences)."""
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1]} {year}"


