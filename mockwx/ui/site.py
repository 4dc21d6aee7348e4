"""The dashboard as one running mock holds it: its templates, its texts, its live hub, its menu."""

from __future__ import annotations

from dataclasses import dataclass, field

import jinja2

from .i18n import Texts
from .live import Hub
from .templating import UI_ROOT, make_environment


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str  # what a page passes as ``active``
    href: str
    label: str  # a text key


# The top bar's sections, in order (a new page adds its row here).
NAV: tuple[NavItem, ...] = (
    NavItem("journal", f"{UI_ROOT}/", "nav.journal"),
    NavItem("orders", f"{UI_ROOT}/orders", "nav.orders"),
    NavItem("playground", f"{UI_ROOT}/playground", "nav.playground"),
    NavItem("control", f"{UI_ROOT}/control", "nav.control"),
    NavItem("phone", f"{UI_ROOT}/phone", "nav.phone"),  # the phone's page: mockwx/http/wx.py
)


@dataclass(slots=True)
class Site:
    """What the dashboard's routes share: built once per app, never global."""

    env: jinja2.Environment = field(default_factory=make_environment)
    texts: Texts = field(default_factory=Texts.shipped)
    hub: Hub = field(default_factory=Hub)
    nav: tuple[NavItem, ...] = NAV
