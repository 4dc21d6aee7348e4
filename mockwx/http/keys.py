"""Typed keys for what the app and each request carry."""

from __future__ import annotations

from aiohttp import web

from ..backend import Backend

BACKEND = web.AppKey("backend", Backend)
ENTRY = "mockwx.entry"  # the request's journal entry (request[ENTRY])
