"""The request journal is bounded per entry and per answer: a large bad request keeps kilobytes, not
the 750 KB it used to (fields plus the doctor's strings, twice), and no answer holds more than a
page (issue 8, finding 11)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from mockwx.config import DEMO_APPID
from mockwx.journal import ENTRY_TEXT, MAX_PAGE, MAX_TEXT, _bounded, bounded
from mockwx.wire import render_xml


def _big_bad_request(n: int) -> bytes:
    fields = {"appid": DEMO_APPID, "mch_id": "10000100", "nonce_str": f"n{n}", "sign": "0" * 32}
    fields.update({f"field_{i:02d}": "x" * 4000 for i in range(55)})  # about 230 KB, badly signed
    return render_xml(fields)


async def test_a_large_bad_request_keeps_a_bounded_entry(client):
    async with client.session.post(f"{client.url}/pay/orderquery", data=_big_bad_request(0)) as response:
        assert response.status == 200
    entry = (await client.requests(api="orderquery"))[-1]
    assert entry["problem"] == "SIGNERROR"
    size = len(json.dumps(entry, ensure_ascii=False))
    assert size < 3 * ENTRY_TEXT, size
    assert entry["fields"]["appid"] == DEMO_APPID  # the short fields are kept whole
    assert "[+4000 chars]" in json.dumps(entry["fields"], ensure_ascii=False)  # and the cuts say so
    assert entry["error"]["diagnosis"]["expected_string"].startswith("appid=")


async def test_an_answer_holds_at_most_a_page_and_since_pages_forward(mock, client):
    for n in range(MAX_PAGE + 20):
        await client.v2("/pay/orderquery", {"out_trade_no": f"J{n}"})
    async with client.session.get(f"{client.url}/__mock__/requests?limit=0") as response:
        page = await response.json()
    assert len(page["requests"]) == MAX_PAGE and page["more"] is True
    first = page["requests"][0]["id"]
    async with client.session.get(f"{client.url}/__mock__/requests?since=0&limit=10") as response:
        head = await response.json()
    assert [e["id"] for e in head["requests"]] == list(range(1, 11)) and head["next_since"] == 10 and head["more"]
    assert first > 1  # without since: the most recent page
    everything = await client.requests(since="0", limit="0")  # the client follows the pages
    assert len(everything) == MAX_PAGE + 20


def test_bounded_cuts_long_text_many_items_and_deep_nesting_and_keeps_small_values_as_they_are():
    small = {"a": "b", "n": 1, "l": [1, 2]}
    assert bounded(small) is small
    cut = bounded({"long": "y" * (MAX_TEXT * 3), "many": list(range(1000)), "deep": [[[[[[[[[["x"]]]]]]]]]]})
    assert len(cut["long"]) < MAX_TEXT + 40 and cut["long"].endswith(f"[+{MAX_TEXT * 2} chars]")
    assert len(cut["many"]) < 100 and "more" in str(cut["many"][-1])
    assert "nested" in json.dumps(cut["deep"])
    total = bounded({f"k{i}": "z" * MAX_TEXT for i in range(50)})
    assert len(json.dumps(total)) < 2 * ENTRY_TEXT


@given(
    st.dictionaries(
        st.text(max_size=5),
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3000),
        max_size=80,
    )
)
def test_the_flat_entry_shortcut_keeps_and_cuts_exactly_what_the_walk_does(fields):
    walked = _bounded(fields, [ENTRY_TEXT], 0)
    assert bounded(fields) == walked and (bounded(fields) is fields) == (walked is fields)
