"""The doctor's entry points: why a v2 sign (protocol/v2.md 2.1) or a paySign (v2.md 4) did not
verify, as a Diagnosis naming the mistakes that reproduce the sign received.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from ..wire import SIGN_TYPES, canonical_string, digest, mask_key
from ..wire.meter import Budget, Meter
from .diagnosis import Diagnosis, Finding
from .fields import field_options
from .options import (
    KeyCandidate,
    Option,
    RightSign,
    algorithm_options,
    encoding_options,
    field_set_options,
    key_options,
    order_options,
    suffix_options,
)
from .paysign import own_spellings, pay_sign_options
from .search import SIGN_LENGTH, Match, Search, can_match

_AXIS_ORDER = {"key": 0, "edit": 1, "order": 2, "suffix": 3, "encoding": 4, "algorithm": 5}


def diagnose(
    params: Mapping[str, str],
    received: str,
    *,
    sign_type: str,
    keys: list[KeyCandidate],
    options: Sequence[Option] = (),
    facts: Sequence[Finding] = (),
    own_names: Sequence[str] = (),
    own_spellings: Sequence[str] = (),
    sign_field: str = "sign",
    type_field: str = "sign_type",
    type_sent: bool | None = None,
    budget: Budget | None = None,
    prefixes: bool = True,
) -> Diagnosis:
    """Explain why ``received`` is not the sign of ``params``; ``keys[0]`` is the right key.

    ``options`` are the caller's own mistakes to try (the paySign's), ``facts`` mistakes the caller
    already knows (rules broken whatever the sign); ``own_names`` / ``own_spellings`` are fields and
    spellings those options name, so the generic field search leaves them alone. ``type_sent`` says
    whether the algorithm was named (default: ``type_field`` is among the params; absent means MD5).
    ``prefixes=False`` (hints redacted) does not recognise a sign cut off: see Search.
    """
    meter = Meter(budget or Budget())
    right = keys[0]
    declared = sign_type if sign_type in SIGN_TYPES else "MD5"
    every = [(k, v) for k, v in params.items() if k != "sign"]
    sent = [(k, v) for k, v in every if v != ""]
    expected = canonical_string(params, right.key)
    meter.spend(2 * len(expected))
    diagnosis = Diagnosis(
        sign_type=declared,
        key_label=right.label("en"),
        key_label_zh=right.label("zh"),
        unkeyed_string=canonical_string(params),
        masked_key=mask_key(right.key),
        expected_sign=digest(expected, right.key, declared),
        received_sign=received,
        findings=list(facts),
        context={"sign_field": sign_field, "type_field": type_field, "sign_type": declared},
    )
    stripped = received.strip()
    if not stripped:
        diagnosis.findings.append(Finding("no_sign"))
        return diagnosis

    right_sign = RightSign(lambda k: digest(canonical_string(params, k.key), k.key, declared))
    every_option = [
        *key_options(keys),
        *field_set_options(every, sent, params, stripped, meter, right_sign),
        *options,
        *field_options(
            sent, meter, own_names=own_names, own_spellings=own_spellings, sign_type_sendable=type_field == "sign_type"
        ),
        *order_options(sent),
        *suffix_options(sent),
        *encoding_options(sent),
        *algorithm_options(declared, type_field, type_field in params if type_sent is None else type_sent),
    ]
    # a sign no hex digest (or the start of one) can equal is not searched for: the budget would be wasted
    match = (
        Search(sent, keys, declared, every_option, stripped, meter, prefixes=prefixes).run()
        if can_match(stripped)
        else None
    )
    if match is not None:
        diagnosis.findings += _named(match, stripped)
    if stripped != received:
        diagnosis.findings.append(Finding("sign_whitespace", {"chars": json.dumps(received, ensure_ascii=False)}))
    # a signType that is no v2 sign type (RSA) already says why no v2 digest is what arrived
    explained = not can_match(stripped) and any(f.code == "sign_type_unknown" for f in facts)
    if match is None and not explained:
        if len(stripped) != SIGN_LENGTH[declared]:
            diagnosis.findings.append(
                Finding(
                    "sign_wrong_length", {"length": str(len(stripped)), "expected_length": str(SIGN_LENGTH[declared])}
                )
            )
        diagnosis.findings.append(Finding("unknown"))
        if meter.short:
            diagnosis.notes.append(Finding("search_cut_short", {"tried": str(meter.candidates)}))
    spaced = [k for k, v in sent if v != v.strip()]
    if spaced and "trimmed" not in diagnosis.mistakes:
        diagnosis.notes.append(Finding("whitespace_values", {"fields": ", ".join(spaced)}))
    diagnosis.tried = meter.candidates
    return diagnosis


def _named(match: Match, received: str) -> list[Finding]:
    found: list[Finding] = []
    for option in sorted(match.options, key=lambda o: (_AXIS_ORDER[o.axis], o.stage)):
        found += option.findings(match.key)
    if match.truncated:
        length = {"length": str(len(received)), "expected_length": str(SIGN_LENGTH[match.algorithm])}
        found.append(Finding("sign_truncated", {**length, "sign_type": match.algorithm}))
    if match.lowercase:
        found.append(Finding("lowercase_hex"))
    return _merged(found)


def _merged(found: list[Finding]) -> list[Finding]:
    """One finding per mistake: two fields left unsigned are one mistake naming both."""
    out: list[Finding] = []
    by_code: dict[str, Finding] = {}
    for finding in found:
        first = by_code.get(finding.code)
        if first is not None and "fields" in first.params and "fields" in finding.params:
            first.params["fields"] += ", " + finding.params["fields"]
            continue
        by_code.setdefault(finding.code, finding)
        out.append(finding)
    return out


def diagnose_pay_sign(
    fields: Mapping[str, str],
    received: str,
    *,
    sign_type: str,
    keys: list[KeyCandidate],
    claimed_appid: str = "",
    other_appids: Sequence[str] = (),
    other_packages: Sequence[tuple[str, str]] = (),
    facts: Sequence[Finding] = (),
    budget: Budget | None = None,
) -> Diagnosis:
    """Explain a paySign over the five fields of wx.requestPayment (see ``pay_sign_options``)."""
    return diagnose(
        fields,
        received,
        sign_type=sign_type,
        keys=keys,
        options=pay_sign_options(
            fields, claimed_appid=claimed_appid, other_appids=other_appids, other_packages=other_packages
        ),
        facts=facts,
        own_names=("appId", "signType"),
        own_spellings=own_spellings(fields),
        sign_field="paySign",
        type_field="signType",
        budget=budget,
    )
