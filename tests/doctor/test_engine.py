"""The signature doctor names the mistake that produced a wrong sign, on a small request with
characters that URL-encode. Each wrong sign is built by hand, not with the doctor's own helpers."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from mockwx.doctor import KeyCandidate, diagnose, diagnose_pay_sign, rule_findings
from mockwx.wire import pay_sign_fields

from .tutorial import KEY, SECRET, hmac256, md5
from .tutorial import joined as pairs_joined

SANDBOX = "0123456789abcdef0123456789abcdef"
KEYS = [
    KeyCandidate(KEY, "api_key", "10000100"),
    KeyCandidate(SECRET, "appsecret", "wxd930ea5d5a258f4f", "appsecret_as_key"),
    KeyCandidate(SANDBOX, "sandbox_signkey", "10000100", "sandbox_key_on_production"),
]
FIELDS = {
    "appid": "wxd930ea5d5a258f4f",
    "mch_id": "10000100",
    "nonce_str": "ibuaiVcKdpRxkhJA",
    "body": "a b/c",
    "out_trade_no": "T1",
    "total_fee": "1",
    "attach": "",
    "sign_type": "MD5",
}


def joined(items, key=None) -> str:
    return pairs_joined(items) + (f"&key={key}" if key is not None else "")


GOOD = sorted((k, v) for k, v in FIELDS.items() if v)


def run(received: str, fields=FIELDS, sign_type="MD5", **kw):
    return diagnose({**fields, "sign": received}, received, sign_type=sign_type, keys=KEYS, **kw)


@pytest.mark.parametrize(
    ("mistake", "received"),
    [
        ("appsecret_as_key", md5(joined(GOOD, SECRET))),
        ("sandbox_key_on_production", md5(joined(GOOD, SANDBOX))),
        ("lowercase_hex", md5(joined(GOOD, KEY)).lower()),
        ("algorithm_mismatch", hmac256(joined(GOOD, KEY), KEY)),
        ("sign_type_omitted", md5(joined([(k, v) for k, v in GOOD if k != "sign_type"], KEY))),
        ("empty_fields_included", md5(joined(sorted(FIELDS.items()), KEY))),
        ("url_encoded", md5(joined([(k, quote(v, safe="")) for k, v in GOOD], KEY))),
        ("unsorted", md5(joined([(k, v) for k, v in FIELDS.items() if v], KEY))),
        ("key_missing", md5(joined(GOOD))),
        ("key_without_name", md5(joined(GOOD) + "&" + KEY)),
    ],
)
def test_names_the_single_mistake(mistake, received):
    diagnosis = run(received)
    assert diagnosis.mistakes == [mistake]
    assert diagnosis.explanation("en") and diagnosis.fix("en") and diagnosis.explanation("zh") and diagnosis.fix("zh")
    assert KEY not in diagnosis.expected_string and "key=1920" in diagnosis.expected_string


def test_sign_included_in_the_string():
    # The merchant put a placeholder sign into the dict before signing, then replaced it.
    placeholder = "PLACEHOLDER"
    received = md5(joined(sorted([*GOOD, ("sign", placeholder)]), KEY))
    diagnosis = diagnose({**FIELDS, "sign": placeholder}, received, sign_type="MD5", keys=KEYS)
    assert diagnosis.mistakes == ["sign_included"]


def test_trimmed_values():
    fields = {**FIELDS, "body": " padded "}
    received = md5(joined(sorted((k, v.strip()) for k, v in fields.items() if v), KEY))
    diagnosis = run(received, fields)
    assert diagnosis.mistakes == ["trimmed"]
    assert "body" in diagnosis.explanation()


def test_gbk_bytes():
    fields = {**FIELDS, "body": "腾讯充值"}
    good = sorted((k, v) for k, v in fields.items() if v)
    diagnosis = run(md5(joined(good, KEY), "gbk"), fields)
    assert diagnosis.mistakes == ["gbk_encoded"]


def test_two_mistakes_at_once():
    received = md5(joined(GOOD, SECRET)).lower()
    diagnosis = run(received)
    assert sorted(diagnosis.mistakes) == ["appsecret_as_key", "lowercase_hex"]
    assert "AppSecret of wxd930ea5d5a258f4f" in diagnosis.explanation()


def test_declared_hmac_signed_md5():
    fields = {**FIELDS, "sign_type": "HMAC-SHA256"}
    good = sorted((k, v) for k, v in fields.items() if v)
    diagnosis = run(md5(joined(good, KEY)), fields, sign_type="HMAC-SHA256")
    assert diagnosis.mistakes == ["algorithm_mismatch"]
    assert diagnosis.explanation() == "The sign was made with MD5, but sign_type calls for HMAC-SHA256."


def test_unknown_mistake_says_so_and_shows_the_expected_string():
    diagnosis = run("0" * 32)
    assert diagnosis.mistakes == []
    assert "None of the common mistakes" in diagnosis.explanation()
    assert diagnosis.expected_string.startswith("appid=wxd930ea5d5a258f4f&body=a b/c&mch_id=10000100")
    assert diagnosis.expected_sign == md5(joined(GOOD, KEY))


def test_missing_sign():
    diagnosis = diagnose(FIELDS, "", sign_type="MD5", keys=KEYS)
    assert diagnosis.mistakes == ["no_sign"] and diagnosis.explanation() == "The request carries no sign."


@pytest.mark.parametrize(
    ("mistake", "builder"),
    [
        ("lowercase_names", lambda f: {k.lower(): v for k, v in f.items()}),
        ("package_without_prefix", lambda f: {**f, "package": f["package"].removeprefix("prepay_id=")}),
    ],
)
def test_pay_sign_mistakes(mistake, builder):
    fields = pay_sign_fields("wxd930ea5d5a258f4f", "1490840662", "n0nce", "prepay_id=wx123", "MD5")
    received = md5(joined(sorted(builder(fields).items()), KEY))
    diagnosis = diagnose_pay_sign(fields, received, sign_type="MD5", keys=KEYS)
    assert diagnosis.mistakes == [mistake]


@pytest.mark.parametrize("signed", ["a b/c ", " a b/c", "a b/c\n", "a b/c\r\n", " a b/c ", "  a b/c  "])
def test_a_value_signed_before_it_was_trimmed(signed):
    received = md5(joined(sorted({**dict(GOOD), "body": signed}.items()), KEY))
    diagnosis = run(received)
    assert diagnosis.mistakes == ["trimmed_after_signing"]
    shown = json.dumps(signed, ensure_ascii=False)  # the whitespace visible: "a b/c\n"
    assert diagnosis.findings[0].params == {"field": "body", "signed": shown, "sent": "a b/c"}
    assert f"The field body was signed with whitespace around it ({shown}) but sent trimmed ('a b/c')" in (
        diagnosis.explanation()
    )


def test_a_long_value_signed_before_it_was_trimmed_shows_its_ends():
    long = "x" * 100 + "y"
    received = md5(joined(sorted({**dict(GOOD), "body": long + "\n"}.items()), KEY))
    diagnosis = run(received, {**FIELDS, "body": long})
    assert diagnosis.mistakes == ["trimmed_after_signing"]
    assert diagnosis.findings[0].params["signed"] == json.dumps("x" * 20 + "..." + "x" * 18 + "y\n")


@pytest.mark.parametrize("received", ["ABC", "A" * 7, "A" * 65, "Z" * 32, "签名" * 16])
def test_a_sign_no_digest_can_equal_is_not_searched_for(received):
    diagnosis = run(received)
    assert diagnosis.tried == 0 and diagnosis.mistakes in ([], ["sign_wrong_length"])
    assert "None of the common mistakes" in diagnosis.explanation()
    assert not diagnosis.notes or diagnosis.notes[0].code != "search_cut_short"


def test_a_sign_cut_off_at_eight_characters_is_still_found():
    diagnosis = run(md5(joined(GOOD, SECRET))[:8])
    assert diagnosis.mistakes == ["appsecret_as_key", "sign_truncated"]


FIVE = pay_sign_fields("wxd930ea5d5a258f4f", "1490840662", "n0nce", "prepay_id=wx123", "HMACSHA256")


def test_hmacsha256_and_an_md5_pay_sign_read_as_one_coherent_explanation():
    received = md5(joined(sorted(FIVE.items()), KEY))
    facts = rule_findings("1490840662", "HMACSHA256", "HMAC-SHA256")
    diagnosis = diagnose_pay_sign(FIVE, received, sign_type="HMAC-SHA256", keys=KEYS, facts=facts)
    assert diagnosis.explanation() == (
        "signType is 'HMACSHA256', which WeChat does not know; it is spelled exactly HMAC-SHA256."
        " The paySign was made with MD5, but signType calls for HMAC-SHA256."
    )
    assert diagnosis.explanation("zh") == (
        "signType写成了“HMACSHA256”，微信不认识；应该严格写成HMAC-SHA256。paySign是用MD5算的，但signType要求的是HMAC-SHA256。"
    )


@pytest.mark.parametrize("received", ["UkVBTExZIFJTQQ==" * 21 + "AAAA", md5("unrelated")])
def test_signtype_rsa_on_a_v2_order_is_the_one_mistake_named(received):
    fields = {**FIVE, "signType": "RSA"}
    facts = rule_findings("1490840662", "RSA", "MD5")
    diagnosis = diagnose_pay_sign(fields, received, sign_type="MD5", keys=KEYS, facts=facts)
    assert diagnosis.mistakes == ["sign_type_unknown"]
    assert diagnosis.explanation().startswith("signType is 'RSA', which is not a Pay v2 sign type")
    if len(received) == 32:  # a v2 digest no mistake explains: the verdict says so too
        assert "None of the common mistakes reproduces the paySign" in diagnosis.explanation()
    else:  # an RSA signature: no v2 search, nothing more to say than the signType
        assert diagnosis.tried == 0 and "None of the common mistakes" not in diagnosis.explanation()
