"""Single fields signed differently from how they were sent (issue 10): a field added after signing,
a name misspelled when signing (``apid``), a value signed before it was trimmed (or trimmed for
signing only), an amount signed in yuan but sent in fen, a value signed XML-escaped or URL-encoded,
JSON serialised twice, and ``sign_type`` signed but not sent. Each option changes one field, so the
search can name it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Collection
from decimal import Decimal
from urllib.parse import quote, quote_plus

from ..wire import SIGN_TYPES
from ..wire.meter import Meter
from .options import QUOTE_COST, SHOWN, EditFn, Option, Pairs, dropped, renamed, revalued, shown

_FEN = re.compile(r"[0-9]{1,15}")  # amounts as sent: bounded, so no huge integer is ever built
_YUAN = re.compile(r"[0-9]{1,13}\.[0-9]{1,2}")
AMOUNT_FIELDS = frozenset({"total_fee", "refund_fee", "cash_fee", "settlement_total_fee", "coupon_fee", "fee"})
JSON_COST = 8  # parsing and dumping JSON, per character, in the meter's units
MAX_NAME_TYPOS = 40  # misspelled names tried per field
# The whitespace a value carried when it was signed, before the program trimmed it and sent it
# (what a form field or a line read from a file brings): (before, after).
UNTRIMMED = (("", " "), (" ", ""), (" ", " "), ("  ", "  "), ("", "\n"), ("", "\r\n"))


def field_options(
    sent: Pairs,
    meter: Meter,
    *,
    own_names: Collection[str] = (),
    own_spellings: Collection[str] = (),
    sign_type_sendable: bool = True,
) -> list[Option]:
    """Options that change one field. A caller names the mistakes of ``own_names`` (left out) and of
    ``own_spellings`` (signed under these names) itself."""
    options: list[Option] = []
    names = {name for name, _ in sent}
    for name, value in sent:
        group = frozenset({f"f:{name}"})
        if name not in own_names and name != "sign_type":  # leaving sign_type out has its own name
            options.append(Option("edit", ("field_not_signed",), dropped(name), {"fields": name}, group, reach=2))
        options += _name_options(name, names | set(own_spellings), group)
        options += _value_options(name, value, meter, group)
    if sign_type_sendable and "sign_type" not in names:
        for sign_type in SIGN_TYPES:
            options.append(
                Option(
                    "edit",
                    ("sign_type_not_sent",),
                    _insert("sign_type", sign_type),
                    {"value": sign_type},
                    frozenset({"f:sign_type"}),
                    reach=2,
                    declares=sign_type,
                )
            )
    return options


def _insert(name: str, value: str) -> EditFn:
    return lambda pairs, key: [*pairs, (name, value)]


# -- names ------------------------------------------------------------------------------------------


def _name_options(name: str, taken: set[str], group: frozenset[str]) -> list[Option]:
    likely = _likely_names(name)
    typos = [t for t in _typos(name) if t not in likely][:MAX_NAME_TYPOS]
    options = []
    for alternatives, reach in ((likely, 2), (typos, 1)):
        for alt in alternatives:
            if alt and alt != name and alt not in taken and alt not in ("sign", "key"):
                options.append(
                    Option(
                        "edit",
                        ("field_name_differs",),
                        renamed(name, alt),
                        {"field": name, "signed": alt},
                        group,
                        reach=reach,
                    )
                )
    return options


def _likely_names(name: str) -> list[str]:
    """The other spellings a program uses for a name: camelCase, no underscores, lower case, snake_case."""
    out = []
    if "_" in name:
        head, *rest = name.split("_")
        out.append(head + "".join(part[:1].upper() + part[1:] for part in rest))
        out.append(name.replace("_", ""))
    if name != name.lower():
        out.append(name.lower())
        out.append("".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_"))
    return list(dict.fromkeys(out))


def _typos(name: str) -> list[str]:
    """One letter dropped, or two neighbours swapped: ``apid`` for ``appid``."""
    dropped = [name[:i] + name[i + 1 :] for i in range(len(name))]
    swapped = [name[:i] + name[i + 1] + name[i] + name[i + 2 :] for i in range(len(name) - 1)]
    return list(dict.fromkeys([*dropped, *swapped]))


# -- values -----------------------------------------------------------------------------------------


def _value_options(name: str, value: str, meter: Meter, group: frozenset[str]) -> list[Option]:
    options: list[Option] = []

    def add(code: str, alt: Callable[[], str | None], params: dict[str, str] | Callable[..., dict[str, str]]) -> None:
        options.append(Option("edit", (code,), revalued(name, alt), params, group, reach=2))

    if (name in AMOUNT_FIELDS or name.endswith("_fee")) and _FEN.fullmatch(value):
        for yuan in _yuan(int(value)):
            add("amount_in_yuan", lambda y=yuan: y, {"field": name, "signed": yuan, "sent": value})
    fen = _fen(value)
    if fen is not None:
        add("field_value_differs", lambda: fen, {"field": name, "signed": fen, "sent": value})
    if value != value.strip():
        add("trimmed", _costly(meter, len(value), value.strip), {"fields": name})
    elif value:
        for before, after in UNTRIMMED:  # single guesses: each combines with a wrong key only
            signed = before + value + after
            alt = _costly(meter, len(signed), lambda s=signed: s)
            params = {"field": name, "signed": json.dumps(_ends(signed), ensure_ascii=False), "sent": shown(value)}
            options.append(Option("edit", ("trimmed_after_signing",), revalued(name, alt), params, group, reach=1))
    if any(c in value for c in "&<>\"'"):
        for quote_too in (False, True):
            add(
                "xml_escaped",
                _costly(meter, 4 * len(value), lambda q=quote_too: html.escape(value, q)),
                {"fields": name},
            )
    if not all(c.isalnum() or c in "_.-~" for c in value):
        for encode in (quote, quote_plus):
            alt = _costly(meter, QUOTE_COST * len(value), lambda e=encode: e(value, safe=""))
            add("url_encoded", alt, {"fields": name})
    if value[:1] in "{[" and value[-1:] in "}]":
        for variant in range(3):
            alt = _costly(meter, JSON_COST * len(value), lambda v=variant: _json(value, v))
            add(
                "field_value_differs",
                alt,
                lambda key, a=alt: {"field": name, "signed": shown(a() or ""), "sent": shown(value)},
            )
    return options


def _ends(value: str) -> str:
    """A long value shown by its two ends (where the whitespace is), a short one whole."""
    half = SHOWN // 2
    return value if len(value) <= SHOWN else value[:half] + "..." + value[-half:]


def _costly(meter: Meter, cost: int, compute: Callable[[], str | None]) -> Callable[[], str | None]:
    """``compute`` once, if the meter affords ``cost``; None (and no work) if it does not."""
    done: list[str | None] = []

    def value() -> str | None:
        if not done:
            done.append(compute() if meter.spend(cost) else None)
        return done[0]

    return value


def _yuan(fen: int) -> list[str]:
    amount = Decimal(fen) / 100
    return list(dict.fromkeys([f"{amount:.2f}", f"{amount.normalize():f}", str(fen / 100)]))


def _fen(value: str) -> str | None:
    """A yuan amount sent ('0.01') as the fen a program signed ('1'), or None."""
    if not _YUAN.fullmatch(value):
        return None
    whole, _, cents = value.partition(".")
    return str(int(whole) * 100 + int(cents.ljust(2, "0")))


def _json(text: str, variant: int) -> str | None:
    """The JSON value serialised another way: Python's default, ASCII-escaped, or compact."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if variant == 0:
        return json.dumps(data, ensure_ascii=False)
    if variant == 1:
        return json.dumps(data)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
