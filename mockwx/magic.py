"""Magic amounts: total_fee values that force an outcome with no setup at all, in the spirit of
WeChat's own sandbox (1.01 CNY pays) and Stripe's test cards.

They all sit at 9,999.xx CNY, an amount no ordinary test order uses, so ordinary amounts behave
normally. Each is an ordinary fault rule (labelled "magic ..."), listed by GET /__mock__/faults;
``magic_amounts: false`` in the config turns them off.
"""

from __future__ import annotations

from typing import Any

from . import catalogue
from .faults import Faults

# (total_fee in fen, what happens, the fault rule that makes it happen)
MAGIC_AMOUNTS: list[tuple[int, str, dict[str, Any]]] = [
    (999901, "the user cancels at wx.requestPayment", {"api": "pay", "outcome": "cancel"}),
    (
        999902,
        "the payment fails at wx.requestPayment (余额不足)",
        {"api": "pay", "outcome": "fail", "reason": "余额不足"},
    ),
    (
        999903,
        "unifiedorder answers SYSTEMERROR once per out_trade_no (retry with identical parameters)",
        {"api": "unifiedorder", "err_code": "SYSTEMERROR", "times": 1, "per": "out_trade_no"},
    ),
    (999904, "unifiedorder answers NOTENOUGH", {"api": "unifiedorder", "err_code": "NOTENOUGH"}),  # v3: NOT_ENOUGH
    (999905, "the payment notification is sent twice", {"api": "notify", "duplicates": 1}),
    (
        999906,
        "the payment notification arrives 5 times at once",
        {"api": "notify", "duplicates": 4, "concurrent": True},
    ),
    (
        999907,
        "the payment notification is never acknowledged in time (16 attempts over 24h4m, then given up)",
        {"api": "notify", "ack": "never"},
    ),
    (
        999908,
        "the payment notification is lost (never sent): reconcile with orderquery",
        {"api": "notify", "deliver": False},
    ),
    (999909, "the payment notification arrives one hour late", {"api": "notify", "delay": 3600}),
    (999910, "a forged notification (bad sign) arrives before the real one", {"api": "notify", "variants": ["forged"]}),
    (
        999911,
        "a notification with a tampered amount and a valid sign arrives before the real one",
        {"api": "notify", "variants": ["tampered_amount"]},
    ),
    (999912, "the refund notification is lost (never sent)", {"api": "refund_notify", "deliver": False}),
]


# The unifiedorder rules hold for the v3 place APIs too, in v3 words (protocol/v3.md 4.3, 9.2): a v3
# request's amount.total is matched as total_fee, and the pay and notification rules match the
# order, whichever API placed it.
V3_PLACE_APIS = tuple(e.api for e in catalogue.ENDPOINTS if e.dialect == "v3" and e.operation.startswith("place"))
V3_CODES = {"SYSTEMERROR": "SYSTEM_ERROR", "NOTENOUGH": "NOT_ENOUGH"}


def rules() -> list[tuple[int, str, dict[str, Any]]]:
    """Every magic rule: the table's, and for each unifiedorder row the same on every v3 place API."""
    out: list[tuple[int, str, dict[str, Any]]] = []
    for total_fee, what, spec in MAGIC_AMOUNTS:
        out.append((total_fee, what, spec))
        if spec["api"] == "unifiedorder":
            code = V3_CODES[spec["err_code"]]
            v3 = {k: v for k, v in spec.items() if k != "err_code"} | {"code": code}
            out += [(total_fee, what.replace("unifiedorder", api), {**v3, "api": api}) for api in V3_PLACE_APIS]
    return out


def label(total_fee: int, what: str) -> str:
    """The label of a magic rule (GET /__mock__/faults shows it; the dashboard finds its rules by it)."""
    return f"magic {total_fee / 100:.2f}: {what}"


def install(faults: Faults) -> None:
    """Add the magic-amount rules (before any other rule, so they win for their amounts)."""
    for total_fee, what, spec in rules():
        faults.add({**spec, "match": {"total_fee": str(total_fee)}, "label": label(total_fee, what)})
