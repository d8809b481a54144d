"""Seeded random draws: the same seed gives the same values, draw for draw."""

from __future__ import annotations

import bisect
import math

import numpy as np


class Draws:
    """Random draws inside Python loops: one block of numpy uniforms consumed in order, which is
    deterministic and far faster than calling the Generator per value."""

    def __init__(self, rng: np.random.Generator, block: int = 1 << 18):
        self.rng, self.block = rng, block
        self._next_u = iter(()).__next__

    def u(self) -> float:
        try:
            return self._next_u()
        except StopIteration:
            self._next_u = iter(self.rng.random(self.block).tolist()).__next__
            return self._next_u()

    def randint(self, lo: int, hi: int) -> int:
        """Integer in [lo, hi] inclusive."""
        return lo + int(self.u() * (hi - lo + 1))

    def expo(self, mean: float) -> float:
        return -mean * math.log(1.0 - self.u())

    def pick(self, table: tuple[list, list[float]]):
        """table = (values, cumulative probabilities ending at 1.0)."""
        values, cum = table
        return values[bisect.bisect_right(cum, self.u() * cum[-1])]


def table(pairs: dict) -> tuple[list, list[float]]:
    """{value: weight} -> (values, cumulative weights) for Draws.pick / pick_many."""
    values = list(pairs)
    return values, list(np.cumsum([pairs[v] for v in values]))


def pick_many(rng: np.random.Generator, tab, n: int) -> np.ndarray:
    values, cum = tab
    idx = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
    return np.array(values, dtype=object)[idx]
