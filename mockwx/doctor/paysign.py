"""The paySign of wx.requestPayment (protocol/v2.md 4, miniprogram-client.md 6): the mistakes only a
paySign can make, as search options, and the client-side rules WeChat applies before paying
(timeStamp in seconds, signType spelled right and equal to the order's sign_type).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..wire import HMAC_SHA256, MD5, SIGN_TYPES
from .diagnosis import Finding
from .options import Option, Pairs, dropped, renamed, revalued

PAY_SIGN_NAMES = ("appId", "nonceStr", "package", "signType", "timeStamp")
# The other spellings programs use for the five names (all lower case has its own option).
SPELLINGS: dict[str, tuple[str, ...]] = {
    "appId": ("appid", "app_id", "appID", "AppId"),
    "nonceStr": ("noncestr", "nonce_str", "nonceString", "NonceStr"),
    "package": ("Package", "packageValue", "package_str"),
    "signType": ("signtype", "sign_type", "SignType"),
    "timeStamp": ("timestamp", "time_stamp", "TimeStamp"),
}
PREFIX = "prepay_id="
OTHER_APPID_WEIGHT = 0.5  # an appid guessed from the merchant's others is less likely than the one sent


def pay_sign_options(
    fields: Mapping[str, str],
    *,
    claimed_appid: str = "",
    other_appids: Sequence[str] = (),
    other_packages: Sequence[tuple[str, str]] = (),
) -> list[Option]:
    """The paySign mistakes worth trying for these five fields.

    ``claimed_appid`` is the appId the caller sent (if any), ``other_appids`` the merchant's other
    apps, ``other_packages`` (prepay_id, out_trade_no) of the merchant's other recent orders.
    """
    options: list[Option] = []
    everything = frozenset({"names", *(f"f:{n}" for n in fields)})
    options.append(Option("edit", ("lowercase_names",), _lower_names, groups=everything))
    for name in fields:
        for alt in SPELLINGS.get(name, ()):
            params = {"field": name, "signed": alt}
            options.append(
                Option(
                    "edit",
                    ("paysign_field_name",),
                    renamed(name, alt),
                    params,
                    frozenset({f"f:{name}", "names"}),
                    reach=2,
                )
            )
    if "signType" in fields:
        options.append(
            Option("edit", ("paysign_sign_type_omitted",), dropped("signType"), groups=frozenset({"f:signType"}))
        )
    if "appId" in fields:
        options.append(Option("edit", ("paysign_appid_omitted",), dropped("appId"), groups=frozenset({"f:appId"})))
    options += _package_options(fields.get("package", ""), other_packages)
    options += _appid_options(fields.get("appId", ""), claimed_appid, other_appids)
    options += _timestamp_options(fields.get("timeStamp", ""))
    options += _sign_type_options(fields.get("signType", ""))
    return options


def own_spellings(fields: Mapping[str, str]) -> list[str]:
    """The spellings these options name, so that the generic field search does not name them again."""
    return [name.lower() for name in fields] + [alt for name in fields for alt in SPELLINGS.get(name, ())]


def _lower_names(pairs: Pairs, key: object) -> Pairs:
    return [(name.lower(), value) for name, value in pairs]


def _package_options(package: str, others: Sequence[tuple[str, str]]) -> list[Option]:
    if not package.startswith(PREFIX):
        return []
    group = frozenset({"f:package"})
    bare = package[len(PREFIX) :]
    options = [Option("edit", ("package_without_prefix",), revalued("package", lambda: bare), groups=group)]
    for prepay_id, out_trade_no in others:
        if prepay_id and prepay_id != bare:
            options.append(
                Option(
                    "edit",
                    ("paysign_other_prepay_id",),
                    revalued("package", lambda p=prepay_id: PREFIX + p),
                    {"signed": prepay_id, "sent": bare, "other": out_trade_no},
                    group,
                    reach=2,
                )
            )
    return options


def _appid_options(order_appid: str, claimed: str, others: Sequence[str]) -> list[Option]:
    options = []
    candidates = [claimed] if claimed and claimed != order_appid else []
    candidates += [a for a in others if a not in candidates and a != order_appid]
    for i, appid in enumerate(candidates):
        option = Option(
            "edit",
            ("wrong_appid",),
            revalued("appId", lambda a=appid: a),
            {"appid": appid, "order_appid": order_appid},
            frozenset({"f:appId"}),
        )
        if i or not claimed or claimed == order_appid:
            option.prior *= OTHER_APPID_WEIGHT
            option.reach = 2
        options.append(option)
    return options


def _timestamp_options(value: str) -> list[Option]:
    """Signed in seconds but sent in milliseconds, or the reverse."""
    if not (value.isascii() and value.isdigit()):
        return []
    alts = [value[:-3]] if len(value) == 13 else [value + "000"] if len(value) == 10 else []
    return [
        Option(
            "edit",
            ("field_value_differs",),
            revalued("timeStamp", lambda a=alt: a),
            {"field": "timeStamp", "signed": alt, "sent": value},
            frozenset({"f:timeStamp"}),
            reach=2,
        )
        for alt in alts
    ]


def _sign_type_options(value: str) -> list[Option]:
    """Signed with signType spelled right, sent misspelled ('HMACSHA256')."""
    meant = meant_sign_type(value)
    if not meant or meant == value:
        return []
    return [
        Option(
            "edit",
            ("field_value_differs",),
            revalued("signType", lambda: meant),
            {"field": "signType", "signed": meant, "sent": value},
            frozenset({"f:signType"}),
            reach=2,
        )
    ]


# -- the rules the client checks --------------------------------------------------------------------


def meant_sign_type(value: str) -> str:
    """The v2 sign type a signType value stands for ('HMACSHA256' -> HMAC-SHA256), or ''."""
    if value in SIGN_TYPES:
        return value
    squeezed = "".join(c for c in value.upper() if c.isalnum())
    return {"MD5": MD5, "HMACSHA256": HMAC_SHA256}.get(squeezed, "")


def rule_findings(time_stamp: str, sign_type: str, order_sign_type: str) -> list[Finding]:
    """What WeChat's client refuses whatever the paySign: signType misspelled, unknown or not the
    order's, and timeStamp in milliseconds."""
    found = []
    meant = meant_sign_type(sign_type)
    if not meant:
        found.append(Finding("sign_type_unknown", {"value": sign_type, "order_sign_type": order_sign_type}))
    elif meant != sign_type:
        found.append(Finding("sign_type_misspelled", {"value": sign_type, "meant": meant}))
    if meant and meant != order_sign_type:
        found.append(Finding("paysign_sign_type_mismatch", {"used": meant, "order_sign_type": order_sign_type}))
    if time_stamp.isascii() and time_stamp.isdigit() and len(time_stamp) == 13:
        found.append(Finding("timestamp_milliseconds", {"value": time_stamp}))
    return found
