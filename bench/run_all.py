"""Run every benchmark and write the figures to bench/results/latest.json (`make bench`)."""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    results: dict[str, object] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    for name in ("bench_unifiedorder", "bench_dashboard", "bench_notify", "bench_fixture"):
        module = __import__(name)
        sys.argv = [name]
        results[name] = module.main()
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print(f"written to {out / 'latest.json'}")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
