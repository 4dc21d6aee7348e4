"""The journal as the dashboard lists it: the filters (api, out_trade_no, outcome, problems only),
one row per entry (its tone and the order it concerns), newest first, and a raw message's body
pretty-printed (XML one field per line, JSON indented)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .. import catalogue
from ..capture import RawMessage
from ..journal import Entry, Journal
from ..state import State
from ..wire import XmlError, parse_xml

OK_OUTCOMES = frozenset({"SUCCESS", "ok", "acked", "requestPayment:ok"})
V3_APIS = frozenset(catalogue.apis("v3"))  # their outcome is the HTTP status: any 2xx is a success
# What the mock itself answers or sends besides the catalogue's APIs (journal api names).
MOCK_APIS = ("login", "pay", "notify", "refund_notify", "control")
MAX_ROWS = 200


@dataclass(frozen=True, slots=True)
class Filters:
    api: str = ""
    out_trade_no: str = ""
    outcome: str = ""
    problems: bool = False

    @classmethod
    def of(cls, query: Mapping[str, str]) -> Filters:
        return cls(
            api=query.get("api", "").strip(),
            out_trade_no=query.get("out_trade_no", "").strip(),
            outcome=query.get("outcome", "").strip(),
            problems=query.get("problems", "") in ("1", "on", "true"),
        )

    def query(self) -> dict[str, str]:
        """The filters as query parameters (only those set)."""
        out = {"api": self.api, "out_trade_no": self.out_trade_no, "outcome": self.outcome}
        return {k: v for k, v in out.items() if v} | ({"problems": "1"} if self.problems else {})


@dataclass(frozen=True, slots=True)
class Row:
    entry: Entry
    tone: str  # ok, fail, problem
    order: str  # the out_trade_no it concerns, or ""


def tone(entry: Entry) -> str:
    """How a row looks: a protocol problem, a success, or any other outcome (a business failure)."""
    if entry.problem or entry.status >= 500 or entry.outcome.startswith("dropped"):
        return "problem"
    return "ok" if succeeded(entry) else "fail"


def succeeded(entry: Entry) -> bool:
    """Whether the call got what it asked for: a v2 SUCCESS, an ack, a paid requestPayment, a v3 2xx."""
    if entry.outcome in OK_OUTCOMES:
        return True
    api = entry.api.removeprefix("sandbox/")
    return api in V3_APIS and len(entry.outcome) == 3 and entry.outcome.startswith("2") and entry.outcome.isdigit()


def order_of(entry: Entry, state: State) -> str:
    """The out_trade_no a call concerns: named in its fields, or found by its prepay_id / transaction_id."""
    fields = entry.fields
    number = fields.get("out_trade_no")
    if isinstance(number, str) and number:
        return number
    package = fields.get("package")
    lookups = [
        (state.by_prepay_id, package[len("prepay_id=") :] if isinstance(package, str) else ""),
        (state.by_prepay_id, fields.get("prepay_id") or fields.get("prepayid")),
        (state.by_code_url, fields.get("code_url")),
        (state.by_transaction_id, fields.get("transaction_id")),
    ]
    for index, value in lookups:
        if isinstance(value, str) and value:
            order = state.order_by(index, value)
            if order is not None:
                return order.out_trade_no
    return ""


def rows(journal: Journal, state: State, filters: Filters, *, after: int = 0, limit: int = MAX_ROWS) -> list[Row]:
    """Matching entries finished after position ``after`` (Entry.seq), at most ``limit`` (the last to finish),
    newest first: by when they started (a call that outlasts later ones, such as a clock advance that
    delivers notifications, sits below them, at its own time)."""
    source = journal.problems if filters.problems else journal.entries
    picked: list[Row] = []
    for entry in reversed(source):
        if entry.seq <= after:
            break
        if filters.api and entry.api != filters.api:
            continue
        if filters.outcome and entry.outcome != filters.outcome:
            continue
        order = order_of(entry, state)
        if filters.out_trade_no and order != filters.out_trade_no:
            continue
        picked.append(Row(entry, tone(entry), order))
        if len(picked) >= limit:
            break
    return sorted(picked, key=lambda row: row.entry.id, reverse=True)


def api_choices(journal: Journal) -> list[str]:
    """Every api a filter may pick: the catalogue's (and their sandbox names), the mock's own, any seen."""
    names = list(catalogue.apis())
    names += [e.journal_name("sandbox") for e in catalogue.ENDPOINTS if e.sandbox]
    names += MOCK_APIS
    seen = {e.api for e in journal.entries}
    return names + sorted(seen - set(names))


def outcome_choices(entries: Iterable[Entry]) -> list[str]:
    return sorted({e.outcome for e in entries if e.outcome})


def pretty_body(raw: RawMessage | None) -> str:
    """The body for people: WeChat XML one field per line, JSON indented, anything else as it came."""
    if raw is None or not raw.body:
        return ""
    text = raw.body
    if raw.truncated:
        return text
    stripped = text.strip()
    if stripped.startswith("<"):
        try:
            fields = parse_xml(stripped.encode("utf-8"))
        except XmlError:
            return text
        return pretty_xml(fields)
    if stripped.startswith(("{", "[")):
        try:
            return json.dumps(json.loads(stripped), ensure_ascii=False, indent=2)
        except ValueError:
            return text
    return text


def pretty_xml(fields: Mapping[str, str]) -> str:
    """WeChat XML one field per line (values in CDATA unless digits), as people read it."""
    lines = [f"  <{k}>{_cdata(v)}</{k}>" for k, v in fields.items()]
    return "\n".join(["<xml>", *lines, "</xml>"])


def _cdata(value: str) -> str:
    return value if value.isdigit() else f"<![CDATA[{value}]]>"
