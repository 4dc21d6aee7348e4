"""Magic amounts: total_fee values that force an outcome with no setup at all, in the spirit of
WeChat's own sandbox (1.01 CNY pays) and Stripe's test cards.

They all sit at 9,999.xx CNY, an amount no ordinary test order uses, so ordinary amounts behave
normally. Each is an ordinary fault rule (labelled "magic ..."), listed by GET /__mock__/faults;
``magic_amounts: false`` in the config turns them off.
"""

from __future__ import annotations

from typing import Any

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
    (999904, "unifiedorder answers NOTENOUGH", {"api": "unifiedorder", "err_code": "NOTENOUGH"}),
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


def install(faults: Faults) -> None:
    """Add the magic-amount rules (before any other rule, so they win for their amounts)."""
    for total_fee, what, spec in MAGIC_AMOUNTS:
        match_field = "total_fee"
        faults.add({**spec, "match": {match_field: str(total_fee)}, "label": f"magic {total_fee / 100:.2f}: {what}"})
