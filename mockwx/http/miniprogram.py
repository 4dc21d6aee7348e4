"""The mini program the phone runs and where it may reach: its setup (a folder, a URL or the demo shop;
its backend; the request domain list of miniprogram-client.md 7.1), and its files, served under
``/__mock__/wx/app/`` (each .js wrapped as a CommonJS module) with the list of modules to load,
``/__mock__/wx/modules``: every .js of a folder, or what the files at a URL require by literal path.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp import web

from ..notify.allowlist import Allowlist
from ..streams import read_to_end
from ..ui.templating import STATIC_DIR
from . import render

DEMO_SHOP = STATIC_DIR / "phone" / "shop"
MAX_APP_FILE = 2 * 1024 * 1024
MAX_MODULES = 500
REQUIRE = re.compile(r"""\brequire\s*\(\s*(['"])([^'"\n]{1,300})\1\s*\)""")  # require('a/b.js'), literal paths only


@dataclass(slots=True)
class PhoneSetup:
    """What the phone runs: a mini program (the demo shop, a folder or a URL), its backend and extConfig."""

    miniprogram: str = ""  # a folder or an http(s) base URL; empty: the built-in demo shop
    backend: str = ""  # the mini program's server, given to it as extConfig.backend
    ext: dict[str, Any] = field(default_factory=dict)  # what wx.getExtConfigSync() returns
    request_domains: list[str] = field(default_factory=lambda: ["127.0.0.0/8", "::1/128", "localhost"])

    def folder(self) -> Path | None:
        if not self.miniprogram:
            return DEMO_SHOP
        return None if self.is_url() else Path(self.miniprogram).expanduser().resolve()

    def is_url(self) -> bool:
        return self.miniprogram.startswith(("http://", "https://"))

    def url_of(self, path: str) -> str:
        """Where a file of a mini program given by URL is."""
        return urljoin(self.miniprogram.rstrip("/") + "/", path)

    def domains(self) -> list[str]:
        """WeChat's "request domain list" of the phone: loopback, and the --backend host."""
        extra = [urlsplit(self.backend).hostname or ""] if self.backend else []
        return [*self.request_domains, *filter(None, extra)]

    def refusal(self, url: str) -> str:
        """Why wx.request may not reach ``url``, or '' when it may (the list is the command line's only:
        a page's ?backend= cannot widen it, so no link can make the mock send requests elsewhere)."""
        host, origin = host_and_origin(url)
        if not host:
            return f"{url!r} is not an http(s) URL: wx.request takes https://host/path (or http:// on loopback)"
        if not Allowlist(self.domains()).refusal(url):
            return ""
        return (
            f"{host} is not on the phone's request domain list ({', '.join(self.domains())}): WeChat's client sends"
            f" wx.request only to the domains a mini program registered, and this phone only to loopback and the"
            f" --backend host. Start the mock with --backend {origin} to let the mini program reach it, or run that"
            " backend on loopback"
        )


def host_and_origin(url: str) -> tuple[str, str]:
    """The host and origin of an http(s) URL, or ('', '')."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "", ""
    return (host, f"{parts.scheme}://{parts.netloc}") if host and parts.scheme in ("http", "https") else ("", "")


def phone_problem(miniprogram: str, backend: str) -> str:
    """What is wrong with a mini program and backend given on the command line, or ''."""
    if backend and not backend.startswith(("http://", "https://")):
        return f"--backend must be an http(s) URL, got {backend!r}"
    if not miniprogram or miniprogram.startswith(("http://", "https://")):
        return ""
    folder = Path(miniprogram).expanduser()
    if not (folder / "app.json").is_file():
        return f"--miniprogram {miniprogram}: no app.json there (a mini program folder holds app.json, app.js, pages/)"
    return ""


PHONE = web.AppKey("phone", PhoneSetup)
FETCH = web.AppKey("phone_fetch", aiohttp.ClientSession)


async def app_file(request: web.Request) -> web.StreamResponse:
    """A file of the mini program the phone runs: from its folder, or fetched from its base URL.

    A ``.js`` file is served wrapped as a CommonJS module (``__wxDefine(path, function (require,
    module, exports) {...})``): each file has its own scope, as in WeChat, and may ``require`` others.
    """
    phone = request.app[PHONE]
    path = request.match_info["path"]
    if not path or ".." in path.split("/") or path.startswith("/") or "\\" in path:
        return web.Response(status=404, text=f"no file {path!r} in the mini program")
    folder = phone.folder()
    if folder is not None:
        try:
            target = (folder / path).resolve()
            found = folder in target.parents and target.is_file() and target.stat().st_size <= MAX_APP_FILE
            body = target.read_bytes() if found else b""
        except (OSError, ValueError):  # a NUL byte, a name too long, a file that vanished
            found = False
        if not found:
            return web.Response(status=404, text=f"no file {path!r} in the mini program folder {folder}")
    else:
        fetched = await _fetched(request, phone.url_of(path))
        if isinstance(fetched, web.Response):
            return fetched
        body = fetched
    if path.endswith(".js"):
        body = b"__wxDefine(%s, function (require, module, exports) {\n%s\n});\n" % (json.dumps(path).encode(), body)
    kind = mimetypes.guess_type(path)[0] or "text/plain"
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return web.Response(body=body, content_type=kind, charset="utf-8", headers=headers)


async def _fetched(request: web.Request, url: str) -> bytes | web.Response:
    """A file of a mini program given by URL, or the answer that says why it is not there."""
    try:
        async with request.app[FETCH].get(url, timeout=aiohttp.ClientTimeout(total=10)) as answer:
            body = await read_to_end(answer.content, MAX_APP_FILE + 1)
            status = answer.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return web.Response(status=502, text=f"the mini program at {url} could not be fetched: {exc}")
    if status != 200 or len(body) > MAX_APP_FILE:
        return web.Response(status=404, text=f"{url} answered {status}")
    return body


async def app_modules(request: web.Request) -> web.StreamResponse:
    """The mini program's .js files, so the phone can load every module ``require`` may ask for: from a
    folder every .js file; from a URL app.js, the pages and, file by file, what they require by a literal
    path (``require('../../utils/api.js')``), at most MAX_MODULES in all."""
    phone = request.app[PHONE]
    folder = phone.folder()
    if folder is None:
        return render.json_body({"modules": await _required(request, phone), "listed": "required"})
    found: list[str] = []
    if folder.is_dir():
        for file in sorted(folder.rglob("*.js")):
            relative = file.relative_to(folder).as_posix()
            if not any(part.startswith(".") or part == "node_modules" for part in relative.split("/")):
                found.append(relative)
            if len(found) >= MAX_MODULES:
                break
    return render.json_body({"modules": found, "listed": "folder"})


async def _required(request: web.Request, phone: PhoneSetup) -> list[str]:
    """The .js files of a mini program at a URL that app.js and the pages require, directly or not."""
    app_json = await _fetched(request, phone.url_of("app.json"))
    try:
        pages = json.loads(app_json)["pages"] if isinstance(app_json, bytes) else []
    except (ValueError, KeyError, TypeError):
        pages = []
    wanted = ["app.js", *(f"{page}.js" for page in pages if isinstance(page, str))] if isinstance(pages, list) else []
    seen: set[str] = set()
    found: list[str] = []
    while wanted and len(seen) < MAX_MODULES:  # one level of requires at a time, each file fetched once
        batch = [path for path in dict.fromkeys(wanted) if path not in seen][: MAX_MODULES - len(seen)]
        seen.update(batch)
        bodies = await asyncio.gather(*(_fetched(request, phone.url_of(path)) for path in batch))
        wanted = []
        for path, body in zip(batch, bodies, strict=True):
            if isinstance(body, bytes):
                found.append(path)
                names = (name for _, name in REQUIRE.findall(body.decode("utf-8", "replace")))
                wanted += filter(None, (module_path(path, name) for name in names))
    return found


def module_path(base: str, name: str) -> str:
    """The file ``require(name)`` in the file ``base`` loads, resolved as the phone's runtime.js resolves it
    (from the mini program's root when it starts with /, else from base's folder; .js added), or '' when
    the path climbs out of the mini program."""
    parts = [] if name.startswith("/") else base.split("/")[:-1]
    for part in name.split("/"):
        if part == "..":
            if not parts:
                return ""
            parts.pop()
        elif part and part != ".":
            parts.append(part)
    path = "/".join(parts)
    return "" if not path else path if path.endswith(".js") else f"{path}.js"
