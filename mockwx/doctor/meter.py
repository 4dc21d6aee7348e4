"""The work budget of one diagnosis (issue 8 item 12): how many candidate signs it may compute and
how many bytes it may hash or transform, so that a huge badly signed body costs a few ms, not 100.
"""

from __future__ import annotations

from dataclasses import dataclass

# Measured on the 2-core CI machine (bench/bench_doctor.py): 1,500 candidates of a typical request
# take about 5 ms; 2,000,000 units (bytes hashed, plus transformed bytes weighted by their cost)
# take about 3 ms whatever the body's size.
MAX_CANDIDATES = 1500
MAX_WORK = 2_000_000


@dataclass(frozen=True, slots=True)
class Budget:
    """The limits of one diagnosis."""

    candidates: int = MAX_CANDIDATES
    work: int = MAX_WORK


class Meter:
    """Counts what a diagnosis spends against its budget; ``short`` once something was not afforded."""

    __slots__ = ("budget", "candidates", "work", "short")

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.candidates = 0
        self.work = 0
        self.short = False

    def spend(self, units: int) -> bool:
        """Spend ``units`` of work if the budget allows it."""
        if self.work + units > self.budget.work:
            self.short = True
            return False
        self.work += units
        return True

    def digest(self, size: int) -> bool:
        """One more candidate sign over ``size`` bytes, if the budget allows it."""
        if self.candidates >= self.budget.candidates or not self.spend(size):
            self.short = True
            return False
        self.candidates += 1
        return True

    @property
    def exhausted(self) -> bool:
        return self.candidates >= self.budget.candidates or self.work >= self.budget.work
