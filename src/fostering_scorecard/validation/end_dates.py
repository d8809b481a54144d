"""An episode whose end date is impossible is kept, not set aside.

DEC that is not a date, is after the extract date or is before DECOM breaks a single-row rule,
and the contract makes those rules warnings on DEC (national/extracts.toml). Setting the episode
aside would erase the child's care from every past month: the child would drop out of every
population it was in, and its next episode would look like a new period of care. So the episode
is kept and DEC is read as unknown: the episode ends the day the child's next episode starts
(care continued, or ended as REC says), or, when no later episode starts, it is still open at the
extract date, and its REC is then read as blank too (an open episode has no reason it ceased; the
finding on DEC already asks for both to be corrected). The finding says so. This runs after the
single-row rules and before the cross-record checks, which then see the episode as it will be
counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ingest import LINE
from .findings import ValidatedExtract, row_numbers

EPISODES = "episodes"
END, START, CHILD, REASON = "DEC", "DECOM", "CHILD", "REC"
IMPOSSIBLE_END = ("bad_date", "future_date", "end_before_start")
KEPT_NOTE = "; the episode is kept: it ends the day the child's next episode starts, or is still open if none does"


def keep_episodes_with_impossible_end(v: ValidatedExtract) -> ValidatedExtract:
    """The episodes extract with each impossible DEC replaced by the next episode's DECOM (or
    blank) in the rows accepted and in the rows the checks read, and the warnings saying so."""
    warned = v.warnings
    impossible = (warned["column"] == END) & warned["kind"].isin(IMPOSSIBLE_END) & (warned["severity"] != "error")
    if not impossible.any():
        return v
    lines = np.unique(row_numbers(warned)[impossible].to_numpy(dtype=np.int64))  # row numbers, as in accepted
    next_starts = _next_starts(v.accepted, lines)
    accepted = _with_end_replaced(v.accepted, lines, next_starts)
    typed = v.typed if v.typed is None else _with_end_replaced(v.typed, lines, next_starts)
    warnings = warned.copy()
    warnings.loc[impossible, "reason"] = warnings.loc[impossible, "reason"] + KEPT_NOTE
    return ValidatedExtract(v.raw, accepted, v.quarantine, warnings, typed)


def _next_starts(accepted: pd.DataFrame, lines: np.ndarray) -> pd.Series:
    """For each of these lines (accepted rows), the DECOM of the child's next accepted episode
    (by DECOM, then line), or missing; indexed by line."""
    ordered = accepted[[LINE, CHILD, START]].sort_values([CHILD, START, LINE], kind="stable")
    following = ordered.groupby(CHILD, sort=False)[START].shift(-1)
    following.index = ordered[LINE].to_numpy()
    return following.reindex(lines)


def _with_end_replaced(frame: pd.DataFrame, lines: np.ndarray, new_ends: pd.Series) -> pd.DataFrame:
    """The frame with DEC on these lines replaced (a line not in new_ends, or with no next
    episode, gets a blank DEC), and REC blanked where the episode is now open."""
    rows = frame[LINE].isin(lines).to_numpy()
    if not rows.any():
        return frame
    at = np.flatnonzero(rows)
    replacement = new_ends.reindex(frame[LINE].to_numpy()[at])
    end = frame[END].copy()
    end.iloc[at] = replacement.to_numpy()
    changed = {END: end}
    if REASON in frame.columns:
        reason = frame[REASON].copy()
        reason.iloc[at[replacement.isna().to_numpy()]] = None
        changed[REASON] = reason
    return frame.assign(**changed)
