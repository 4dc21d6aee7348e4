"""JSON bombs on the control API: deep nesting, huge numbers, non-JSON constants and oversized bodies
get a 400/413 with a message, never a 500, and nothing downstream chokes on what was let in
(issue 8, finding 6)."""

from __future__ import annotations

import pytest

from mockwx.http.control import MAX_JSON_DEPTH, ROUTES

JSON = {"Content-Type": "application/json"}
WRITES = sorted({(method, path) for method, path, _ in ROUTES if method in ("POST", "PATCH") and "{" not in path})


async def send(client, method, path, raw: bytes):
    async with client.session.request(method, f"{client.url}{path}", data=raw, headers=JSON) as response:
        return response.status, await response.json(content_type=None)


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("depth", [100_000, 2_000])
async def test_deeply_nested_json_is_a_400_on_every_endpoint(client, method, path, depth):
    status, body = await send(client, method, path, b'{"a": ' + b"[" * depth + b"]" * depth + b"}")
    if path in ("/__mock__/reset",):  # takes no body at all
        assert status == 200
        return
    assert status == 400 and "nested" in body["error"], body


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b'{"seconds": NaN}', "NaN"),
        (b'{"seconds": -Infinity}', "Infinity"),
        (b'{"seconds": ' + b"9" * 5000 + b"}", "digits"),
        (b'{"seconds": 1e999}', "finite"),
    ],
)
async def test_numbers_json_cannot_hold_are_refused(client, raw, needle):
    status, body = await send(client, "POST", "/__mock__/clock/advance", raw)
    assert status == 400 and needle in body["error"], body


async def test_an_oversized_control_body_is_a_413_json_answer(mock, client):
    raw = b'{"user": "' + b"a" * (mock.backend.settings.max_body_bytes + 1) + b'"}'
    status, body = await send(client, "POST", "/__mock__/login", raw)
    assert status == 413 and "max_body_bytes" in body["error"]


async def test_what_nesting_is_let_in_does_not_break_the_journal(client):
    deepest = b'{"out_trade_no": "NOPE", "deep": ' + b"[" * (MAX_JSON_DEPTH - 1) + b"]" * (MAX_JSON_DEPTH - 1) + b"}"
    assert (await send(client, "POST", "/__mock__/pay", deepest))[0] == 404
    entries = await client.requests(api="pay")
    assert entries and entries[-1]["fields"]["out_trade_no"] == "NOPE"
