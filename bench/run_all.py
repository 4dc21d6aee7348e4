"""Run every benchmark, print the table (beside bench/baseline.json when there is one) and write the
figures to bench/results/latest.json (`make bench`; `make bench-quick` for a shorter, rougher run).

    python bench/run_all.py [--quick] [--save-baseline | --save-after] [--skip gc_loop,notify]

--save-baseline also writes the run to bench/baseline.json, the "before" of later before/after tables;
--save-after to bench/after.json, the committed "after" of the last such table (README "Benchmarks").
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_fixture  # noqa: E402
import bench_gc_loop  # noqa: E402
import bench_notify  # noqa: E402
import bench_scenarios  # noqa: E402
import bench_unifiedorder  # noqa: E402
import bench_xml  # noqa: E402
from report import print_table  # noqa: E402

# name -> (module, arguments of a full run, arguments of a quick one)
SUITE = {
    "http": (bench_unifiedorder, [], ["--rounds", "3", "--seconds", "2"]),
    "notify": (bench_notify, [], ["--rounds", "2", "--orders", "2000"]),
    "xml": (bench_xml, [], ["--rounds", "3", "--parses", "5000"]),
    "fixture": (bench_fixture, [], ["--rounds", "3", "--runs", "20"]),
    "scenarios": (bench_scenarios, [], ["--rounds", "3"]),
    "gc_loop": (bench_gc_loop, [], ["--rounds", "2", "--seconds", "2"]),
}
# studies outside the CPU-ratio table: what one operation costs (name -> module with main() -> dict), imported
# only when run, so a study that needs fixing does not stop the others (--skip it)
STUDIES = {
    "v3_crypto": "bench_v3_crypto",
    "doctor": "bench_doctor",
    "waiters": "bench_waiters",
    "dashboard": "bench_dashboard",
}
BASELINE = HERE / "baseline.json"
AFTER = HERE / "after.json"


def commit() -> str:
    out = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=HERE)
    return out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and notifications (rougher figures)")
    parser.add_argument("--save-baseline", action="store_true", help=f"also write {BASELINE.name}")
    parser.add_argument("--save-after", action="store_true", help=f"also write {AFTER.name}")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: " + ", ".join([*SUITE, *STUDIES]))
    args = parser.parse_args()
    results: dict[str, object] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "commit": commit(),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_before": os.getloadavg(),
        "quick": args.quick,
        "benchmarks": {},
    }
    skip = set(args.skip.split(","))
    for name, (module, full, quick) in SUITE.items():
        if name in skip:
            continue
        found = module.main(quick if args.quick else full)
        if name == "gc_loop":
            results["gc_loop"] = found
        else:
            results["benchmarks"].update(found)
    for name, module in STUDIES.items():
        if name not in skip:
            sys.argv = [name]
            results[name] = importlib.import_module(module).main()
    results["load_after"] = os.getloadavg()
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else None
    print_table(results["benchmarks"], baseline["benchmarks"] if baseline else None)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nwritten to {out / 'latest.json'}")
    for wanted, path, what in ((args.save_baseline, BASELINE, "the baseline"), (args.save_after, AFTER, "the after")):
        if wanted:
            path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
            print(f"and to {path} ({what})")


if __name__ == "__main__":
    main()
