"""Study: does gc.freeze(), a tuned gc threshold or uvloop help the server? The same v2 unifiedorder
load (NATIVE, in memory, wrk -t1 -c32, every order new) against one server per variant (see
serve_variant.py), round by round in turn (A B C ... A B C ...), beside the bare handler.

Reports per variant: CPU per request (and its per-round ratio to the untuned start-up and to the bare
handler), p50/p99 (median and worst round), and the collector's pauses the server recorded.

    python bench/bench_gc_loop.py [--rounds 4] [--seconds 4] [--variants untuned,shipped,uvloop]

Not a test: it reports numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_unifiedorder import BENCHES, Target, bare_twin, login_bench_user
from common import ServerProcess, free_port
from method import Sample
from serve_variant import VARIANTS
from wrkload import need_wrk

ROW = next(b for b in BENCHES if b.name == "v2 unifiedorder NATIVE, in memory")


def variant_server(name: str, record: Path) -> ServerProcess:
    port = free_port()
    argv = [sys.executable, "bench/serve_variant.py", name, str(record)]
    argv += ["--port", str(port), "--log-level", "WARNING", *ROW.server_args]
    return ServerProcess(argv, port, "/__mock__/health")


def summarise(samples: list[Sample], untuned: list[Sample], bare: list[Sample], record: Path) -> dict[str, object]:
    p99 = [s.wall["p99_ms"] for s in samples]
    gc_record = json.loads(record.read_text()) if record.exists() else {}
    return {
        "cpu_us": statistics.median(s.cpu_us for s in samples),
        "ratio_to_untuned": statistics.median(t.cpu_us / s.cpu_us for t, s in zip(untuned, samples, strict=True)),
        "ratio_to_bare": statistics.median(b.cpu_us / s.cpu_us for b, s in zip(bare, samples, strict=True)),
        "rps": statistics.median(s.wall["rps"] for s in samples),
        "p50_ms": statistics.median(s.wall["p50_ms"] for s in samples),
        "p99_ms": statistics.median(p99),
        "p99_ms_worst": max(p99),
        "p99_ms_rounds": p99,
        "gc": gc_record,
    }


def print_study(results: dict[str, dict[str, object]]) -> None:
    print(
        f"\n{'variant':<26} {'CPU µs/req':>10} {'vs untuned':>8} {'vs bare':>8} {'req/s':>7} {'p50 ms':>7}"
        f" {'p99 ms':>7} {'worst':>7}  full GCs: n, longest, total ms"
    )
    for name, r in results.items():
        g = r["gc"]
        full = f"{g['count'][2]:4d} {g['max_ms'][2]:7.1f} {g['total_ms'][2]:8.0f}" if g else "(no record)"
        print(
            f"{name:<26} {r['cpu_us']:10.1f} {r['ratio_to_untuned']:8.3f} {r['ratio_to_bare']:8.3f} {r['rps']:7.0f}"
            f" {r['p50_ms']:7.2f} {r['p99_ms']:7.2f} {r['p99_ms_worst']:7.2f}  {full}"
        )


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args(argv)
    need_wrk()
    names = [v for v in args.variants.split(",") if v]
    if importlib.util.find_spec("uvloop") is None:
        skipped = [v for v in names if VARIANTS[v].uvloop]
        names = [v for v in names if not VARIANTS[v].uvloop]
        print(f"uvloop is not installed (pip install -e '.[bench]'): skipping {', '.join(skipped)}")
    assert names[0] == "untuned", "the first variant is the reference: untuned"
    load = f"wrk -t1 -c{args.connections} -d{args.seconds:g}s"
    print(f"GC and event-loop study: {ROW.name}, {load}, {args.rounds} rounds")
    samples: dict[str, list[Sample]] = {name: [] for name in ["bare", *names]}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        tmp = Path(folder)
        assert ROW.make is not None
        targets: dict[str, Target] = {}
        for index, name in enumerate(names):
            server = stack.enter_context(variant_server(name, tmp / f"{name}.gc.json"))
            login_bench_user(server)
            if not targets:
                targets["bare"] = bare_twin(stack, server, ROW, "G", tmp, args)
            targets[name] = Target(ROW, f"V{index}", tmp, args, server=server)
        for target in targets.values():
            target.warm_up()
        for number in range(args.rounds):
            for name, target in targets.items():
                samples[name].append(target.round(number))
                s = samples[name][-1]
                p99 = s.wall["p99_ms"]
                print(f"  round {number + 1}/{args.rounds}  {name:<26} {s.cpu_us:7.1f} µs/request  p99 {p99:6.2f} ms")
        for name, target in targets.items():
            for note in target.notes:
                print(f"  ! {name}: {note}")
        stack.close()  # the servers stop and write their GC records
        results = {
            name: summarise(samples[name], samples["untuned"], samples["bare"], tmp / f"{name}.gc.json")
            for name in names
        }
    print_study(results)
    return results


if __name__ == "__main__":
    main()
