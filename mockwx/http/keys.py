"""Typed keys for what the app and each request carry."""

from __future__ import annotations

from aiohttp import web

from ..access import Access
from ..backend import Backend
from ..journal import Entry
from ..tls import Network

BACKEND = web.AppKey("backend", Backend)
ACCESS = web.AppKey("access", Access)  # who may use the control API, how much hints reveal
NETWORK = web.AppKey("network", Network)  # the HTTPS and proxy ports, the local CA, refused handshakes
ENTRY = web.RequestKey("entry", Entry)  # the request's journal entry
BODY_READ = web.RequestKey("body_read", bytes)  # the body, kept by a handler that read it as a stream
