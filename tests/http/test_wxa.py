"""The login APIs that take an access_token, on a real socket (protocol/v2.md 1.4, 1.5): the stable
token, the token checks (41001, 40014, 40001, 42001), /wxa/checksession and getuserphonenumber."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest

from mockwx.config import DEMO_APPID, DEMO_SECRET
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer, mock_config
from mockwx.wire import session_signature

SPACED_RID = re.compile(r" rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$")
HINTED_RID = re.compile(r" hint: \[[A-Za-z0-9]{9}-[A-Za-z0-9]{6}\] rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$")
CREDENTIALS = {"grant_type": "client_credential", "appid": DEMO_APPID, "secret": DEMO_SECRET}


async def call(client, method, path, *, params=None, json=None, data=None):
    async with client.session.request(method, f"{client.url}{path}", params=params, json=json, data=data) as answer:
        assert answer.status == 200  # api.weixin.qq.com answers errors with HTTP 200 too
        return await answer.json(content_type=None), answer.headers


async def token(client) -> str:
    answer, _ = await call(client, "GET", "/cgi-bin/token", params=CREDENTIALS)
    return answer["access_token"]


async def stable(client, **extra) -> dict:
    answer, _ = await call(client, "POST", "/cgi-bin/stable_token", json={**CREDENTIALS, **extra})
    return answer


async def wx(client, path, body):
    return await client.control("POST", f"/wx/{path}", body)


async def phone_code(client, user="alice") -> str:
    return (await wx(client, "phone", {"user": user}))["code"]


async def exchange(client, code, access_token):
    answer, headers = await call(
        client, "POST", "/wxa/business/getuserphonenumber", params={"access_token": access_token}, json={"code": code}
    )
    return answer, headers


# -- the stable token -------------------------------------------------------------------------------


async def test_stable_token_is_the_same_while_it_lives_and_apart_from_the_classic_one(client):
    first = await stable(client)
    assert set(first) == {"access_token", "expires_in"} and first["expires_in"] == 7200
    await client.advance(600)
    again = await stable(client)
    assert again == {"access_token": first["access_token"], "expires_in": 6600}
    classic = await token(client)  # getAccessToken and getStableAccessToken never invalidate each other
    answer, _ = await exchange(client, await phone_code(client), first["access_token"])
    assert answer["errcode"] == 0
    assert classic != first["access_token"]


async def test_stable_token_in_its_last_five_minutes_is_renewed_and_the_old_one_lives_out_its_time(client):
    first = await stable(client)
    await client.advance(7200 - 200)
    renewed = await stable(client)
    assert renewed["access_token"] != first["access_token"] and renewed["expires_in"] == 7200
    answer, _ = await exchange(client, await phone_code(client), first["access_token"])
    assert answer["errcode"] == 0
    await client.advance(200)
    answer, _ = await exchange(client, await phone_code(client), first["access_token"])
    assert answer["errcode"] == 40001


async def test_force_refresh_retires_the_previous_token_at_once(client):
    first = await stable(client)
    forced = await stable(client, force_refresh=True)
    assert forced["access_token"] != first["access_token"]
    answer, headers = await exchange(client, await phone_code(client), first["access_token"])
    assert answer["errcode"] == 40001
    assert answer["errmsg"].startswith("invalid credential, access_token is invalid or not latest rid: ")
    assert "replaced by a newer one" in headers["X-Mockwx-Hint"]


@pytest.mark.parametrize(
    ("method", "body", "errcode"),
    [
        ("GET", None, 43002),
        ("POST", b"grant_type=client_credential", 47001),
        ("POST", b"[1]", 47001),
        ("POST", {**CREDENTIALS, "grant_type": "authorization_code"}, 40002),
        ("POST", {"grant_type": "client_credential", "secret": DEMO_SECRET}, 41002),
        ("POST", {**CREDENTIALS, "secret": "x" * 32}, 40125),
        ("POST", {**CREDENTIALS, "appid": "wx0000000000000000"}, 40013),
        ("POST", {**CREDENTIALS, "force_refresh": "yes"}, 47001),
    ],
)
async def test_stable_token_errors(client, method, body, errcode):
    kwargs = {"json": body} if isinstance(body, dict) else {"data": body}
    answer, headers = await call(client, method, "/cgi-bin/stable_token", **kwargs)
    assert answer["errcode"] == errcode
    assert headers["X-Mockwx-Hint"]


# -- the access_token check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("access_token", "errcode", "errmsg"),
    [
        ("", 41001, "access_token missing"),
        ("anything", 40014, "invalid access_token"),
        ("A" * 136, 40001, "invalid credential, access_token is invalid or not latest"),
    ],
)
async def test_token_check(client, access_token, errcode, errmsg):
    answer, headers = await exchange(client, await phone_code(client), access_token)
    assert answer["errcode"] == errcode
    assert answer["errmsg"].startswith(errmsg) and SPACED_RID.search(answer["errmsg"])
    if errcode == 40001:  # a replaced token: its lifecycle (an SDK fetches a new one), not a problem
        assert "X-Mockwx-Problem" not in headers
        return
    problem = (await client.problems())[-1]  # the caller's mistake: a problem, linked as a reused code is
    assert headers["X-Mockwx-Problem"].endswith(f"/__mock__/ui/problems/{problem['id']}")
    assert problem["problem"] == f"errcode {errcode}"


async def test_an_expired_token_answers_42001(client):
    access_token = await token(client)
    await client.advance(7200)
    answer, headers = await exchange(client, await phone_code(client), access_token)
    assert answer["errcode"] == 42001 and answer["errmsg"].startswith("access_token expired rid: ")
    assert "expired 0s ago" in headers["X-Mockwx-Hint"] and "X-Mockwx-Problem" not in headers


async def test_a_replaced_classic_token_works_five_more_minutes(client):
    old = await token(client)
    await token(client)
    answer, _ = await exchange(client, await phone_code(client), old)
    assert answer["errcode"] == 0
    await client.advance(300)
    answer, _ = await exchange(client, await phone_code(client), old)
    assert answer["errcode"] == 40001


# -- getuserphonenumber ---------------------------------------------------------------------------------


async def test_the_phone_code_gives_the_users_number_once(client):
    access_token = await token(client)
    code = await phone_code(client, "alice")
    answer, _ = await exchange(client, code, access_token)
    info = answer.pop("phone_info")
    assert answer == {"errcode": 0, "errmsg": "ok"}
    assert re.fullmatch(r"138\d{8}", info["phoneNumber"]) and info["purePhoneNumber"] == info["phoneNumber"]
    assert info["countryCode"] == 86 and info["watermark"]["appid"] == DEMO_APPID
    assert isinstance(info["watermark"]["timestamp"], int)
    bob, _ = await exchange(client, await phone_code(client, "bob"), access_token)
    assert bob["phone_info"]["phoneNumber"] != info["phoneNumber"]
    again, headers = await exchange(client, code, access_token)
    assert again["errcode"] == 40029 and HINTED_RID.search(again["errmsg"])
    assert again["errmsg"].startswith("invalid code hint: [")
    assert "exchanged already" in headers["X-Mockwx-Hint"]


async def test_phone_code_mistakes_are_named(client):
    access_token = await token(client)
    login_code = (await client.login("alice"))["code"]
    answer, headers = await exchange(client, login_code, access_token)
    assert answer["errcode"] == 40029 and "this is a wx.login code" in headers["X-Mockwx-Hint"]
    code = await phone_code(client)
    await client.advance(300)
    answer, headers = await exchange(client, code, access_token)
    assert answer["errcode"] == 40029 and "expired 0s ago" in headers["X-Mockwx-Hint"]
    await client.control("POST", "/tenants", {"apps": [{"appid": "wx0000000000000002", "secret": "s" * 32}]})
    other = await client.control("POST", "/wx/phone", {"appid": "wx0000000000000002", "user": "alice"})
    answer, headers = await exchange(client, other["code"], access_token)
    assert answer["errcode"] == 40029 and "belongs to wx0000000000000002" in headers["X-Mockwx-Hint"]


async def test_getuserphonenumber_wants_a_json_post(client):
    access_token = await token(client)
    answer, _ = await call(client, "GET", "/wxa/business/getuserphonenumber", params={"access_token": access_token})
    assert answer["errcode"] == 43002
    answer, _ = await call(
        client, "POST", "/wxa/business/getuserphonenumber", params={"access_token": access_token}, data=b"code=1"
    )
    assert answer["errcode"] == 47001


async def test_getuserphonenumber_is_journaled_and_faultable(client):
    access_token = await token(client)
    await client.fault(api="getuserphonenumber", errcode=-1, times=1)
    answer, _ = await exchange(client, await phone_code(client), access_token)
    assert answer["errcode"] == -1 and answer["errmsg"].startswith("system error, rid: ")
    answer, _ = await exchange(client, await phone_code(client), access_token)
    assert answer["errcode"] == 0
    journal = await client.requests(api="getuserphonenumber")
    assert [e["outcome"] for e in journal] == ["errcode -1", "ok"]


# -- /wxa/checksession -------------------------------------------------------------------------------------


async def session_of(client, user="alice"):
    login = await client.login(user)
    return await client.code2session(login["code"])


async def checksession(client, access_token, openid, signature, sig_method="hmac_sha256"):
    params = {"access_token": access_token, "openid": openid, "signature": signature, "sig_method": sig_method}
    return await call(client, "GET", "/wxa/checksession", params=params)


async def test_checksession_accepts_the_current_session_key(client):
    session = await session_of(client)
    answer, _ = await checksession(
        client, await token(client), session["openid"], session_signature(session["session_key"])
    )
    assert answer == {"errcode": 0, "errmsg": "ok"}


async def test_an_ended_session_fails_until_the_next_login_which_brings_a_new_key(client):
    session = await session_of(client)
    access_token = await token(client)
    signature = session_signature(session["session_key"])
    assert (await client.control("GET", "/wx/session?user=alice"))["valid"] is True
    await client.control("POST", "/wx/session/expire", {"user": "alice"})
    assert (await client.control("GET", "/wx/session?user=alice"))["valid"] is False
    answer, headers = await checksession(client, access_token, session["openid"], signature)
    assert answer["errcode"] == 87009 and answer["errmsg"].startswith("invalid signature rid: ")
    assert "session has ended" in headers["X-Mockwx-Hint"]
    renewed = await session_of(client)
    assert renewed["session_key"] != session["session_key"]
    answer, headers = await checksession(client, access_token, session["openid"], signature)
    assert answer["errcode"] == 87009 and "a later wx.login replaced" in headers["X-Mockwx-Hint"]
    answer, _ = await checksession(client, access_token, session["openid"], session_signature(renewed["session_key"]))
    assert answer["errcode"] == 0


async def test_checksession_names_the_usual_wrong_signatures(client):
    session = await session_of(client)
    key = session["session_key"]
    access_token = await token(client)
    wrong = {
        "the session_key itself as the message": hmac.new(key.encode(), key.encode(), hashlib.sha256).hexdigest(),
        "base64-decoded session_key": hmac.new(base64.b64decode(key), b"", hashlib.sha256).hexdigest(),
        "plain sha256": hashlib.sha256(key.encode()).hexdigest(),
        "upper-case": session_signature(key).upper(),
    }
    for what, signature in wrong.items():
        answer, headers = await checksession(client, access_token, session["openid"], signature)
        assert answer["errcode"] == 87009
        assert what in headers["X-Mockwx-Hint"]


async def test_checksession_checks_openid_and_sig_method(client):
    session = await session_of(client)
    access_token = await token(client)
    signature = session_signature(session["session_key"])
    answer, _ = await checksession(client, access_token, "o" + "x" * 27, signature)
    assert answer["errcode"] == 40003
    answer, _ = await checksession(client, access_token, session["openid"], signature, sig_method="md5")
    assert answer["errcode"] == 40097
    answer, _ = await checksession(client, "", session["openid"], signature)
    assert answer["errcode"] == 41001


async def test_tokens_scopes_sessions_and_phone_codes_survive_a_restart(tmp_path):
    config = mock_config(db=str(tmp_path / "state.sqlite3"))
    async with MockServer(config) as mock, MockClient(mock.url) as client:
        first = await stable(client)
        await client.control("POST", "/wx/settings", {"user": "alice", "scope": "scope.record", "granted": False})
        code = await phone_code(client)
        session = await session_of(client)
        await client.control("POST", "/wx/session/expire", {"user": "alice"})
    async with MockServer(mock_config(db=str(tmp_path / "state.sqlite3"))) as mock, MockClient(mock.url) as client:
        assert (await stable(client))["access_token"] == first["access_token"]
        setting = await client.control("GET", "/wx/settings", params={"user": "alice"})
        assert setting["authSetting"] == {"scope.record": False}
        answer, _ = await exchange(client, code, first["access_token"])
        assert answer["errcode"] == 0
        assert (await client.control("GET", "/wx/session?user=alice"))["valid"] is False
        renewed = await session_of(client)
        assert renewed["session_key"] != session["session_key"]
