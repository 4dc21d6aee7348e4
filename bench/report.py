"""The results table: CPU ratio against the bare reference first, wall-clock figures beside it."""

from __future__ import annotations

from collections.abc import Mapping


def _wall(wall: Mapping[str, float]) -> str:
    if "rps" in wall:
        text = f"{wall['rps']:7.0f}/s p50 {wall['p50_ms']:5.2f} p99 {wall['p99_ms']:6.2f} ms"
        if "records_per_transaction" in wall:
            text += f", {wall['records_per_transaction']:.1f} records per transaction"
        return text
    return "  ".join(f"{k} {v:.3g}" for k, v in wall.items())


def _ratio(summary: Mapping[str, object]) -> str:
    if summary["unit"] == summary["bare_unit"]:
        best = f" best {summary['ratio_of_best']:.3f}" if "ratio_of_best" in summary else ""
        return f"{summary['ratio_median']:7.3f}  {summary['ratio_min']:.3f}-{summary['ratio_max']:.3f}{best}"
    # a whole run against one bare unit: say how many bare units it costs
    return f"= {1 / summary['ratio_median']:,.0f} bare {summary['bare_unit']}s"


def rows(results: Mapping[str, object], baseline: Mapping[str, object] | None = None) -> list[str]:
    lines = []
    for name, summary in results.items():
        if not isinstance(summary, Mapping):
            continue
        if "pending" in summary:
            lines.append(f"{name:<44} pending: {summary['pending']}")
            continue
        per = f"µs/{summary['unit']}"
        bare_per = f"µs/{summary['bare_unit']}"
        line = (
            f"{name:<44} {_ratio(summary):<36} ({summary['ratio_spread'] * 100:4.1f}%)"
            f"  {summary['ours_cpu_us']:10.1f} {per:<15} {summary['bare_cpu_us']:8.1f} {bare_per:<14}"
        )
        before = baseline.get(name) if baseline else None
        if isinstance(before, Mapping) and "ratio_median" in before:
            was = _ratio(before).split()[0] if summary["unit"] == summary["bare_unit"] else _ratio(before)
            line += f"  before {was} (CPU now x{summary['ours_cpu_us'] / before['ours_cpu_us']:.2f})"
        lines.append(line + f"  {_wall(summary['ours_wall'])}")
        lines.extend(f"{'':<6}! {note}" for note in summary.get("notes", []))
    return lines


def print_table(results: Mapping[str, object], baseline: Mapping[str, object] | None = None) -> None:
    print()
    head = f"{'benchmark':<44} {'CPU ratio bare/ours: median, min-max, best rounds (spread)':<59}"
    head += f" {'ours CPU':<26} {'bare CPU':<23}"
    print(head + ("  before (baseline)" if baseline else "") + "  wall (ours)")
    for line in rows(results, baseline):
        print(line)


def markdown(results: Mapping[str, object], baseline: Mapping[str, object] | None = None) -> list[str]:
    """The table as Markdown, with the baseline's ratio beside each row when there is one: the closing
    note's before/after table."""
    head = "| benchmark | CPU ratio bare/ours, median (min-max) | ours CPU per unit | bare CPU per unit |"
    rule = "|---|---|---|---|"
    if baseline:
        head, rule = head + " before (baseline) | ours CPU now |", rule + "---|---|"
    lines = [head, rule]
    for name, s in results.items():
        if not isinstance(s, Mapping) or "ratio_median" not in s:
            continue
        if s["unit"] == s["bare_unit"]:
            ratio = f"**{s['ratio_median']:.3f}** ({s['ratio_min']:.3f}-{s['ratio_max']:.3f})"
        else:
            ratio = f"= **{1 / s['ratio_median']:,.0f}** bare {s['bare_unit']}s"
        row = f"| {name} | {ratio} | {s['ours_cpu_us']:,.1f} µs/{s['unit']}"
        row += f" | {s['bare_cpu_us']:,.1f} µs/{s['bare_unit']} |"
        before = baseline.get(name) if baseline else None
        if isinstance(before, Mapping) and "ratio_median" in before:
            was = before["ratio_median"] if s["unit"] == s["bare_unit"] else 1 / before["ratio_median"]
            row += f" {was:,.3f} | x{s['ours_cpu_us'] / before['ours_cpu_us']:.2f} |"
        elif baseline:
            row += " | |"
        lines.append(row)
    return lines


if __name__ == "__main__":
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(description="Print a results file as a Markdown table.")
    parser.add_argument("results", type=Path, help="bench/results/latest.json")
    parser.add_argument("--baseline", type=Path, help="bench/baseline.json: adds the before column")
    args = parser.parse_args()
    found = json.loads(args.results.read_text())["benchmarks"]
    before = json.loads(args.baseline.read_text())["benchmarks"] if args.baseline else None
    print("\n".join(markdown(found, before)))
