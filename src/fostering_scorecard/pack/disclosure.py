"""Disclosure control for the public pack (the DfE rule for small numbers).

- Counts from 1 to 5 ([disclosure] max_suppressed) are shown as `c`; true zeros stay 0.
- A percentage (or any value with a denominator: a rate, a median) is `c` when its numerator or
  denominator is from 1 to 5; the denominator itself is still shown unless it is small.
- Secondary suppression wherever a hidden cell could be worked out:
  * metrics listed in national/settings.toml [disclosure] withheld are `c` in every month,
    zeros included: their values follow from other published figures (monthly allegations are
    the differences of consecutive 12-month totals, so one shown month next to a hidden one, in
    this pack or last month's, would give the hidden one away);
  * breakdown tables (category counts adding up to a total): at least two cells are hidden and
    the hidden cells may not all be 1 (a sum equal to their number would give them away); when
    the breakdown's own headline is hidden, every non-zero cell is hidden.
- Anything derived from a hidden value is hidden too: RAG status ("Not rated"), the change words,
  last month's and last year's values. The data are suppressed here, once, and every format
  (CSV, Excel, HTML, PDF, charts, alt text) draws from the suppressed copy.
- The rule depends only on each cell's own value (and the fixed withheld list), so a cell hidden
  in one month's pack is hidden in every other month's pack that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..periods import shift_month

SUPPRESSED = "c"
SUPPRESSED_WORDS = "not shown (small numbers)"
SUPPRESSED_RAG_REASON = "suppressed: small numbers"
WITHHELD_REASON = "withheld: other published figures would give it away"


@dataclass(frozen=True)
class Rule:
    max_suppressed: int = 5
    withheld: tuple[str, ...] = ()  # metric ids never shown in the public pack

    @classmethod
    def from_settings(cls, settings, metric_ids: set[str] | None = None) -> Rule:
        withheld = tuple(settings.disclosure.withheld)
        if metric_ids is not None:
            for metric_id in withheld:
                if metric_id not in metric_ids:
                    raise ValueError(
                        f"national/settings.toml [disclosure] withheld: metric {metric_id!r} is not in metrics.toml"
                    )
        return cls(max_suppressed=int(settings.disclosure.max_suppressed), withheld=withheld)


def is_small(count, rule: Rule) -> bool:
    return isinstance(count, (int, float)) and 1 <= count <= rule.max_suppressed


def point_is_small(point: dict, rule: Rule) -> bool:
    """Primary suppression of one value: its count (numerator) or its denominator is 1-5."""
    return is_small(point.get("numerator"), rule) or is_small(point.get("denominator"), rule)


def hidden_points(history: list[dict], rule: Rule) -> dict[tuple[str, str], str]:
    """{(metric_id, month): 'c'} for every history point the public may not see."""
    return {
        (point["metric_id"], point["month"]): SUPPRESSED
        for point in history
        if point["metric_id"] in rule.withheld or point_is_small(point, rule)
    }


def _mask(value, marker: str | None):
    return value if marker is None or value is None else marker


def public_history(history: list[dict], hidden: dict[tuple[str, str], str], rule: Rule) -> list[dict]:
    out = []
    for point in history:
        marker = hidden.get((point["metric_id"], point["month"]))
        copy = dict(point)
        if marker:
            copy["value"] = marker
            copy["numerator"] = marker
            if copy.get("denominator") is not None and (point["metric_id"] in rule.withheld or is_small(point["denominator"], rule)):
                copy["denominator"] = marker
            if "rag" in copy:
                copy["rag"] = "Not rated"
            if "rag_reason" in copy:
                copy["rag_reason"] = WITHHELD_REASON if point["metric_id"] in rule.withheld else SUPPRESSED_RAG_REASON
        out.append(copy)
    return out


def public_rows(rows: list[dict], month: str, hidden: dict[tuple[str, str], str], rule: Rule) -> list[dict]:
    """The scorecard rows as the public may see them."""
    last_month, last_year = shift_month(month, -1), shift_month(month, -12)
    out = []
    for row in rows:
        copy = dict(row)
        metric_id = row["metric_id"]
        now = hidden.get((metric_id, month))
        before = hidden.get((metric_id, last_month))
        year_ago = hidden.get((metric_id, last_year))
        if now:
            copy["value"] = now
            copy["numerator"] = now
            if row.get("denominator") is not None and (metric_id in rule.withheld or is_small(row["denominator"], rule)):
                copy["denominator"] = now
            copy["rag"] = "Not rated"
            copy["rag_reason"] = WITHHELD_REASON if metric_id in rule.withheld else SUPPRESSED_RAG_REASON
        if before:
            copy["last_month_value"] = _mask(row.get("last_month_value"), before)
        if year_ago:
            copy["same_month_last_year_value"] = _mask(row.get("same_month_last_year_value"), year_ago)
        if (now or before) and not str(row.get("change_vs_last_month", "")).startswith("not compared"):
            copy["change_vs_last_month"] = SUPPRESSED_WORDS
        if now or year_ago:
            copy["change_vs_last_year"] = SUPPRESSED_WORDS
        out.append(copy)
    return out


def public_figures(metric_id: str, figures: dict, rule: Rule) -> dict:
    """One indicator's figures (value, numerator, denominator, target, rag) as the public may
    see them, by the rule public_rows applies: for the figures of a re-issued version's
    indicators that moved, before and after, in the public pack and its change note."""
    if not (metric_id in rule.withheld or point_is_small(figures, rule)):
        return dict(figures)
    copy = dict(figures, value=SUPPRESSED, numerator=SUPPRESSED, rag="Not rated")
    if figures.get("denominator") is not None and (metric_id in rule.withheld or is_small(figures["denominator"], rule)):
        copy["denominator"] = SUPPRESSED
    return copy


def hidden_breakdown_cells(counts: dict[str, int], rule: Rule, headline_hidden: bool = False) -> set[str]:
    """The categories of one breakdown table to show as `c` (primary and secondary)."""
    if headline_hidden:
        return {category for category, n in counts.items() if n}
    hidden = {category for category, n in counts.items() if is_small(n, rule)}

    def recoverable() -> bool:
        # One hidden cell is the total minus the others; several hidden cells that are all 1
        # are given away by their sum (hidden cells are never 0).
        return bool(hidden) and (len(hidden) < 2 or sum(counts[c] for c in hidden) == len(hidden))

    while recoverable():
        visible = sorted((n, category) for category, n in counts.items() if n and category not in hidden)
        if not visible:
            break
        hidden.add(visible[0][1])
    return hidden


def public_breakdowns(breakdowns: list[dict], hidden_metrics: set[str], rule: Rule) -> list[dict]:
    """Breakdown rows (metric_id, category, count) with small and recoverable cells as `c`."""
    by_metric: dict[str, dict[str, int]] = {}
    for row in breakdowns:
        by_metric.setdefault(row["metric_id"], {})[row["category"]] = row["count"]
    hidden = {
        metric_id: hidden_breakdown_cells(counts, rule, headline_hidden=metric_id in hidden_metrics)
        for metric_id, counts in by_metric.items()
    }
    out = []
    for row in breakdowns:
        copy = dict(row)
        if row["category"] in hidden[row["metric_id"]]:
            copy["count"] = SUPPRESSED
        out.append(copy)
    return out


def breakdown_total(counts: list[int], rule: Rule, headline_hidden: bool = False):
    """The total row of a breakdown as shown: `c` when small or when the headline is hidden."""
    total = sum(counts)
    return SUPPRESSED if total and (headline_hidden or is_small(total, rule)) else total


def status_whatever_hidden(metric, point: dict, rule: Rule, as_at) -> str | None:
    """The status ("Green", "Amber" or "Red") a hidden value has whatever it is, or None.

    A `c` stands for every count from 1 to max_suppressed (and, for a small denominator, every
    share those counts can make); when each of them gets the same status against the target,
    the status tells a reader nothing the `c` does not, so the public pack may show it: 4
    emergency beds against a target of 10 is Red whichever of 1 to 5 the `c` hides. Never for a
    withheld metric, a median (its value is not a ratio of the counts), or without a target.
    point: the unsuppressed row (numerator, denominator, target)."""
    from ..models.indicators import compute_value, rag_status, target_for_date  # models pull in duckdb: only when asked

    if metric.id in rule.withheld or metric.unit not in ("count", "percent", "rate_per_100"):
        return None
    target, tolerance, _note = target_for_date(metric, as_at)
    if target is None:
        return None
    numerator, denominator = point.get("numerator"), point.get("denominator")
    small = range(1, rule.max_suppressed + 1)
    if is_small(denominator, rule):
        pairs = [(n, d) for d in small for n in range(0, d + 1)]
    elif is_small(numerator, rule):
        pairs = [(n, denominator) for n in small]
    else:
        return None
    statuses = {rag_status(metric.direction, compute_value(metric, n, d), target, tolerance)[0] for n, d in pairs}
    if len(statuses) == 1 and statuses <= {"Green", "Amber", "Red"}:
        return statuses.pop()
    return None
