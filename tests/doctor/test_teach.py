"""The ``sign`` command and POST /__mock__/sign: fields as name=value, XML or a pasted signed string;
the official example; the demo tenant's AppSecret known without --appsecret; errors; languages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockwx.cli import main
from mockwx.doctor.teach import read_pasted

from .tutorial import APPID, KEY, SECRET, joined, md5, right

ROOT = Path(__file__).resolve().parents[2]
# protocol/v2.md 2.1: WeChat's own example
EXAMPLE = {"appid": APPID, "mch_id": "10000100", "device_info": "1000", "body": "test", "nonce_str": "ibuaiVcKdpRxkhJA"}
EXAMPLE_SIGN = "9A0A8659F005D6984697E2CA0A9CF3B7"


def test_a_pasted_string_is_read_as_fields_with_its_key_and_sign():
    reading = read_pasted(f"appid={APPID}&body=a&b=c&attach=&sign=ABC&key={KEY}")
    assert reading.fields == {"appid": APPID, "body": "a", "b": "c", "attach": ""}
    assert (reading.key, reading.received) == (KEY, "ABC")
    assert [n.code for n in reading.notes] == ["pasted_fields", "pasted_key", "pasted_sign"]
    assert read_pasted("body=咖啡&奶&total_fee=1").fields == {"body": "咖啡&奶", "total_fee": "1"}
    with pytest.raises(ValueError):
        read_pasted("&&x")


def test_the_pasted_string_of_a_tutorial_is_diagnosed_itself():
    pasted = joined(EXAMPLE.items()) + "&key=" + KEY  # as the tutorial logged it: unsorted
    result = subprocess.run(
        [sys.executable, str(ROOT / "run_mock.py"), "sign", pasted], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "Read 5 fields from the pasted string" in result.stdout
    assert "The key=... in the pasted string was taken as the API key" in result.stdout
    assert EXAMPLE_SIGN in result.stdout
    assert "why:  The fields were joined in the order they were sent" in result.stdout


def test_a_right_pasted_string_is_said_right(capsys):
    assert main(["sign", joined(sorted(EXAMPLE.items())) + "&key=" + KEY]) == 0
    out = capsys.readouterr().out
    assert "the pasted string is exactly the one WeChat signs." in out and EXAMPLE_SIGN in out


def test_the_demo_apps_secret_is_suspected_without_being_given(capsys):
    wrong = right(EXAMPLE, SECRET)
    assert main(["sign", *(f"{k}={v}" for k, v in EXAMPLE.items()), "--check", wrong, "--lang", "zh"]) == 1
    assert "原因：计算sign时用的是小程序wxd930ea5d5a258f4f的AppSecret" in capsys.readouterr().out


def test_a_key_given_and_another_in_the_pasted_string(capsys):
    other = "0" * 32
    pasted = joined(sorted(EXAMPLE.items())) + "&key=" + other
    assert main(["sign", pasted, "--key", KEY]) == 1
    out = capsys.readouterr().out
    assert "made with the key at the end of the pasted string (0000" in out


def test_pay_sign_fields_and_a_right_pay_sign(capsys):
    five = {"appId": APPID, "timeStamp": "1490840662", "nonceStr": "n", "package": "prepay_id=wx1", "signType": "MD5"}
    assert main(["sign", *(f"{k}={v}" for k, v in five.items()), f"paySign={right(five)}"]) == 0
    assert "the paySign " + right(five) + " is right." in capsys.readouterr().out
    lower = md5(joined(sorted((k.lower(), v) for k, v in five.items())) + "&key=" + KEY)
    assert main(["sign", *(f"{k}={v}" for k, v in five.items()), "--check", lower]) == 1
    assert "field names were written in lower case" in capsys.readouterr().out


def test_sign_command_bad_input(capsys):
    assert main(["sign", "oops"]) == 2
    assert main(["sign"]) == 2
    assert main(["sign", "=x"]) == 2
    assert main(["sign", "&&a=1=2"]) == 2
    assert "error:" in capsys.readouterr().err


async def test_post_sign_official_example(client):
    answer = await client.control("POST", "/sign", {"fields": EXAMPLE, "key": KEY})
    assert answer["sign"] == EXAMPLE_SIGN and answer["string"].endswith("&key=" + KEY)
    assert "check" not in answer and "diagnosis" not in answer


async def test_post_sign_with_a_pasted_string_in_chinese(client):
    pasted = joined(EXAMPLE.items()) + "&key=" + KEY
    answer = await client.control("POST", "/sign", {"string": pasted, "lang": "zh"})
    assert answer["sign"] == EXAMPLE_SIGN and answer["fields"] == EXAMPLE
    assert answer["read"][0] == "已把粘贴的字符串按“&”拆成5个参数（name=value）。"
    assert answer["diagnosis"]["mistakes"] == ["unsorted"] and answer["diagnosis"]["lang"] == "zh"


async def test_post_sign_without_a_key_uses_the_tenants_masked(client):
    answer = await client.control("POST", "/sign", {"fields": EXAMPLE, "check": right(EXAMPLE, SECRET)})
    assert answer["sign"] == EXAMPLE_SIGN and KEY not in str(answer)
    assert answer["string"].endswith("&key=1920************************6a2d")
    assert answer["read"] == [
        "No key was given: this is the API key of merchant 10000100 as the mock knows it (masked here)."
    ]
    assert answer["check"] == {"sign": right(EXAMPLE, SECRET), "right": False}
    assert answer["diagnosis"]["mistakes"] == ["appsecret_as_key"]


@pytest.mark.parametrize(
    "body",
    [
        {"fields": {"appid": "wx0000000000000000"}},  # no key, no merchant (this appId is bound to none)
        {"fields": EXAMPLE, "key": 5},
        {"fields": EXAMPLE, "key": KEY, "appsecret": [1]},
        {"fields": EXAMPLE, "key": KEY, "sign_type": "SHA1"},
        {"fields": EXAMPLE, "key": KEY, "check": 1},
        {"fields": EXAMPLE, "key": KEY, "lang": "fr"},
        {"string": "no pairs here"},
        {"fields": {}},
    ],
)
async def test_post_sign_refuses_what_it_cannot_use(client, body):
    async with client.session.post(f"{client.url}/__mock__/sign", json=body) as response:
        assert response.status == 400
        assert (await response.json())["error"]


# -- the review of issue 10: key= anywhere, an AppSecret given as the key, the paySign rules --------


def test_key_and_sign_are_taken_from_any_position():
    reading = read_pasted(f"appid={APPID}&key={KEY}&mch_id=10000100&sign=ABC&nonce_str=n")
    assert reading.fields == {"appid": APPID, "mch_id": "10000100", "nonce_str": "n"}
    assert (reading.key, reading.received) == (KEY, "ABC")
    twice = read_pasted(f"key={KEY}&appid={APPID}&key=other")  # the first key= is the key, a second is a field
    assert twice.key == KEY and twice.fields == {"appid": APPID, "key": "other"}


def test_a_right_sign_after_key_is_said_right(capsys):
    pasted = joined(sorted(EXAMPLE.items())) + f"&key={KEY}&sign={EXAMPLE_SIGN}"
    assert main(["sign", pasted]) == 0
    assert f"the sign {EXAMPLE_SIGN} is right." in capsys.readouterr().out


def test_an_appsecret_given_as_the_key_is_never_right(capsys):
    made = right(EXAMPLE, SECRET)
    assert main(["sign", *(f"{k}={v}" for k, v in EXAMPLE.items()), "--key", SECRET, "--check", made]) == 1
    out = capsys.readouterr().out
    assert f"the sign {made} matches these fields and this key, but WeChat refuses it:" in out
    assert "why:  The sign was made with the AppSecret of wxd930ea5d5a258f4f instead of the merchant API key." in out
    assert main(["sign", joined(sorted(EXAMPLE.items())) + "&key=" + SECRET, "--lang", "zh"]) == 1
    assert "原因：计算sign时用的是小程序wxd930ea5d5a258f4f的AppSecret" in capsys.readouterr().out


FIVE = {"appId": APPID, "timeStamp": "1490840662", "nonceStr": "n", "package": "prepay_id=wx1"}


def test_pay_sign_rules_are_diagnosed_even_for_the_right_digest(capsys):
    misspelled = {**FIVE, "signType": "HMACSHA256"}
    assert main(["sign", *(f"{k}={v}" for k, v in misspelled.items())]) == 1
    out = capsys.readouterr().out
    assert "HMAC-SHA256 sign:" in out and "why:  signType is 'HMACSHA256', which WeChat does not know" in out
    milliseconds = {**FIVE, "signType": "MD5", "timeStamp": "1490840662000"}
    made = right(milliseconds)
    assert main(["sign", *(f"{k}={v}" for k, v in milliseconds.items()), f"paySign={made}"]) == 1
    out = capsys.readouterr().out
    assert f"the paySign {made} matches these fields and this key, but WeChat refuses it:" in out
    assert "timeStamp is 1490840662000, in milliseconds" in out
    # --sign-type names the order's sign_type: an MD5 paySign for an HMAC order
    assert (
        main(["sign", *(f"{k}={v}" for k, v in {**FIVE, "signType": "MD5"}.items()), "--sign-type", "HMAC-SHA256"]) == 1
    )
    assert (
        "signType is MD5, but the order was placed (unifiedorder) with sign_type HMAC-SHA256" in capsys.readouterr().out
    )


async def test_post_sign_finds_the_merchant_and_the_order_of_pay_sign_fields(client):
    order = await client.unifiedorder("TEACH0000001", 1, sign_type="HMAC-SHA256")
    five = {**FIVE, "package": f"prepay_id={order['prepay_id']}", "signType": "MD5"}
    answer = await client.control("POST", "/sign", {"fields": five, "check": right(five)})  # no key, no mch_id
    assert answer["read"] == [
        "No key was given: this is the API key of merchant 10000100 as the mock knows it (masked here)."
    ]
    assert answer["check"] == {"sign": right(five), "right": False}
    assert answer["diagnosis"]["mistakes"] == ["paysign_sign_type_mismatch"]  # the order's sign_type, not signType's
    unknown_order = {**FIVE, "signType": "HMACSHA256"}  # no such prepay_id: the merchant the appId is bound to
    answer = await client.control("POST", "/sign", {"fields": unknown_order, "lang": "zh"})
    assert answer["sign_type"] == "HMAC-SHA256" and answer["diagnosis"]["mistakes"] == ["sign_type_misspelled"]
    assert "微信不认识" in answer["diagnosis"]["explanation"]
