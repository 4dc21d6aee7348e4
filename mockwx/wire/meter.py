"""The work budget of one signature diagnosis (issue 8 items 12 and B3): how many candidate signs a
search may compute and how many bytes it may hash or transform, so that a huge badly signed body
costs a few ms, not 100. The v2 doctor (mockwx.doctor) and the v3 search (wire/v3/diagnosis.py)
spend the same budget.
"""

from __future__ import annotations

from dataclasses import dataclass

# Measured with bench/bench_doctor.py on the shared 2-core machine: a typical unifiedorder whose
# sign no mistake explains spends all 1,000 candidates in about 6 ms (the most any mistake of the
# tutorial list needs is under 700); 2,000,000 units (bytes joined and hashed, transformed bytes
# weighted by their cost) keep a 230 KB body to a few candidates and about 3.5 ms. The candidate
# count bounds the v2 doctor only: a v3 candidate is one SHA-256, never an RSA operation.
MAX_CANDIDATES = 1000
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

    def affords(self, units: int) -> bool:
        """Whether ``units`` more would fit (nothing is spent); ``short`` becomes True if not."""
        if self.work + units > self.budget.work:
            self.short = True
            return False
        return True

    @property
    def exhausted(self) -> bool:
        return self.candidates >= self.budget.candidates or self.work >= self.budget.work
