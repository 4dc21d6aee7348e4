"""The jinja2 environment the dashboard renders with: the package's templates, autoescaping, and the
filters every page may use (amounts in yuan, Beijing time, pretty JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

from .. import __version__
from ..wire import to_dashed

UI_ROOT = "/__mock__/ui"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def make_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a name a template misspells fails its test, not silently
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(yuan=yuan, beijing=beijing, hms=hms, to_json=to_json, duration=duration)
    env.globals.update(static=static_url, ui=UI_ROOT, version=__version__)
    return env


def static_url(path: str) -> str:
    """A static file's URL, versioned so a new release is never served from an old cache."""
    return f"{UI_ROOT}/static/{path}?v={__version__}"


def yuan(fen: Any) -> str:
    """An amount in fen as yuan: 1 -> '¥0.01' (int arithmetic; amounts are never floats)."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        return "" if fen is None else str(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def beijing(at: Any) -> str:
    """A clock time as WeChat shows it: Beijing time, 'yyyy-MM-dd HH:mm:ss'."""
    return to_dashed(at) if isinstance(at, (int, float)) and not isinstance(at, bool) else ""


def hms(at: Any) -> str:
    """Only the time of day, Beijing time."""
    return beijing(at)[11:]


def to_json(value: Any) -> str:
    """Pretty JSON for people (Chinese kept as it is)."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def duration(seconds: float) -> str:
    """15s, 3m, 1h, 2h30m, 1d2h: how WeChat's schedule is usually written."""
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, s = divmod(s, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts[:2])
