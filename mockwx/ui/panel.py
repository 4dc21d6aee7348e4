"""The control panel's read models: each merchant with its secrets masked and its API v3 material
(protocol/v3.md 1.1, 2.4, 3: APIv3 key, certificate serials, PUB_KEY_ID, the PEM files WeChat lets a
merchant download), the magic amounts one row per amount (a row switches every rule of that amount,
Pay v2 and v3 alike), and the fields the fault form offers for each API (those faults.py accepts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import faults as fault_rules
from .. import magic
from ..services.keys import FILES
from ..wire import mask_key

SECRET_FILES = frozenset({"apiclient_key.pem"})  # the merchant's private key: masked until revealed
EFFECTS = (
    "err_code",
    "return_msg",
    "errcode",
    "code",
    "status",
    "message",
    "outcome",
    "variants",
    "ack",
    "duplicates",
    "delay",
    "drop",
)


@dataclass(frozen=True, slots=True)
class KeyFile:
    name: str  # as WeChat's downloads name it: apiclient_key.pem...
    field: str  # its name in GET /__mock__/tenants/{mch_id}/keys
    secret: bool
    text: str  # the PEM ("" for a secret one: the page fetches it on reveal)


@dataclass(frozen=True, slots=True)
class MerchantCard:
    mch_id: str
    name: str
    masked_key: str
    masked_sandbox_key: str
    appids: list[str]
    profile: str  # certificate or public_key: which WeChat key answers are signed with by default
    masked_v3_key: str
    merchant_serial: str
    public_key_id: str
    platform_serial: str  # "" for a merchant that has only the WeChat Pay public key
    files: list[KeyFile]


def merchant_card(merchant: Any, material: Mapping[str, str]) -> MerchantCard:
    """A merchant as the panel shows it; ``material`` is its v3 view (services.keys.view)."""
    files = [
        KeyFile(name, key, name in SECRET_FILES, "" if name in SECRET_FILES else material[key])
        for name, key in FILES.items()
        if key in material
    ]
    return MerchantCard(
        mch_id=merchant.mch_id,
        name=merchant.name,
        masked_key=mask_key(merchant.api_key),
        masked_sandbox_key=mask_key(merchant.sandbox_key) if merchant.sandbox_key else "",
        appids=list(merchant.appids),
        profile=material["profile"],
        masked_v3_key=mask_key(material["api_v3_key"]),
        merchant_serial=material["merchant_serial"],
        public_key_id=material["public_key_id"],
        platform_serial=material.get("platform_serial", ""),
        files=files,
    )


@dataclass(slots=True)
class MagicRow:
    """One magic amount and every rule it installs (unifiedorder's also hold for the v3 place APIs)."""

    fee: int
    what: str  # in English (magic.py); the page shows the translation of ``control.magic.<fee>``
    specs: list[dict[str, Any]] = field(default_factory=list)  # every rule, as POST /__mock__/faults takes it
    active: list[int] = field(default_factory=list)  # the ids of its rules in place
    missing: list[dict[str, Any]] = field(default_factory=list)  # its rules not in place

    @property
    def apis(self) -> list[str]:
        return [spec["api"] for spec in self.specs]

    @property
    def state(self) -> str:
        """on (every rule in place), off (none), or partly."""
        return "off" if not self.active else "partly" if self.missing else "on"


def magic_rows(rules: Iterable[fault_rules.Fault]) -> list[MagicRow]:
    """The magic amounts, one row per amount, each with the ids of its rules in place."""
    in_place = {rule.label: rule.id for rule in rules if rule.label}
    rows: dict[int, MagicRow] = {}
    for fee, what, spec in magic.rules():
        row = rows.setdefault(fee, MagicRow(fee, what))
        full = {**spec, "match": {"total_fee": str(fee)}, "label": magic.label(fee, what)}
        row.specs.append(full)
        if full["label"] in in_place:
            row.active.append(in_place[full["label"]])
        else:
            row.missing.append(full)
    return list(rows.values())


def effect(rule: fault_rules.Fault) -> str:
    """What a rule does, in a few words (its own fields: these are the control API's names)."""
    data = rule.to_dict()
    parts = [f"{k}={data[k]}" for k in EFFECTS if data.get(k) not in (None, "", 0, 0.0, False, [], "strict")]
    if rule.api in fault_rules.NOTIFY_APIS and not rule.deliver:
        parts.insert(0, "deliver=false")
    return " ".join(parts)


def form_fields() -> dict[str, list[str]]:
    """Every API a fault rule can name, with the effect fields faults.py accepts for it."""
    return {api: sorted(fault_rules.effect_fields(api)) for api in fault_rules.APIS}
