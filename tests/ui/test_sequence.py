"""The sequence diagram as markup: a pure function of a Story, valid standalone SVG, one group per
arrow with its verdict, labelled retry gaps, escaped text, links to raw messages."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from mockwx.ui.i18n import Texts
from mockwx.ui.sequence import render_svg
from mockwx.ui.story import CLIENT, MERCHANT, WECHAT, Message, Story
from mockwx.ui.templating import duration

SVG = "{http://www.w3.org/2000/svg}"
T_EN = Texts.load().translator("en")
T_ZH = Texts.load().translator("zh")
ORDER = {"out_trade_no": "T1", "total_fee": 1, "trade_state": "SUCCESS", "trade_type": "JSAPI", "mch_id": "10000100"}


def _retries() -> Story:
    at = 1_764_200_000.0
    messages = [
        Message(at, CLIENT, WECHAT, "wx.requestPayment", api="pay", ref=7, seq=7),
        Message(at, WECHAT, CLIENT, "", "reply", "requestPayment:ok", "ok", "pay", 7, seq=7),
    ]
    for n, (offset, verdict) in enumerate([(0, "timeout"), (15, "http_error"), (30, "acked")], start=1):
        gap = 15.0 if n > 1 else 0.0
        messages.append(Message(at + offset, WECHAT, MERCHANT, "story.notify", detail=f"#{n}", ref=10 + n, gap=gap))
        tone = "ok" if verdict == "acked" else "problem"
        messages.append(Message(at + offset, MERCHANT, WECHAT, "", "reply", verdict, tone, "payment", 10 + n, verdict))
    messages.append(Message(at + 3630, WECHAT, WECHAT, "story.refund_settled", "note", "R1 ¥0.01", "ok"))
    return Story(dict(ORDER), messages)


def _groups(svg: str) -> list[ET.Element]:
    return [g for g in ET.fromstring(svg).iter(f"{SVG}g") if "msg" in (g.get("class") or "").split()]


def test_every_arrow_is_a_group_with_its_kind_and_verdict():
    svg = render_svg(_retries(), T_EN)
    groups = _groups(svg)
    arrows = [g for g in groups if g.get("data-kind") != "note"]
    assert len(arrows) == 8 and ET.fromstring(svg).get("data-arrows") == "8"
    assert [g.get("data-verdict") for g in arrows if g.get("data-verdict")] == ["timeout", "http_error", "acked"]
    assert [g.get("data-kind") for g in groups].count("note") == 1
    assert sum(1 for g in arrows if g.get("data-kind") == "reply") == 4


def test_retry_gaps_are_labelled_and_the_text_is_translated():
    svg = render_svg(_retries(), T_EN)
    assert svg.count(">retry after 15s<") == 2
    assert ">1h later<" in svg  # the long wait before the refund settles
    assert "payment notification" in svg and "Merchant backend" in svg
    zh = render_svg(_retries(), T_ZH)
    assert zh.count(">15s 后重试<") == 2 and "商户后台" in zh and "支付结果通知" in zh


def test_arrows_link_to_their_raw_message():
    svg = render_svg(_retries(), T_EN, link="http://127.0.0.1:8900/__mock__/ui/entries/")
    links = [a.get("href") for a in ET.fromstring(svg).iter(f"{SVG}a")]
    assert links[0] == "http://127.0.0.1:8900/__mock__/ui/entries/7" and len(links) == 8
    assert "<a " not in render_svg(_retries(), T_EN)


def test_text_is_escaped():
    story = Story({**ORDER, "out_trade_no": '<script>alert("x")</script>'}, [])
    story.messages.append(Message(0.0, MERCHANT, WECHAT, "unifiedorder", detail="</text><script>1</script>"))
    svg = render_svg(story, T_EN)
    ET.fromstring(svg)  # still well-formed
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_an_empty_story_says_so():
    svg = render_svg(Story(dict(ORDER), []), T_EN)
    assert "Nothing has happened to this order yet." in svg and not _groups(svg)


def test_durations_read_as_wechat_writes_the_schedule():
    assert [duration(s) for s in (15, 30, 180, 600, 3600, 10800, 21600, 86640, 90)] == [
        "15s",
        "30s",
        "3m",
        "10m",
        "1h",
        "3h",
        "6h",
        "1d4m",
        "1m30s",
    ]
