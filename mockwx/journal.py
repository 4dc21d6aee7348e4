"""The request journal: the recent calls to the mock (bounded), and the problems among them.

A *problem* is something the caller got wrong by the protocol's rules (a signature failure,
a malformed or incomplete request, a reused login code, a paySign that does not verify) or an
internal error of the mock itself. The pytest plugin fails a test whose problems it did not
declare as expected; the control API shows them with the signature doctor's diagnosis.

What one entry keeps is bounded (long text, many fields and deep nesting are cut, with a marker
saying how much), and so is what one query returns (a page, at most ``MAX_PAGE`` entries).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from itertools import count
from typing import Any

from .capture import Capture, RawMessage, settled

# Error kinds that are the caller's mistake, not a business outcome it may legitimately meet.
PROBLEM_KINDS = frozenset(
    {
        "SIGNERROR",
        "XML_FORMAT_ERROR",
        "POST_DATA_EMPTY",
        "NOT_UTF8",
        "REQUIRE_POST_METHOD",
        "LACK_PARAMS",
        "LENGTH",
        "FORMAT",
        "INVALID",
        "APPID_NOT_EXIST",
        "MCHID_NOT_EXIST",
        "APPID_MCHID_NOT_MATCH",
        "OPENID_MISMATCH",
        "JSAPI_NEEDS_OPENID",
        "PAYSIGN",
        "INTERNAL",
        "SIGN_ERROR",  # API v3
        "PARAM_ERROR",
        "CLIENT_CERT",  # /secapi/ over HTTPS without the merchant's client certificate
    }
)
# login errcodes that mean the caller sent something wrong (a bad AppSecret, a used code, no access_token or
# one of the wrong shape); a replaced (40001) or expired (42001) token is its lifecycle, which SDKs handle by
# fetching a new one, not a mistake
PROBLEM_ERRCODES = frozenset({40002, 40013, 40014, 40029, 40125, 40163, 41001, 41002, 41004, 41008})

MAX_TEXT = 2000  # characters kept of one string
MAX_ITEMS = 64  # fields of a mapping, items of a list
MAX_DEPTH = 6  # containers within containers
ENTRY_TEXT = 8000  # characters of text kept in all, for the fields and again for the error of one entry
MAX_PAGE = 500  # entries in one answer


@dataclass(slots=True)
class Entry:
    id: int
    at: float
    method: str
    path: str
    api: str
    status: int = 0
    outcome: str = ""
    latency_ms: float = 0.0
    remote: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] = field(default_factory=dict)
    problem: str = ""  # the kind of problem, when this call is one
    request: RawMessage | Capture | None = None  # as it arrived (a notification attempt: as it was sent)
    response: RawMessage | Capture | None = None
    seq: int = 0  # its place in the order entries finished (ids are taken when calls start)

    def settle(self) -> Entry:
        """Make its raw messages readable (they are kept as cheap captures until someone reads them)."""
        self.request, self.response = settled(self.request), settled(self.response)
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self.settle())


class Journal:
    """Recent calls (at most ``size``) and problems (at most ``size``), newest last."""

    def __init__(self, size: int = 1000) -> None:
        self.entries: deque[Entry] = deque(maxlen=size)
        self.problems: deque[Entry] = deque(maxlen=size)
        self._ids = count(1)
        self._finished = count(1)
        self.listeners: list[Callable[[Entry], None]] = []  # told of every entry as it finishes (the dashboard)

    def start(self, at: float, method: str, path: str, remote: str = "") -> Entry:
        return Entry(id=next(self._ids), at=at, method=method, path=path, api="", remote=remote)

    def finish(self, entry: Entry) -> None:
        entry.path, entry.outcome = _cut(entry.path, MAX_TEXT), _cut(entry.outcome, MAX_TEXT)
        entry.fields, entry.error = bounded(entry.fields), bounded(entry.error)
        entry.seq = next(self._finished)
        self.entries.append(entry)
        if entry.problem:
            self.problems.append(entry)
        for listener in self.listeners:
            listener(entry)

    def find(self, entry_id: int) -> Entry | None:
        """The entry with this id, while the journal still holds it (problems are kept longer)."""
        for source in (self.entries, self.problems):
            found = next((e for e in reversed(source) if e.id == entry_id), None)
            if found is not None:
                return found
        return None

    def clear(self) -> None:
        self.entries.clear()
        self.problems.clear()

    def query(
        self, *, api: str = "", problems_only: bool = False, since: int | None = None, limit: int = 100
    ) -> tuple[list[Entry], bool]:
        """A page of entries, oldest first, and whether more matched than it holds.

        With ``since``: the first ``limit`` entries after that id (read on from the last one). Without:
        the most recent ``limit``. ``limit`` is at most MAX_PAGE; 0 means MAX_PAGE.
        """
        limit = min(limit or MAX_PAGE, MAX_PAGE)
        source = self.problems if problems_only else self.entries
        picked = [e for e in source if (since is None or e.id > since) and (not api or e.api == api)]
        if since is None:
            return picked[-limit:], len(picked) > limit
        return picked[:limit], len(picked) > limit


def problem_kind(error: dict[str, Any]) -> str:
    """The problem an error stands for, or '' when it is a legitimate outcome."""
    kind = error.get("kind", "")
    if kind in PROBLEM_KINDS:
        return kind
    if error.get("err_code") == "INVALID_REQUEST" or error.get("code") == "INVALID_REQUEST":
        return "INVALID_REQUEST"
    if error.get("errcode") in PROBLEM_ERRCODES:
        return f"errcode {error['errcode']}"
    return ""


_SCALARS = frozenset({int, float, bool, type(None)})  # kept as they are by _bounded


def _cut(text: str, keep: int) -> str:
    return text if len(text) <= keep else f"{text[:keep]}…[+{len(text) - keep} chars]"


def bounded(value: Any, budget: int = ENTRY_TEXT) -> Any:
    """``value`` with long text, long lists, many fields and deep nesting cut, each cut marked; small
    values come back as they are (the same object)."""
    if type(value) is dict and len(value) <= MAX_ITEMS:  # the usual entry: a few short texts and numbers
        total = 0
        for item in value.values():
            kind = type(item)
            if kind is str:
                if len(item) > MAX_TEXT:
                    break
                total += len(item)
            elif kind not in _SCALARS:
                break
        else:
            if total <= budget:
                return value
    return _bounded(value, [budget], 0)


def _bounded(value: Any, budget: list[int], depth: int) -> Any:
    if isinstance(value, str):
        keep = max(0, min(MAX_TEXT, budget[0]))
        budget[0] -= min(len(value), keep)
        return _cut(value, keep)
    if not isinstance(value, (dict, list)):
        return value
    if depth >= MAX_DEPTH:
        return f"…[nested deeper than {MAX_DEPTH} levels]"
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    kept = [(k, _bounded(v, budget, depth + 1)) for k, v in items[:MAX_ITEMS]]
    if len(items) <= MAX_ITEMS and all(v is items[i][1] for i, (_, v) in enumerate(kept)):
        return value  # nothing was cut
    more = len(items) - len(kept)
    if isinstance(value, dict):
        cut = dict(kept)
        if more:
            cut["…"] = f"[+{more} more fields]"
        return cut
    return [v for _, v in kept] + ([f"…[+{more} more]"] if more else [])
