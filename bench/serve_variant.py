"""A patched copy of `run_mock.py serve` for the GC and event-loop study: the same app and start-up,
then one variant applied (gc.freeze, thresholds, uvloop, or what `serve` ships: mockwx/gctune.py),
and every collection's pause recorded. "untuned" is the start-up before gctune.py.

    python bench/serve_variant.py VARIANT RECORD.json [serve arguments: --port 0 --memory ...]

On SIGTERM it stops as `serve` does and writes the pauses per generation to RECORD.json.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockwx.cli import _until_stopped, build_parser, serve_config
from mockwx.gctune import Collector
from mockwx.http.app import create_app
from mockwx.http.serving import listen


@dataclass(slots=True, frozen=True)
class Variant:
    uvloop: bool = False
    freeze: bool = False  # gc.freeze() once the server listens
    freeze_after_full: bool = False  # gc.freeze() after every full collection: old objects are walked once
    threshold: tuple[int, int, int] | None = None
    shipped: bool = False  # mockwx.gctune.Collector, as `serve` installs it


VARIANTS: dict[str, Variant] = {
    "untuned": Variant(),
    "shipped": Variant(shipped=True),
    "uvloop+shipped": Variant(uvloop=True, shipped=True),
    "freeze": Variant(freeze=True),
    "threshold": Variant(threshold=(10_000, 10, 10)),
    "freeze+threshold": Variant(freeze=True, threshold=(10_000, 10, 10)),
    "freeze-after-full": Variant(freeze=True, freeze_after_full=True),
    "uvloop": Variant(uvloop=True),
    "uvloop+freeze-after-full": Variant(uvloop=True, freeze=True, freeze_after_full=True),
}


@dataclass(slots=True)
class GcPauses:
    """A gc.callbacks hook: how many collections of each generation, their total and longest pause."""

    count: list[int] = field(default_factory=lambda: [0, 0, 0])
    total_ms: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    max_ms: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    after_full: Callable[[], None] | None = None
    _started: float = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = perf_counter()
            return
        generation, pause = info["generation"], (perf_counter() - self._started) * 1000
        self.count[generation] += 1
        self.total_ms[generation] += pause
        self.max_ms[generation] = max(self.max_ms[generation], pause)
        if generation == 2 and self.after_full is not None:
            self.after_full()


async def serve(variant: Variant, pauses: GcPauses, argv: list[str]) -> None:
    args = build_parser().parse_args(["serve", *argv])
    logging.basicConfig(level=args.log_level)
    app = create_app(serve_config(args))
    runner, _port = await listen(app, args.host or "127.0.0.1", args.port)
    if variant.threshold:
        gc.set_threshold(*variant.threshold)
    if variant.freeze:
        gc.collect()
        gc.freeze()
    if variant.freeze_after_full:
        loop = asyncio.get_running_loop()
        pauses.after_full = lambda: loop.call_soon_threadsafe(gc.freeze)
    collector = Collector.install() if variant.shipped else None
    await _until_stopped([runner], "ready")
    if collector is not None:
        collector.uninstall()


def main() -> None:
    variant, record, argv = VARIANTS[sys.argv[1]], Path(sys.argv[2]), sys.argv[3:]
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    if variant.uvloop:
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve(variant, pauses, argv))
    else:
        asyncio.run(serve(variant, pauses, argv))
    gc.callbacks.remove(pauses)
    record.write_text(json.dumps({"count": pauses.count, "total_ms": pauses.total_ms, "max_ms": pauses.max_ms}))


if __name__ == "__main__":
    main()
