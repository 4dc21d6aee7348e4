"""The doctor's work is bounded (issue 8 item 12): counted in candidates and work units, never timed
here (bench/bench_doctor.py measures the time)."""

from __future__ import annotations

import json

from mockwx.doctor import MAX_CANDIDATES, Budget, KeyCandidate, diagnose

from .tutorial import APPID, KEY, MCH_ID, ORDER, SECRET, joined, md5, tidy

KEYS = [KeyCandidate(KEY, "api_key", MCH_ID), KeyCandidate(SECRET, "appsecret", APPID, "appsecret_as_key")]
HUGE = {
    **ORDER,
    "detail": json.dumps({"goods": [{"name": "拿铁 & co", "n": i} for i in range(6300)]}, ensure_ascii=False),
}


def test_a_huge_badly_signed_body_costs_a_few_candidates():
    assert len(HUGE["detail"].encode()) > 220_000
    d = diagnose({**HUGE, "sign": "0" * 32}, "0" * 32, sign_type="MD5", keys=KEYS)
    assert d.mistakes == [] and d.tried <= 5
    assert [n.code for n in d.notes] == ["search_cut_short"] and "budget" in d.note_texts("en")[0]


def test_the_likeliest_mistake_is_still_found_in_a_huge_body():
    received = md5(joined(tidy(HUGE)) + "&key=" + SECRET)
    d = diagnose({**HUGE, "sign": received}, received, sign_type="MD5", keys=KEYS)
    assert d.mistakes == ["appsecret_as_key"] and d.tried == 2


def test_a_typical_request_stops_at_the_candidate_budget():
    d = diagnose({**ORDER, "sign": "0" * 32}, "0" * 32, sign_type="MD5", keys=KEYS)
    assert d.tried <= MAX_CANDIDATES and d.mistakes == []
    small = diagnose({**ORDER, "sign": "0" * 32}, "0" * 32, sign_type="MD5", keys=KEYS, budget=Budget(candidates=20))
    assert small.tried == 20 and small.notes[-1].code == "search_cut_short"


def test_a_costly_transform_is_not_even_started_beyond_the_budget():
    # URL-encoding a 230 KB value costs 32 units a character: more than the whole budget
    spaced = {**HUGE, "detail": HUGE["detail"] + " "}
    received = md5(joined(tidy(spaced)) + "&key=" + KEY + "x")
    d = diagnose({**spaced, "sign": received}, received, sign_type="MD5", keys=KEYS, budget=Budget(work=1_000_000))
    assert d.mistakes == [] and d.tried <= 3


NASTY = [
    {"total_fee": "9" * 5000},  # past Python's int() digit limit
    {"total_fee": "1.5e999999999"},
    {"refund_fee": "NaN", "cash_fee": "sNaN"},
    {"detail": "[" * 50_000 + "]" * 50_000},  # JSON nested past the recursion limit
    {"detail": '{"a": "\\ud800"}'},
    {"body": "\x00\x7f\u200b\U0001f600", "attach": " " * 1000},
    {"名字": "值", "key": "x", "sign_type": "HMACSHA256"},
    {"": "empty name", "a" * 500: "long name"},
]


def test_nasty_fields_get_a_diagnosis_not_an_exception():
    for extra in NASTY:
        fields = {**ORDER, **extra}
        for received in ("0" * 32, "", " \n", "é" * 64):
            d = diagnose({**fields, "sign": received}, received, sign_type="MD5", keys=KEYS)
            assert d.explanation("zh") and d.hint().isascii()
