"""An order's story as an SVG sequence diagram: a pure function of the Story and the page's texts,
testable as markup. Three lifelines (mini program, merchant backend, WeChat), one row per
message (calls solid, answers dashed, coloured by verdict), notes on a lifeline, and a labelled
"time passes" row before a retry or any long wait. Every arrow carries data-* attributes (kind,
api, tone, verdict, ref) and, given ``link``, opens its raw message.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from .story import CLIENT, GAP_SHOWN, LIFELINES, MERCHANT, WECHAT, Message, Story
from .templating import beijing, duration, hms, yuan

WIDTH = 960
GUTTER = 118
X = {CLIENT: 250, MERCHANT: 545, WECHAT: 830}
HEAD = 96  # title and lifeline boxes
ROW = 34
GAP_ROW = 26
NOTE_WIDTH = 180  # at least
SOFT = {"ok": "#e7f8ee", "problem": "#fee2e2", "pending": "#dbeafe", "fail": "#fef3c7"}  # note backgrounds
COLOURS = {"": "#374151", "ok": "#07a153", "fail": "#b45309", "problem": "#dc2626", "pending": "#2563eb"}
STYLE = """
text { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", sans-serif;
  fill: #1d2129; }
.title { font-size: 15px; font-weight: 650; }
.subtitle { font-size: 12px; fill: #6b7280; }
.box { fill: #111827; }
.box-label { font-size: 13px; font-weight: 600; fill: #fff; }
.box-sub { font-size: 10.5px; fill: #9ca3af; font-family: ui-monospace, Menlo, Consolas, monospace; }
.lifeline { stroke: #cbd5e1; stroke-width: 1.5; stroke-dasharray: 5 5; }
.label { font-size: 12.5px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 4px;
  stroke-linejoin: round; }
.detail { font-size: 11.5px; font-weight: 400; fill: #6b7280; }
.answer { font-size: 12px; paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
.time { font-size: 11px; fill: #6b7280; font-family: ui-monospace, Menlo, Consolas, monospace; }
.gap-line { stroke: #94a3b8; stroke-width: 1; stroke-dasharray: 2 4; }
.gap { font-size: 11px; font-weight: 600; fill: #2563eb; }
.note-box { stroke-width: 1; }
.note { font-size: 11.5px; }
.hit { fill: transparent; }
"""


def render_svg(story: Story, t: Callable[..., str], *, link: str = "") -> str:
    """The diagram as a standalone SVG document; ``link``: the URL prefix an arrow's entry id is appended to."""
    rows: list[str] = []
    y = HEAD + 14
    first = story.messages[0].at if story.messages else 0.0
    previous: Message | None = None
    for message in story.messages:
        wait = message.gap or (message.at - previous.at if previous is not None else 0.0)
        if message.gap or (previous is not None and message.kind != "reply" and wait >= GAP_SHOWN):
            rows.append(_gap(y, t("story.retry_after" if message.gap else "story.later", duration=duration(wait))))
            y += GAP_ROW
        rows.append(_row(message, y, t, first, link))
        y += ROW
        previous = message
    if not story.messages:
        rows.append(
            f'<text class="subtitle" x="{WIDTH / 2}" y="{y + 16}" text-anchor="middle">{_e(t("story.empty"))}</text>'
        )
        y += ROW
    height = y + 24
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"'
            f' role="img" aria-label="{_e(t("story.aria", out_trade_no=story.order.get("out_trade_no", "")))}"'
            f' class="sequence" data-arrows="{len(story.arrows())}"'
            f' data-state="{_e(story.order.get("trade_state", ""))}">',
            f"<style>{STYLE}</style>",
            _markers(),
            f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
            _head(story, t),
            *(f'<line class="lifeline" x1="{x}" y1="{HEAD - 6}" x2="{x}" y2="{height - 12}"/>' for x in X.values()),
            *rows,
            "</svg>",
        ]
    )


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _markers() -> str:
    out = ["<defs>"]
    for tone, colour in COLOURS.items():
        name = tone or "call"
        if tone:  # an answer: an open chevron
            shape = f'd="M0,0 L10,5 L0,10" fill="none" stroke="{colour}" stroke-width="1.6"'
        else:  # a call: a filled triangle
            shape = f'd="M0,0 L10,5 L0,10 z" fill="{colour}" stroke="{colour}"'
        out.append(
            f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8"'
            f' orient="auto-start-reverse"><path {shape}/></marker>'
        )
    out.append("</defs>")
    return "".join(out)


def _head(story: Story, t: Callable[..., str]) -> str:
    order = story.order
    title = " · ".join(
        str(part)
        for part in (
            order.get("out_trade_no", ""),
            yuan(order.get("total_fee")),
            order.get("trade_state", ""),
            order.get("trade_type", ""),
        )
        if part
    )
    subtitle = t("story.subtitle", created=beijing(order.get("created_at")), mch_id=order.get("mch_id", ""))
    parts = [
        f'<text class="title" x="16" y="24">{_e(title)}</text>',
        f'<text class="subtitle" x="16" y="42">{_e(subtitle)}</text>',
        f'<text class="subtitle" x="{WIDTH - 16}" y="24" text-anchor="end">mockwx</text>',
    ]
    subs = {CLIENT: order.get("appid", ""), MERCHANT: order.get("mch_id", ""), WECHAT: "api.mch.weixin.qq.com"}
    for lifeline in LIFELINES:
        x = X[lifeline]
        parts.append(
            f'<g class="head" data-lifeline="{lifeline}"><rect class="box" x="{x - 88}" y="52" width="176" height="38"'
            f' rx="7"/><text class="box-label" x="{x}" y="68" text-anchor="middle">{_e(t("story." + lifeline))}</text>'
            f'<text class="box-sub" x="{x}" y="82" text-anchor="middle">{_e(subs[lifeline])}</text></g>'
        )
    return "".join(parts)


def _note_width(text: str) -> float:
    """Room for a note's text at 11.5px: about 6.6px a Latin character, 11.5px a Chinese one."""
    estimate = sum(11.5 if ord(c) > 0x2E80 else 6.6 for c in text) + 24
    return max(NOTE_WIDTH, min(estimate, WIDTH - GUTTER))


def _gap(y: float, text: str) -> str:
    return (
        f'<g class="gap-row"><line class="gap-line" x1="{GUTTER - 8}" y1="{y + 9}" x2="{WIDTH - 12}" y2="{y + 9}"/>'
        f'<text class="gap" x="12" y="{y + 13}">{_e(text)}</text></g>'
    )


def _text(message_text: str, t: Callable[..., str], **params: str) -> str:
    return t(message_text, **params) if message_text.startswith("story.") else message_text


def _row(message: Message, y: float, t: Callable[..., str], first: float, link: str) -> str:
    colour = COLOURS.get(message.tone, COLOURS[""])
    attrs = (
        f'class="msg {message.kind}" data-kind="{message.kind}" data-api="{_e(message.api)}"'
        f' data-tone="{_e(message.tone)}" data-verdict="{_e(message.verdict)}" data-ref="{message.ref or ""}"'
    )
    day = int((message.at - first) // 86400) if message.at >= first else 0
    when = (f"+{day}d " if day else "") + hms(message.at)
    label = _text(message.label, t, detail=message.detail)
    detail = _text(message.detail, t) if message.label != "story.next" else ""
    title = f"{beijing(message.at)} {label} {detail}".strip()
    parts = [f"<g {attrs}>", f"<title>{_e(title)}</title>"]
    parts.append(f'<rect class="hit" x="{GUTTER - 8}" y="{y - 2}" width="{WIDTH - GUTTER}" height="{ROW - 2}"/>')
    if message.kind != "reply":
        parts.append(f'<text class="time" x="12" y="{y + 18}">{_e(when)}</text>')
    if message.kind == "note":
        width = _note_width(label)
        x = min(X[message.source], WIDTH - 8 - width / 2)  # the box stays inside the picture
        soft = SOFT.get(message.tone, "#f3f4f6")
        parts.append(
            f'<rect class="note-box" x="{x - width / 2}" y="{y + 3}" width="{width}" height="{ROW - 10}"'
            f' rx="5" fill="{soft}" stroke="{colour}"/><text class="note" x="{x}" y="{y + 19}" text-anchor="middle"'
            f' fill="{colour}">{_e(label)}</text>'
        )
    else:
        x1, x2 = X[message.source], X[message.target]
        step = 1 if x2 > x1 else -1
        line_y = y + 22
        marker = "call" if message.kind == "call" else (message.tone or "call")
        dash = ' stroke-dasharray="6 4"' if message.kind == "reply" else ""
        stroke = COLOURS[""] if message.kind == "call" else colour
        parts.append(
            f'<line x1="{x1 + step * 2}" y1="{line_y}" x2="{x2 - step * 3}" y2="{line_y}" stroke="{stroke}"'
            f' stroke-width="1.6"{dash} marker-end="url(#arrow-{marker})"/>'
        )
        middle = (x1 + x2) / 2
        if message.kind == "call":
            extra = f'<tspan class="detail"> {_e(detail)}</tspan>' if detail else ""
            parts.append(
                f'<text class="label" x="{middle}" y="{line_y - 7}" text-anchor="middle">{_e(label)}{extra}</text>'
            )
        else:
            parts.append(
                f'<text class="answer" x="{middle}" y="{line_y - 6}" text-anchor="middle"'
                f' fill="{colour}">{_e(detail)}</text>'
            )
    parts.append("</g>")
    body = "".join(parts)
    if link and message.ref:
        return f'<a href="{_e(link)}{message.ref}">{body}</a>'
    return body
