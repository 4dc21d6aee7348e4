"""The ways a signed string goes wrong, as search options (protocol/v2.md 2.1): each option changes
one step of the algorithm (the key, which fields, their values, their order, the key suffix, the
encoding, the digest) and names the mistake that step stands for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

from ..wire import HMAC_SHA256, MD5
from ..wire.meter import Meter
from .catalogue import MISTAKES
from .diagnosis import Finding

Pairs = list[tuple[str, str]]
# An edit rebuilds the (name, value) pairs that get signed; None when it cannot be afforded.
EditFn = Callable[[Pairs, "KeyCandidate"], Pairs | None]
Params = Mapping[str, str] | Callable[["KeyCandidate"], Mapping[str, str]]

SHOWN = 40  # characters of a value a finding shows

# The cost of transforming one character, in the meter's units (one unit ~ one byte hashed).
QUOTE_COST = 32
GBK_COST = 2


@dataclass(frozen=True, slots=True)
class KeyCandidate:
    """A key worth trying: whose it is (``role`` of ``owner``) and the mistake it stands for."""

    key: str
    role: str  # one of KEY_ROLES
    owner: str = ""
    mistake: str = ""

    def label(self, lang: str = "en") -> str:
        en, zh = KEY_ROLES.get(self.role, (self.role, self.role))
        return (zh if lang == "zh" else en).format(owner=self.owner or "?")


KEY_ROLES = {
    "api_key": ("the API key of merchant {owner}", "商户{owner}的API密钥"),
    "sandbox_signkey": ("the sandbox_signkey of merchant {owner}", "商户{owner}的沙箱密钥sandbox_signkey"),
    "appsecret": ("the AppSecret of {owner}", "小程序{owner}的AppSecret"),
    "given_key": ("the key given", "给定的密钥"),
    "pasted_key": ("the key at the end of the pasted string", "粘贴的字符串末尾的密钥"),
}


@dataclass(slots=True)
class Option:
    """One deviation from the right algorithm and the mistakes it stands for (its cost)."""

    axis: str  # key, order, suffix, encoding, algorithm (one option each in a combination), or edit
    codes: tuple[str, ...]
    payload: Any = None  # key: KeyCandidate; order: "sent"; suffix: its code; encoding; algorithm; edit: EditFn
    params: Params = field(default_factory=dict)
    groups: frozenset[str] = frozenset()  # what an edit touches: edits in one combination touch different things
    stage: int = 1  # edits apply in stage order: 0 which fields, 1 names and single values, 2 every value
    reach: int = 3  # the largest combination it joins: 3 string-level, 2 single fields, 1 guesses (or a key)
    declares: str = ""  # an edit that also says which algorithm the sign uses (sign_type signed, not sent)
    prior: float = field(init=False)

    def __post_init__(self) -> None:
        prior = 1.0
        for code in self.codes:
            prior *= MISTAKES[code].prior if code in MISTAKES else 0.1
        self.prior = prior

    @property
    def cost(self) -> int:
        return len(self.codes)

    def findings(self, key: KeyCandidate) -> list[Finding]:
        params = self.params(key) if callable(self.params) else self.params
        return [Finding(code, dict(params)) for code in self.codes]


def shown(value: str) -> str:
    """A value as a finding shows it: at most SHOWN characters."""
    return value if len(value) <= SHOWN else value[: SHOWN - 3] + "..."


def names_of(pairs: Pairs) -> str:
    return ", ".join(name for name, _ in pairs)


# -- the key, the order, the suffix, the encoding, the digest -----------------------------------


def key_options(keys: list[KeyCandidate]) -> list[Option]:
    return [Option("key", (k.mistake,), k, {"owner": k.owner}) for k in keys[1:] if k.mistake in MISTAKES]


def order_options(sent: Pairs) -> list[Option]:
    names = [name for name, _ in sent]
    return [Option("order", ("unsorted",), "sent")] if names != sorted(names) else []


def suffix_options(sent: Pairs) -> list[Option]:
    last = f"{sent[-1][0]}={shown(sent[-1][1])}" if sent else ""
    options = [
        Option("suffix", ("key_missing",), "key_missing"),
        Option("suffix", ("key_without_name",), "key_without_name"),
        Option("suffix", ("key_glued",), "key_glued", {"last": last}),
    ]
    if any(name > "key" for name, _ in sent):  # otherwise 'key=' sorts last anyway
        options.append(Option("suffix", ("key_sorted_in",), "key_sorted_in"))
    return options


def encoding_options(sent: Pairs) -> list[Option]:
    if all(name.isascii() and value.isascii() for name, value in sent):
        return []
    return [Option("encoding", ("gbk_encoded",), "gbk")]


def algorithm_options(declared: str, type_field: str, type_sent: bool) -> list[Option]:
    """The other algorithm, and HMAC with key and message swapped."""
    other = HMAC_SHA256 if declared == MD5 else MD5
    params = {"used": other, "declared": declared, "type_field": type_field}
    wrong = "algorithm_mismatch" if type_sent or other == MD5 else "hmac_without_sign_type"
    swapped_params = {"used": HMAC_SHA256, "declared": declared, "type_field": type_field}
    if declared == HMAC_SHA256:
        swapped = Option("algorithm", ("hmac_swapped",), (HMAC_SHA256, True), swapped_params)
    else:
        swapped = Option("algorithm", (wrong, "hmac_swapped"), (HMAC_SHA256, True), swapped_params)
    return [Option("algorithm", (wrong,), (other, False), params), swapped]


# -- which fields, and their values ---------------------------------------------------------------


def field_set_options(
    every: Pairs, sent: Pairs, params: Mapping[str, str], received: str, meter: Meter, right_sign: RightSign
) -> list[Option]:
    """Empty fields kept, sign_type left out, the sign field signed, every value encoded or trimmed."""
    options: list[Option] = []
    empties = [(n, v) for n, v in every if v == ""]
    if empties:
        options.append(
            Option(
                "edit",
                ("empty_fields_included",),
                lambda pairs, key: list(every),
                {"fields": names_of(empties)},
                frozenset({"empties"}),
                stage=0,
            )
        )
    if any(name == "sign_type" for name, _ in sent):
        options.append(Option("edit", ("sign_type_omitted",), dropped("sign_type"), groups=frozenset({"f:sign_type"})))
    options += _sign_options(params, received, right_sign)
    options += _every_value_options(sent, meter)
    return options


def dropped(name: str) -> EditFn:
    """Sign without the field ``name``."""
    return lambda pairs, key: [p for p in pairs if p[0] != name]


def renamed(old: str, new: str) -> EditFn:
    """Sign the field ``old`` under the name ``new``."""
    return lambda pairs, key: [(new if n == old else n, v) for n, v in pairs]


def revalued(name: str, value: Callable[[], str | None]) -> EditFn:
    """Sign the field ``name`` with ``value()`` (None when it could not be afforded)."""

    def edit(pairs: Pairs, key: KeyCandidate) -> Pairs | None:
        new = value()
        return None if new is None else [(n, new if n == name else v) for n, v in pairs]

    return edit


class RightSign:
    """The sign the fields would have under a key (what a first signing produced), computed once per key."""

    def __init__(self, compute: Callable[[KeyCandidate], str]) -> None:
        self._compute = compute
        self._cache: dict[str, str] = {}

    def __call__(self, key: KeyCandidate) -> str:
        if key.key not in self._cache:
            self._cache[key.key] = self._compute(key)
        return self._cache[key.key]


def _sign_options(params: Mapping[str, str], received: str, right_sign: RightSign) -> list[Option]:
    names = list(params)
    where = names.index("sign") if "sign" in names else len(names)

    def insert(value: Callable[[KeyCandidate], str]) -> EditFn:
        def edit(pairs: Pairs, key: KeyCandidate) -> Pairs:
            before = sum(1 for name, _ in pairs if name in names[:where])
            return [*pairs[:before], ("sign", value(key)), *pairs[before:]]

        return edit

    group = frozenset({"f:sign"})
    options = [
        Option("edit", ("sign_placeholder_signed",), insert(lambda key: ""), groups=group),
        Option("edit", ("signed_twice",), insert(right_sign), lambda key: {"value": right_sign(key)}, group),
    ]
    old = params.get("sign", "")
    if old and old != received:  # a sign given with the fields, and another one to check
        options.insert(0, Option("edit", ("sign_included",), insert(lambda key: old), {"value": shown(old)}, group))
    return options


def _every_value_options(sent: Pairs, meter: Meter) -> list[Option]:
    size = sum(len(v) for _, v in sent)
    options = []
    for encode in (quote, quote_plus):
        transform = _Transform(sent, lambda v, e=encode: e(v, safe=""), meter, QUOTE_COST * size)
        if any(not v.isalnum() for _, v in sent if v):
            options.append(
                Option("edit", ("url_encoded",), transform.edit, transform.changed, frozenset({"values"}), stage=2)
            )
    if any(v != v.strip() for _, v in sent):
        trimmed = _Transform(sent, str.strip, meter, size)
        options.append(
            Option("edit", ("trimmed",), trimmed.edit, trimmed.changed, frozenset({"values"}), stage=2),
        )
    return options


class _Transform:
    """A transform of every value, computed once (if the meter affords it) and applied to any pairs."""

    def __init__(self, sent: Pairs, fn: Callable[[str], str], meter: Meter, cost: int) -> None:
        self.sent, self.fn, self.meter, self.cost = sent, fn, meter, cost
        self._map: dict[str, str] | None = None
        self._failed = False

    def mapping(self) -> dict[str, str] | None:
        if self._map is None and not self._failed:
            if not self.meter.spend(self.cost):
                self._failed = True
                return None
            self._map = {v: self.fn(v) for _, v in self.sent}
        return self._map

    def edit(self, pairs: Pairs, key: KeyCandidate) -> Pairs | None:
        mapping = self.mapping()
        if mapping is None:
            return None
        out = [(n, mapping.get(v, v)) for n, v in pairs]
        return [(n, v) for n, v in out if v != ""]

    def changed(self, key: KeyCandidate) -> dict[str, str]:
        mapping = self.mapping() or {}
        return {"fields": ", ".join(n for n, v in self.sent if mapping.get(v, v) != v)}
