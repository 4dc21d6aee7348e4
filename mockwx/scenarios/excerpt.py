"""A merchant's answer as a line of a report: HTML reduced to its text, cut to a few hundred
characters with how much was cut (a failing step must not print a whole 404 page)."""

from __future__ import annotations

from html.parser import HTMLParser

LIMIT = 300


class _Text(HTMLParser):
    """The text a browser would show, without scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style") and self._hidden > 0

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def looks_like_html(text: str, content_type: str = "") -> bool:
    start = text.lstrip()[:15].lower()
    return "html" in content_type or start.startswith(("<!doctype html", "<html"))


def excerpt(text: str, content_type: str = "", limit: int = LIMIT) -> str:
    """``text`` on one line, at most ``limit`` characters; HTML as its visible text, and said so."""
    html = looks_like_html(text, content_type)
    if html:
        parser = _Text()
        parser.feed(text)
        parser.close()
        text = " ".join(parser.parts)
    shown = " ".join(text.split())
    if not shown:
        return "(an empty body)" if not html else "(an HTML page without text)"
    prefix = "HTML page, as text: " if html else ""
    if len(shown) <= limit:
        return prefix + shown
    return f"{prefix}{shown[:limit]}... [{len(shown) - limit} more characters cut]"
