"""api.weixin.qq.com on a real socket: code2session and access_token (protocol/v2.md 1.3, 1.5)."""

from __future__ import annotations

import base64
import re

import pytest

from mockwx.config import DEMO_APPID, DEMO_SECRET

RID = re.compile(r", rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$")


async def get(client, path, **params):
    async with client.session.get(f"{client.url}{path}", params=params) as response:
        assert response.status == 200
        return await response.json(content_type=None), response.headers


async def test_code2session_success(client):
    login = await client.login("alice")
    answer = await client.code2session(login["code"])
    assert set(answer) == {"openid", "session_key"}  # no unionid unbound, no expires_in, no errcode
    assert answer["openid"] == login["openid"]
    assert re.fullmatch(r"o[A-Za-z0-9_-]{27}", answer["openid"])
    assert len(base64.b64decode(answer["session_key"])) == 16


async def test_openid_is_stable_per_user_and_app_and_differs_across_apps(client):
    await client.control("POST", "/tenants", {"apps": [{"appid": "wx0000000000000002", "secret": "s" * 32}]})
    a1, a2 = await client.login("alice"), await client.login("alice")
    b = await client.login("bob")
    other = await client.login("alice", appid="wx0000000000000002")
    assert a1["openid"] == a2["openid"] != b["openid"]
    assert other["openid"] != a1["openid"]
    assert a1["code"] != a2["code"]


async def test_unionid_when_bound_to_an_open_platform(client):
    apps = [
        {"appid": "wx00000000000000a1", "secret": "1" * 32, "open_platform": "op1"},
        {"appid": "wx00000000000000a2", "secret": "2" * 32, "open_platform": "op1"},
    ]
    await client.control("POST", "/tenants", {"apps": apps})
    c1 = await client.login("carol", appid="wx00000000000000a1")
    c2 = await client.login("carol", appid="wx00000000000000a2")
    s1 = await client.code2session(c1["code"], appid="wx00000000000000a1", secret="1" * 32)
    s2 = await client.code2session(c2["code"], appid="wx00000000000000a2", secret="2" * 32)
    assert s1["unionid"] == s2["unionid"] and s1["openid"] != s2["openid"]


async def test_extra_access_token_parameter_is_ignored(client):
    login = await client.login()
    answer = await client.code2session(login["code"], access_token="ANY_TOKEN")
    assert answer["openid"] == login["openid"]


@pytest.mark.parametrize(
    ("params", "errcode", "errmsg"),
    [
        ({"appid": ""}, 41002, "appid missing"),
        ({"secret": ""}, 41004, "appsecret missing"),
        ({"js_code": ""}, 41008, "missing code"),
        ({"appid": "wx9999999999999999"}, 40013, "invalid appid"),
        ({"secret": "0" * 32}, 40125, "invalid appsecret"),
        ({"js_code": "not-a-code"}, 40029, "invalid code"),
        ({"grant_type": "client_credential"}, 40002, "invalid grant_type"),
    ],
)
async def test_code2session_errors(client, params, errcode, errmsg):
    login = await client.login()
    query = {"appid": DEMO_APPID, "secret": DEMO_SECRET, "js_code": login["code"], "grant_type": "authorization_code"}
    query.update(params)
    answer, headers = await get(client, "/sns/jscode2session", **query)
    assert answer["errcode"] == errcode
    assert answer["errmsg"].startswith(errmsg) and RID.search(answer["errmsg"])
    assert headers["X-Mockwx-Hint"]


async def test_code_is_single_use(client):
    login = await client.login()
    await client.code2session(login["code"])
    again = await client.code2session(login["code"])
    assert again["errcode"] == 40163 and again["errmsg"].startswith("code been used")


async def test_code_expires_after_five_minutes_on_the_clock(client):
    fresh, stale = await client.login("alice"), await client.login("bob")
    await client.advance(299)
    assert "openid" in await client.code2session(fresh["code"])
    await client.advance(1)
    answer = await client.code2session(stale["code"])
    assert answer["errcode"] == 40029


async def test_code_of_another_app_is_invalid(client):
    await client.control("POST", "/tenants", {"apps": [{"appid": "wx0000000000000003", "secret": "3" * 32}]})
    login = await client.login("alice", appid="wx0000000000000003")
    answer = await client.code2session(login["code"])  # exchanged by the demo app
    assert answer["errcode"] == 40029


async def test_rate_limit_45011(mock, client):
    mock.backend.settings.login.rate_limit_per_minute = 2
    codes = [(await client.login("alice"))["code"] for _ in range(3)]
    assert "openid" in await client.code2session(codes[0])
    assert "openid" in await client.code2session(codes[1])
    limited = await client.code2session(codes[2])
    assert limited["errcode"] == 45011
    await client.advance(61)
    other = (await client.login("alice"))["code"]
    assert "openid" in await client.code2session(other)


async def test_system_error_on_demand(client):
    await client.fault(api="code2session", errcode=-1, times=1)
    login = await client.login()
    failed = await client.code2session(login["code"])
    assert failed["errcode"] == -1 and failed["errmsg"].startswith("system error")
    assert "openid" in await client.code2session(login["code"])  # the code was not consumed


async def test_fault_can_target_one_user(client):
    await client.fault(api="code2session", errcode=-1, match={"user": "bob"})
    alice, bob = await client.login("alice"), await client.login("bob")
    assert "openid" in await client.code2session(alice["code"])
    assert (await client.code2session(bob["code"]))["errcode"] == -1


async def test_access_token(client):
    query = {"grant_type": "client_credential", "appid": DEMO_APPID, "secret": DEMO_SECRET}
    first, _ = await get(client, "/cgi-bin/token", **query)
    second, _ = await get(client, "/cgi-bin/token", **query)
    assert first["expires_in"] == 7200 and "errcode" not in first
    assert first["access_token"] != second["access_token"]


@pytest.mark.parametrize(
    ("params", "errcode"),
    [
        ({"grant_type": "authorization_code"}, 40002),
        ({"appid": ""}, 41002),
        ({"secret": ""}, 41004),
        ({"appid": "wx9999999999999999"}, 40013),
        ({"secret": "x"}, 40125),
    ],
)
async def test_access_token_errors(client, params, errcode):
    query = {"grant_type": "client_credential", "appid": DEMO_APPID, "secret": DEMO_SECRET, **params}
    answer, _ = await get(client, "/cgi-bin/token", **query)
    assert answer["errcode"] == errcode and RID.search(answer["errmsg"])


async def test_login_problems_are_journaled(client):
    await client.code2session("bogus")
    problems = await client.problems()
    assert problems[-1]["api"] == "code2session" and problems[-1]["problem"] == "errcode 40029"
    assert problems[-1]["fields"]["secret"].endswith("…")  # the AppSecret is not kept in the journal
