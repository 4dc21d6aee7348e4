"""Every in-page link of the READMEs (``[text](#anchor)``, the table of contents first) lands on a
heading, by GitHub's rule for heading anchors: lower case, punctuation dropped, spaces as hyphens,
a repeated heading numbered ``-1``, ``-2``...; and every relative file link names a file that exists.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from .sandbox import ROOT

DOCS = [ROOT / "README.md", ROOT / "mockwx" / "merchant" / "README.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def anchors(text: str) -> set[str]:
    seen: Counter[str] = Counter()
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", FENCE.sub("", text), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug if not seen[slug] else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return found


def test_the_anchor_rule_is_github_s():
    assert anchors("# The phone: a mini program in the browser\n## 中文快速上手\n## A\n## A\n") == {
        "the-phone-a-mini-program-in-the-browser",
        "中文快速上手",
        "a",
        "a-1",
    }


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_every_in_page_link_lands_on_a_heading(doc: Path):
    text = doc.read_text(encoding="utf-8")
    targets = LINK.findall(FENCE.sub("", text))
    missing = [t for t in targets if t.startswith("#") and t[1:] not in anchors(text)]
    assert not missing, f"{doc.name}: links to no heading: {missing}"
    files = [t.split("#")[0] for t in targets if not t.startswith(("#", "http://", "https://", "mailto:"))]
    absent = [f for f in files if f and not (doc.parent / f).exists()]
    assert not absent, f"{doc.name}: links to files that do not exist: {absent}"
    assert sum(t.startswith("#") for t in targets) >= (20 if doc.name == "README.md" and doc.parent == ROOT else 0)
