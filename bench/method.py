"""The measuring method every benchmark shares (README "Benchmarks"): CPU seconds per unit of work,
ours against a bare aiohttp reference doing the same unit, taken A B A B in one run, summarised as
the median and spread of the per-round ratio. Wall-clock figures ride along, never compared.

CPU time per unit stays put when other work shares the machine (it waits, it does not burn more);
wall-clock throughput and even its ratios swing several-fold between rounds on a shared 2-core box.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class Sample:
    """One measured run: the CPU the measured process used, the units of work it did, and wall figures."""

    cpu_s: float
    units: int
    wall: dict[str, float] = field(default_factory=dict)

    @property
    def cpu_us(self) -> float:
        """CPU microseconds per unit."""
        return self.cpu_s / self.units * 1e6 if self.units else float("nan")


Run = Callable[[int], Sample]
"""Runs one round (its number given) and returns what it measured."""


@dataclass(slots=True)
class Comparison:
    """One benchmark: ours against the bare reference, round by round."""

    name: str
    unit: str  # what one unit of ours is: "request", "delivery", "start", "library run"
    bare_unit: str  # what one unit of the bare reference is
    ours: list[Sample] = field(default_factory=list)
    bare: list[Sample] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def ratios(self) -> list[float]:
        """Per round: bare CPU per unit / our CPU per unit (1.0 = as cheap as the bare handler)."""
        return [b.cpu_us / o.cpu_us for b, o in zip(self.bare, self.ours, strict=True) if b.units and o.units]

    def summary(self) -> dict[str, object]:
        ratios = self.ratios()
        median = statistics.median(ratios)
        return {
            "unit": self.unit,
            "bare_unit": self.bare_unit,
            "rounds": len(ratios),
            "ratio_median": median,
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "ratio_spread": (max(ratios) - min(ratios)) / median,
            "ratios": ratios,
            # noise only ever adds CPU time: the best rounds' ratio is a second, outlier-proof estimate
            "ratio_of_best": min(b.cpu_us for b in self.bare) / min(o.cpu_us for o in self.ours),
            "ours_cpu_us": statistics.median(s.cpu_us for s in self.ours),
            "bare_cpu_us": statistics.median(s.cpu_us for s in self.bare),
            "ours_wall": _median_wall(self.ours),
            "bare_wall": _median_wall(self.bare),
            "notes": self.notes,
        }


def _median_wall(samples: Sequence[Sample]) -> dict[str, float]:
    keys = [k for k in samples[0].wall if all(k in s.wall for s in samples)] if samples else []
    return {k: statistics.median(s.wall[k] for s in samples) for k in keys}


@dataclass(slots=True)
class Pair:
    """A benchmark to alternate: how to run one round of the bare reference and one of ours."""

    comparison: Comparison
    bare: Run
    ours: Run


def alternate(pairs: Sequence[Pair], rounds: int, progress: Callable[[str], None] = print) -> None:
    """A B A B: every round runs each pair's bare reference then ours, so slow phases of the machine
    fall on both sides of every ratio. Samples are appended to each pair's comparison."""
    for number in range(rounds):
        for pair in pairs:
            c = pair.comparison
            c.bare.append(pair.bare(number))
            c.ours.append(pair.ours(number))
            ratio = c.bare[-1].cpu_us / c.ours[-1].cpu_us if c.ours[-1].units else float("nan")
            said = f"ratio {ratio:.3f}" if c.unit == c.bare_unit else f"= {1 / ratio:,.0f} bare {c.bare_unit}s"
            progress(
                f"  round {number + 1}/{rounds}  {c.name:<40} ours {c.ours[-1].cpu_us:9.1f} µs/{c.unit}"
                f"  bare {c.bare[-1].cpu_us:9.1f} µs/{c.bare_unit}  {said}"
            )
