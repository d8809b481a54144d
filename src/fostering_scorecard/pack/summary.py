"""Page 1, the scorecard a head of fostering reads in a minute: one IndicatorLine per indicator
(value, target, status as a word and a shape, direction of travel, benchmark, a one-line
finding in plain English), a target over the year read against its trajectory ("behind by 12",
with a projection to the year end where the months so far can carry one), and the headline
block "what changed since last month".

Everything here is words and figures built from one audience's rows and history (the public
pack's are already suppressed, disclosure.py); no writer makes a sentence of its own.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from ..periods import financial_year, financial_year_start, months_elapsed_in_financial_year, shift_month
from .comparators import Comparison, YearFigures
from .disclosure import SUPPRESSED, SUPPRESSED_RAG_REASON, WITHHELD_REASON
from .formatting import (
    NO_VALUE,
    change_text,
    format_count,
    format_percent,
    format_value,
    is_number,
    month_name,
    month_words,
    no_value_text,
)

RAG_SHAPES = {"Green": "\u25cf", "Amber": "\u25c6", "Red": "\u25a0", "Not rated": "\u25cb"}
# What a status means, in words: a target for the month, and a year-end target read against the
# trajectory before the year is over (December's 80 of a pro-rata 90 is "behind", not "missed").
TARGET_WORDS = {"Green": "target met", "Amber": "close to target", "Red": "target missed"}
TRAJECTORY_WORDS = {"Green": "on track", "Amber": "close to trajectory", "Red": "behind trajectory"}
DIRECTION_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "neutral": "Neither is better"}
# A straight-line projection to the year end needs a few months behind it: April's or May's
# approvals say little about a whole year.
PROJECTION_FROM_MONTH = 3
SMALL_NUMBERS = "small numbers"


@dataclass
class YearTarget:
    """A financial-year-to-date count read against its annual target (approvals_fytd)."""

    year: str  # "2024-25"
    target: float  # the year-end target, e.g. 120
    year_end: dt.date  # 31 March of the year
    months_elapsed: int  # 1 (April) .. 12 (March)
    due_by_now: float  # the trajectory: target x months elapsed / 12, unrounded
    gap: float | None  # value - due_by_now (None: no value, or not shown)
    position: str  # "on track", "behind by 12", "ahead by 3", "year over: 12 short of the target", ...
    projected: float | None  # the value at the year end at the rate so far (None: not meaningful)
    projection: str  # "at this rate about 118 by 31 March 2025", or ""

    @property
    def year_over(self) -> bool:
        return self.months_elapsed == 12

    @property
    def due_words(self) -> str:
        """'90 due by now': the trajectory, as every format writes it."""
        return f"{self.due_by_now:,.0f} due by now"


@dataclass
class IndicatorLine:
    """One indicator as every format shows it (registry order in PackView.indicators)."""

    metric_id: str
    title: str
    area: str
    definition: str
    period: str  # in words: "financial year to date", "12 months to the month end", ...
    unit: str  # count | percent | rate_per_100 | weeks | days
    good: str  # higher | lower | neutral
    direction: str  # "Higher is better"
    value: str  # as shown: "84.0%", "c", or why there is none ("no data: carers.csv not supplied")
    counts: str  # "84 of 100", "over 38" (a median's cases), or ""
    value_number: float | None  # the number behind value (None: none, or not shown)
    numerator: object  # as shown: int, None or "c"
    denominator: object
    target: str  # "100.0%", "120 by 31 March 2025", or "no target"
    target_number: float | None  # the target compared with this month (pro rata for the year to date)
    has_target: bool  # a business-plan target this financial year (page 1's first block)
    rag: str  # Green | Amber | Red | Not rated
    rag_shape: str  # ● ◆ ■ ○
    rag_word: str  # "Red: target missed", "Red: behind trajectory", "Not rated (no target)"
    rag_reason: str  # why not rated, or how a hidden value was judged ("" otherwise)
    month_arrow: str  # ↑ ↓ → –
    month_words: str  # "better (+1.0 pts)", "no material change", "not compared (cumulative)"
    year_arrow: str
    year_words: str
    benchmark: str  # one line: "England 10%, South East 12%, neighbours 10.5% (31 March 2025)"
    benchmark_figures: YearFigures | None  # the DfE year shown (None: no benchmark, or none published yet)
    region_name: str  # the council's region ("" without a benchmark)
    sparkline: list  # numbers or None (gaps), oldest first
    sparkline_targets: list
    sparkline_months: list  # "YYYY-MM"
    finding: str  # one line in plain English
    year_target: YearTarget | None = None  # financial-year-to-date counts with an annual target
    withheld: str = ""  # public pack: why the value is not shown, in words ("" when shown)


@dataclass
class IndicatorGroup:
    """Page 1's other indicators, one group per area, in the pack's area order."""

    area: str
    lines: list[IndicatorLine] = field(default_factory=list)


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def year_target(metric, row: dict, as_at: dt.date) -> YearTarget | None:
    """The annual-target reading of a financial-year-to-date count, or None for any other."""
    if metric.period != "fytd":
        return None
    target = metric.target_for(financial_year(as_at))
    if target is None:
        return None
    months = months_elapsed_in_financial_year(as_at)
    due = target.value * months / 12
    year_end = dt.date(financial_year_start(as_at).year + 1, 3, 31)
    value = row.get("value")
    when = f"31 March {year_end.year}"
    if not is_number(value):
        position = f"not shown ({SMALL_NUMBERS})" if value == SUPPRESSED else "no data"
        return YearTarget(financial_year(as_at), target.value, year_end, months, due, None, position, None, "")
    gap = value - due
    whole = _round_half_up(abs(gap))
    if months == 12:
        short = _round_half_up(target.value - value)
        position = (f"year over: target met ({format_count(value)} of {target.value:g})" if value >= target.value
                    else f"year over: {short:,} short of the target of {target.value:g}")
    elif whole == 0:
        position = "on track"
    else:
        position = f"{'ahead' if gap > 0 else 'behind'} by {whole:,}"
    projected, projection = None, ""
    if PROJECTION_FROM_MONTH <= months < 12:
        projected = value * 12 / months
        projection = f"at this rate about {_round_half_up(projected):,} by {when}"
    return YearTarget(financial_year(as_at), target.value, year_end, months, due, gap, position, projected, projection)


def _status(metric, row: dict, fy_target: YearTarget | None, judged_hidden: str | None) -> tuple[str, str, str, str]:
    """(rag, shape, word, reason) for a row. A value that is missing is never Red, Amber or
    Green; judged_hidden: the status a hidden value has whatever it is (disclosure.py)."""
    value = row.get("value")
    rag = row.get("rag") or "Not rated"
    reason = ""
    if judged_hidden:
        rag, reason = judged_hidden, "judged on the hidden figure: every value it could be gives this status"
    elif value is None:
        rag = "Not rated"
        why = no_value_text(row)
        return rag, RAG_SHAPES[rag], f"Not rated ({why.split(':')[0] if why != NO_VALUE else 'no data'})", why
    elif value == SUPPRESSED or isinstance(value, str):
        rag = "Not rated"
        why = row.get("rag_reason") or SUPPRESSED_RAG_REASON
        # the reason in words where it is short ("suppressed: small numbers"), else its first word
        said = SUPPRESSED_RAG_REASON if why.startswith(SUPPRESSED_RAG_REASON) else why.split(": ", 1)[0]
        return rag, RAG_SHAPES[rag], f"Not rated ({said})", why
    if rag not in ("Green", "Amber", "Red"):
        why = row.get("rag_reason") or "no target"
        return "Not rated", RAG_SHAPES["Not rated"], f"Not rated ({why})", why
    words = TRAJECTORY_WORDS if fy_target is not None and not fy_target.year_over else TARGET_WORDS
    return rag, RAG_SHAPES[rag], f"{rag}: {words[rag]}", reason


def _benchmark(comparison: Comparison | None) -> tuple[str, YearFigures | None, str]:
    if comparison is None:
        return "no national benchmark", None, ""
    if comparison.latest is None:
        return f"DfE: {comparison.year_label}", None, comparison.region_name
    y = comparison.latest
    text = (f"England {format_percent(y.england)}, {comparison.region_name} {format_percent(y.region)}, "
            f"neighbours {format_percent(y.neighbours_median)} (31 March {y.year})")
    return text, y, comparison.region_name


def _target_text(metric, row: dict, fy_target: YearTarget | None) -> str:
    if fy_target is not None:
        return f"{fy_target.target:g} by 31 March {fy_target.year_end.year}"
    if row.get("target") is None:
        return "no target"
    return format_value(metric.unit, row["target"])


def _gap_words(unit: str, value: float, target: float, direction: str) -> str:
    """'16.0 pts below the target' / 'target met' (the target is beside it)."""
    met = value >= target if direction == "higher" else value <= target
    if met:
        return "target met"
    gap = abs(value - target)
    amount = f"{gap:.1f} pts" if unit == "percent" else (f"{gap:,.0f}" if float(gap).is_integer() else f"{gap:,.1f}")
    return f"{amount} {'below' if value < target else 'above'} the target"


def finding(metric, line: IndicatorLine, row: dict, as_at: dt.date) -> str:
    """One line in plain English: where the indicator stands and which way it is going."""
    value = row.get("value")
    if line.withheld:
        return line.withheld[0].upper() + line.withheld[1:] + "."
    if value is None:
        return f"No figure this month: {line.value}."
    if not is_number(value):
        text = f"Not shown: {SMALL_NUMBERS} (1 to 5) could identify children or carers"
        if line.rag in ("Green", "Amber", "Red"):
            text += f"; every figure it could be is {line.rag_word.split(': ', 1)[1]}"
        return text + "."
    fy = line.year_target
    if fy is not None and fy.gap is not None:
        if fy.year_over:
            result = "target met" if value >= fy.target else f"{_round_half_up(fy.target - value):,} short of it"
            return f"{fy.year} ended with {format_count(value)} against the target of {fy.target:g}: {result}."
        due = _round_half_up(fy.due_by_now)
        text = f"{fy.position[0].upper()}{fy.position[1:]}: {format_count(value)} so far, {due:,} due by the end of {month_name(as_at)}"
        if fy.projection:
            text += f"; {fy.projection}"
        return text + "."
    parts = []
    targeted = is_number(row.get("target")) and line.rag in ("Green", "Amber", "Red")
    if targeted:
        parts.append(_gap_words(metric.unit, value, row["target"], metric.direction))
    year_words = row.get("change_vs_last_year", "")
    if targeted and year_words in ("better", "worse"):  # the amount is in the change columns
        parts.append(f"{year_words} than a year ago")
    elif year_words in ("better", "worse", "up", "down") and is_number(row.get("same_month_last_year_value")):
        change = line.year_words[line.year_words.find("(") + 1:-1] if "(" in line.year_words else ""
        relation = {"better": "better than", "worse": "worse than", "up": "up on", "down": "down on"}[year_words]
        parts.append(f"{relation} a year ago ({change})" if change else f"{relation} a year ago")
    elif year_words == "no material change":
        parts.append("about the same as a year ago")
    if line.benchmark_figures is not None and not line.has_target:
        y = line.benchmark_figures
        parts.append(f"England {format_percent(y.england)}, neighbours {format_percent(y.neighbours_median)} in {y.year}")
    if not parts:
        return f"{line.value} this month."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def indicator_line(metric, row: dict, history: list[dict], comparison: Comparison | None, as_at: dt.date,
                   spark_months: int, judged_hidden: str | None = None) -> IndicatorLine:
    """One indicator's line from its scorecard row and history (both as this audience sees them)."""
    unit = metric.unit
    counts = ""
    if row.get("denominator") is not None and row.get("numerator") is not None:
        counts = f"{format_count(row['numerator'])} of {format_count(row['denominator'])}"
    elif row.get("denominator") is not None:  # a median or average over the denominator
        counts = f"over {format_count(row['denominator'])}"
    fy_target = year_target(metric, row, as_at)
    rag, shape, word, reason = _status(metric, row, fy_target, judged_hidden)
    m_arrow, m_words = change_text(unit, row.get("change_vs_last_month", ""), row.get("value"), row.get("last_month_value"))
    y_arrow, y_words = change_text(unit, row.get("change_vs_last_year", ""), row.get("value"), row.get("same_month_last_year_value"))
    benchmark, figures, region = _benchmark(comparison)
    spark = [p for p in history if p["metric_id"] == metric.id][-spark_months:]
    if metric.period == "fytd":  # a year-to-date count restarts each April: this year only, never joined across years
        first = f"{financial_year_start(as_at):%Y-%m}"
        spark = [p for p in spark if p["month"] >= first]
    value = row.get("value")
    withheld = ""
    if isinstance(value, str) and row.get("rag_reason") == WITHHELD_REASON:
        withheld = "not published: other published figures would give it away"
    line = IndicatorLine(
        metric_id=metric.id, title=metric.title, area=metric.area, definition=metric.definition,
        period=str(row.get("period") or metric.period), unit=unit, good=metric.direction,
        direction=DIRECTION_WORDS.get(metric.direction, metric.direction),
        value=no_value_text(row) if value is None else format_value(unit, value), counts=counts,
        value_number=float(value) if is_number(value) else None,
        numerator=row.get("numerator"), denominator=row.get("denominator"),
        target=_target_text(metric, row, fy_target), target_number=row.get("target") if is_number(row.get("target")) else None,
        has_target=metric.target_for(financial_year(as_at)) is not None,
        rag=rag, rag_shape=shape, rag_word=word, rag_reason=reason,
        month_arrow=m_arrow, month_words=m_words, year_arrow=y_arrow, year_words=y_words,
        benchmark=benchmark, benchmark_figures=figures, region_name=region,
        sparkline=[p["value"] if is_number(p["value"]) else None for p in spark],
        sparkline_targets=[p.get("target") if is_number(p.get("target")) else None for p in spark],
        sparkline_months=[p["month"] for p in spark],
        finding="", year_target=fy_target, withheld=withheld,
    )
    line.finding = finding(metric, line, row, as_at)
    return line


# ---------------------------------------------------------------------------------------------
# What changed since last month


def _relative_move(unit: str, now: float, before: float) -> float:
    """How big a move is, comparable across indicators: points for a percentage (out of 100),
    a share of the previous value otherwise."""
    if unit == "percent":
        return abs(now - before) / 100
    return abs(now - before) / max(abs(before), 1.0)


def headline(lines: list[IndicatorLine], metrics, rows: list[dict], history: list[dict], month: str,
             public_small: int | None) -> list[str]:
    """A few sentences: how the targets stand, statuses that changed, the biggest moves better
    and worse since last month, and the month's own count of a year-to-date figure.
    public_small: the largest count the public may not see (None: the internal pack)."""
    by_id = {m.id: m for m in metrics}
    rows_by_id = {r["metric_id"]: r for r in rows}
    last_month = shift_month(month, -1)
    before = {p["metric_id"]: p for p in history if p["month"] == last_month}
    sentences = []
    targeted = [line for line in lines if line.has_target]
    if targeted:
        rated = [line for line in targeted if line.rag in ("Green", "Amber", "Red")]
        counts = {rag: sum(1 for line in rated if line.rag == rag) for rag in ("Green", "Amber", "Red")}
        text = (f"Business-plan targets: {counts['Green']} of {len(targeted)} met or on track, "
                f"{counts['Amber']} close, {counts['Red']} missed or behind")
        unrated = len(targeted) - len(rated)
        sentences.append(text + (f", {unrated} not rated." if unrated else "."))
    if not before:
        sentences.append(f"No figures for {month_words(last_month)} to compare with.")
        return sentences
    for line in targeted:
        was = before.get(line.metric_id, {}).get("rag")
        if line.rag in ("Green", "Amber", "Red") and was in ("Green", "Amber", "Red") and was != line.rag:
            sentences.append(f"{line.title}: now {line.rag} ({line.rag_word.split(': ', 1)[1]}), {was} last month.")
    for line in lines:
        fy = line.year_target
        if fy is None or line.value_number is None:
            continue
        previous = before.get(line.metric_id, {}).get("value")
        this_month = line.value_number if fy.months_elapsed == 1 else (line.value_number - previous if is_number(previous) else None)
        if this_month is None or (public_small is not None and 1 <= this_month <= public_small):
            continue
        sentences.append(f"{format_count(this_month)} {'household' if this_month == 1 else 'households'} approved in "
                         f"{month_words(month)}, {format_count(line.value_number)} so far in {fy.year} ({fy.position}).")
    moves = {"better": [], "worse": []}
    for line in lines:
        row = rows_by_id.get(line.metric_id, {})
        words = row.get("change_vs_last_month")
        now, then = row.get("value"), row.get("last_month_value")
        if words in moves and is_number(now) and is_number(then):
            moves[words].append((_relative_move(by_id[line.metric_id].unit, now, then), line.title, line, then, now))
    for words in ("better", "worse"):
        if moves[words]:
            _size, title, line, then, now = max(moves[words], key=lambda m: (m[0], m[1]))
            went = "up" if now > then else "down"
            sentences.append(f"{'Most improved' if words == 'better' else 'Most worsened'}: {title[0].lower() + title[1:]}, "
                             f"{went} from {format_value(line.unit, then)} to {format_value(line.unit, now)}.")
    if len(sentences) == 1 and targeted:
        sentences.append("No indicator moved materially since last month.")
    return sentences
