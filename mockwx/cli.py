"""The command line: ``serve`` (the default) runs the mock, ``sign`` teaches the signature."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from . import __version__, catalogue, cli_v3, logs
from .access import TOKEN_ENV
from .banner import banner, demo_banner
from .clock import SystemClock
from .config import (
    DEFAULT_PORT,
    DEMO_API_KEY,
    DEMO_APPID,
    DEMO_MCH_ID,
    DEMO_SECRET,
    REVEAL_HINTS,
    Config,
    ConfigError,
    Settings,
    load_config,
    validate,
)
from .doctor import LANGS, Finding, KeyCandidate
from .doctor.teach import Reading, lesson_keys, looks_pasted, read_pasted, teach
from .gctune import tuned_collector
from .http import wx
from .http.app import create_app
from .http.keys import ACCESS, BACKEND, KEYS_FOLDER
from .http.listeners import listen_all
from .http.logins import LINKS
from .http.serving import listen
from .notify.routing import parse_route_option
from .persist import StateFileError, StorageError
from .tls import DEFAULT_PROXY_PORT, DEFAULT_TLS_PORT, TlsError, network_lines, open_pki, trust_lines
from .v3_banner import keys_folder, v3_demo_lines, write_demo_keys
from .wire import HMAC_SHA256, MD5, parse_xml

DEFAULT_DB = ".mockwx/state.sqlite3"
COMMANDS = ("serve", "sign", "run", "demo", "ca")
DEMO_MERCHANT_PORT = 8901


def _serve_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the mock (the default command)")
    p.add_argument("--host", default=None, help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--config", metavar="FILE", help="YAML config file: tenants and settings")
    p.add_argument("--clock", choices=("real", "virtual"), help="real (default) or virtual time")
    p.add_argument("--db", metavar="FILE", help=f"SQLite state file (default {DEFAULT_DB})")
    p.add_argument("--memory", action="store_true", help="keep state in memory only")
    p.add_argument("--seed", type=int, help="make ids and keys reproducible")
    p.add_argument(
        "--allow-notify",
        action="append",
        default=[],
        metavar="HOST",
        help="also deliver notifications to this host, network or *.domain (default: loopback only; * for any)",
    )
    p.add_argument(
        "--token",
        help="the control API's access token (default: $MOCKWX_TOKEN, the config's security.token; one is generated"
        " when listening beyond loopback)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer the control API for this Host name (default: localhost, IP addresses and WeChat's host names;"
        " repeatable)",
    )
    p.add_argument(
        "--reveal-hints",
        choices=REVEAL_HINTS,
        help="may hints carry the expected sign and key: auto (default: on loopback only), always, never",
    )
    p.add_argument(
        "--miniprogram",
        metavar="FOLDER|URL",
        help="the mini program the phone page runs (app.json, app.js, pages/...; default: the demo shop)",
    )
    p.add_argument("--backend", metavar="URL", help="the mini program's backend (wx.getExtConfigSync().backend)")
    _network_arguments(p)
    p.add_argument(
        "--proxy-passthrough",
        action="store_true",
        help="let the proxy tunnel hosts other than WeChat's untouched (default: refuse them)",
    )
    p.add_argument(
        "--route-notify",
        action="append",
        default=[],
        metavar="HOST=TARGET",
        help="deliver notifications for a notify_url on HOST to TARGET instead: 127.0.0.1:8000 (HTTP),"
        " http://... or https://host:port, keeping the path, query and Host header (repeatable)",
    )
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    p.add_argument("--lang", choices=LANGS, help="language of the signature doctor's explanations (default en)")


def _network_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tls",
        type=int,
        nargs="?",
        const=DEFAULT_TLS_PORT,
        metavar="PORT",
        help=f"also serve HTTPS with a local CA, on PORT (default {DEFAULT_TLS_PORT}); /secapi/ then needs the"
        " merchant's client certificate",
    )
    p.add_argument(
        "--proxy",
        type=int,
        nargs="?",
        const=DEFAULT_PROXY_PORT,
        metavar="PORT",
        help=f"also run an HTTP proxy on PORT (default {DEFAULT_PROXY_PORT}) that sends WeChat's hosts to the mock"
        " (HTTPS_PROXY=http://127.0.0.1:PORT); turns HTTPS on",
    )


def _sign_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sign",
        help="print the canonical string and the sign of some fields, or with --v3 the v3 message (a teaching tool)",
        description="Print the string WeChat Pay v2 signs and the sign, for fields given as name=value, as a"
        " signed string pasted from a log ('appid=...&body=...&key=...') or as an XML file. With --check,"
        " say why a sign you have is not the right one.",
    )
    p.add_argument("fields", nargs="*", metavar="name=value", help="the fields, or one whole signed string (quote it)")
    p.add_argument("--xml", metavar="FILE", help="read the fields from a WeChat XML message ('-' for stdin)")
    p.add_argument(
        "--key",
        help="the merchant API key (default: a pasted string's key=, else the demo key); with --v3 a PEM file:"
        " a private key (apiclient_key.pem), or a certificate / public key to check with",
    )
    p.add_argument("--sign-type", choices=(MD5, HMAC_SHA256), help="default: the fields' sign_type, else MD5")
    p.add_argument("--check", metavar="SIGN", help="a sign to diagnose (default: the fields' own sign, if any)")
    p.add_argument("--appid", help="the mini program whose AppSecret to suspect (default: the fields' appid)")
    p.add_argument(
        "--appsecret",
        action="append",
        default=[],
        help="an AppSecret the sign may have been made with (the demo mini program's is known)",
    )
    p.add_argument("--lang", choices=LANGS, default="en", help="language of the explanations (default en)")
    cli_v3.add_arguments(p)


def _run_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="replay YAML payment scenarios and report",
        description="Replay payment scenarios (files or folders; none: the bundled library) against the built-in"
        " reference merchant or --merchant URL, on a fresh mock with a virtual clock. Exit code 0 only if every"
        " scenario passed.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="scenario files or folders (default: the bundled library; a story of it by name, e.g."
        " 06_forged_signature)",
    )
    p.add_argument("--merchant", metavar="URL", help="the merchant under test (default: the built-in one)")
    p.add_argument("--mock", metavar="URL", help="use this running mock (virtual clock) instead of a fresh one")
    p.add_argument(
        "--mock-port",
        type=int,
        default=None,
        help=f"port of the fresh mock (default: a free one; {DEFAULT_PORT} with --merchant, for its config)",
    )
    p.add_argument(
        "--api",
        choices=("v2", "v3"),
        default="v2",
        help="the WeChat Pay API the built-in merchant speaks (default v2); a scenario's setup.api wins",
    )
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML")
    p.add_argument("--json", metavar="FILE", help="also write a JSON report")
    p.add_argument("-q", "--quiet", action="store_true", help="print failing steps only")


def _demo_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="start the mock and the reference merchant, wired to each other",
        description="The mock (demo tenant) and the reference merchant, each on its own port, the merchant's"
        " WeChat URLs pointing at the mock and the mock's notifications reaching the merchant.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the mock's port (default {DEFAULT_PORT})")
    p.add_argument(
        "--merchant-port",
        type=int,
        default=DEMO_MERCHANT_PORT,
        help=f"the merchant's port (default {DEMO_MERCHANT_PORT})",
    )
    p.add_argument("--clock", choices=("real", "virtual"), default="real")
    p.add_argument(
        "--api",
        choices=("v2", "v3", "v3-certificate"),
        default="v2",
        help="the API the merchant speaks: v2 (default), v3 (WeChat Pay public key) or v3-certificate"
        " (platform certificates from /v3/certificates)",
    )
    p.add_argument("--memory", action="store_true", help="keep both databases in memory")
    _network_arguments(p)
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))


def _ca_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ca",
        help="print the local CA certificate that HTTPS uses (made on first use), to trust it elsewhere",
        description="Print the PEM of the local CA that signs the mock's HTTPS certificate (serve --tls),"
        " making it first if needed, so that another machine or a container can trust it:"
        " run_mock.py ca > mockwx-ca.pem. How to trust it goes to stderr.",
    )
    p.add_argument("--config", metavar="FILE", help="YAML config file (its tls.folder and db)")
    p.add_argument("--db", metavar="FILE", help=f"the state file the CA lives beside (default {DEFAULT_DB})")
    p.add_argument("--memory", action="store_true", help="the CA of a mock run with --memory (.mockwx/tls)")
    p.add_argument("--path", action="store_true", help="print the CA file's path instead of its PEM")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_mock.py", description="mockwx: a local WeChat login + WeChat Pay v2 sandbox."
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="the version and what it mocks, then exit")
    sub = parser.add_subparsers(dest="command")
    _serve_parser(sub)
    _sign_parser(sub)
    _run_parser(sub)
    _demo_parser(sub)
    _ca_parser(sub)
    return parser


def version_text() -> str:
    """mockwx's version, the Python running it, and what it mocks per dialect (from the catalogue)."""
    from aiohttp import __version__ as aiohttp_version

    lines = [f"mockwx {__version__} (Python {platform.python_version()}, aiohttp {aiohttp_version})"]
    for dialect, count in catalogue.coverage().items():
        lines.append(f"  {dialect:<5} {count:>2} APIs  {catalogue.DIALECTS[dialect]}")
    lines.append("  simulated: wx.login, wx.requestPayment, the mini program, notifications on WeChat's schedule")
    return "\n".join(lines)


class _Version(argparse.Action):
    """--version as written (argparse's own version action re-wraps the lines)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(version_text())
        parser.exit()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "serve")
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except BrokenPipeError:  # the output was piped into head or less and closed
        sys.stderr.close()
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "sign":
        return sign_command(args)
    if args.command == "run":
        return run_command(args)
    if args.command == "demo":
        return demo_command(args)
    if args.command == "ca":
        return ca_command(args)
    return serve_command(args)


# -- serve ---------------------------------------------------------------------------------------


def serve_config(args: argparse.Namespace) -> Config:
    config = load_config(args.config) if args.config else Config()
    s = config.settings
    if args.clock:
        s.clock = args.clock
    if args.seed is not None:
        s.seed = args.seed
    if args.memory:
        s.db = None
    elif args.db:
        s.db = args.db
    elif not config.db_given:
        s.db = DEFAULT_DB
    s.notify.allow = [*s.notify.allow, *args.allow_notify]
    if args.lang:
        s.lang = args.lang
    security = s.security
    security.token = args.token or os.environ.get(TOKEN_ENV) or security.token
    security.allowed_hosts = [*security.allowed_hosts, *args.allow_host]
    security.reveal_hints = args.reveal_hints or security.reveal_hints
    _apply_network(s, args)
    s.proxy.passthrough = args.proxy_passthrough or s.proxy.passthrough
    for text in args.route_notify:
        try:
            host, target = parse_route_option(text)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        s.notify.routes[host] = target
    validate(config, "the command line")
    return config


def _apply_network(settings: Settings, args: argparse.Namespace) -> None:
    """--tls and --proxy; the proxy needs HTTPS, on its default port unless one is given."""
    if args.tls is not None:
        settings.tls.port = args.tls
    if args.proxy is not None:
        settings.proxy.port = args.proxy
    if settings.proxy.port is not None and settings.tls.port is None:
        settings.tls.port = DEFAULT_TLS_PORT


def serve_command(args: argparse.Namespace) -> int:
    logs.configure(args.log_level)
    try:
        config = serve_config(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    host = args.host or config.host or "127.0.0.1"
    port = args.port if args.port is not None else (config.port if config.port is not None else DEFAULT_PORT)
    problem = wx.phone_problem(args.miniprogram or "", args.backend or "")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(config, host, port, args.miniprogram or "", args.backend or ""))
    except (StateFileError, StorageError, TlsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot listen on {host}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


async def _until_stopped(runners: list[web.AppRunner], banner_text: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(banner_text, flush=True)
    try:
        await stop.wait()
    finally:
        print("\nmockwx: stopping...", flush=True)
        for runner in reversed(runners):
            await runner.cleanup()
        print("mockwx: stopped.", flush=True)


async def _serve(config: Config, host: str, port: int, miniprogram: str = "", backend: str = "") -> None:
    app = create_app(config, host=host)
    app[KEYS_FOLDER] = keys_folder(config)  # merchants added while it runs get their key files too
    phone = wx.setup(app)
    phone.miniprogram, phone.backend = miniprogram, backend
    started = await listen_all(app, host, port, idle_timeout=config.settings.idle_timeout)
    login = app[LINKS].path() if app[ACCESS].token else ""
    text = banner(app[BACKEND], app[ACCESS], host, started.port, keys_folder(config), started.network, login)
    with tuned_collector(app[BACKEND]):
        await _until_stopped([started.runner], text)


# -- sign ----------------------------------------------------------------------------------------


def sign_fields(args: argparse.Namespace) -> Reading:
    """The fields of ``sign``: from --xml, name=value arguments, or one pasted signed string."""
    reading = Reading(fields={})
    if args.xml:
        raw = sys.stdin.buffer.read() if args.xml == "-" else Path(args.xml).read_bytes()
        reading.fields.update(parse_xml(raw))
    for item in args.fields:
        if looks_pasted(item):
            pasted = read_pasted(item)
            reading.fields.update(pasted.fields)
            reading.key = pasted.key or reading.key
            reading.received = pasted.received or reading.received
            reading.notes += pasted.notes
            if len(args.fields) == 1 and not args.xml:
                reading.pasted = pasted.pasted
            continue
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"{item!r} is not name=value")
        reading.fields[name] = value
    return reading


def sign_keys(args: argparse.Namespace, reading: Reading) -> list[KeyCandidate]:
    """The key to sign with (--key, a pasted key=, else the demo key), then the keys to suspect."""
    appid = args.appid or reading.fields.get("appid") or reading.fields.get("appId") or ""
    return lesson_keys(
        reading,
        key=args.key,
        default=[KeyCandidate(DEMO_API_KEY, "api_key", DEMO_MCH_ID)],
        default_note=Finding("demo_key"),
        secrets=[*args.appsecret, *([DEMO_SECRET] if appid == DEMO_APPID else [])],
        appid=appid,
    )


def sign_command(args: argparse.Namespace) -> int:
    if args.v3 or args.paysign:
        return cli_v3.sign_v3_command(args)
    try:
        reading = sign_fields(args)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not reading.fields:
        print("error: give fields as name=value, a signed string 'a=1&b=2&key=...', or --xml FILE", file=sys.stderr)
        return 2
    keys = sign_keys(args, reading)
    received = args.check or reading.fields.get("sign", "")
    try:
        lesson = teach(reading, keys=keys, sign_type=args.sign_type or "", received=received)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lesson.lines(args.lang)))
    return 1 if lesson.diagnosis is not None else 0


# -- run -----------------------------------------------------------------------------------------


def run_command(args: argparse.Namespace) -> int:
    from .scenarios import Runner, ScenarioError
    from .scenarios.report import ConsoleReport, write_json, write_junit

    logging.basicConfig(level=logging.ERROR, format="%(name)s %(levelname)s %(message)s")
    report = ConsoleReport(verbose=not args.quiet, api=args.api)
    port = args.mock_port if args.mock_port is not None else (DEFAULT_PORT if args.merchant else 0)
    runner = Runner(mock_url=args.mock, merchant_url=args.merchant, mock_port=port, api=args.api, listener=report)
    started = time.perf_counter()
    try:
        results = asyncio.run(runner.run_paths(args.paths))
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    report.summary(results, seconds)
    if args.junit:
        write_junit(results, args.junit, seconds)
    if args.json:
        write_json(results, args.json, seconds)
    return 0 if all(r.passed for r in results) else 1


# -- ca ------------------------------------------------------------------------------------------


def ca_command(args: argparse.Namespace) -> int:
    """The local CA's PEM on stdout (its path with --path), made first if needed; how to trust it on stderr."""
    try:
        config = load_config(args.config) if args.config else Config()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.memory:
        config.settings.db = None
    elif args.db or not config.db_given:
        config.settings.db = args.db or DEFAULT_DB
    try:
        pki = open_pki(config, SystemClock().now())
    except TlsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.path:
        print(pki.ca_file.resolve())
        return 0
    sys.stdout.write(pki.ca_file.read_text("ascii"))
    sys.stdout.flush()
    print(f"the mockwx local CA ({pki.ca_file.resolve()}); trust it:", file=sys.stderr)
    print("\n".join(trust_lines(pki.ca_file, f"https://127.0.0.1:{DEFAULT_TLS_PORT}")), file=sys.stderr)
    return 0


# -- demo ----------------------------------------------------------------------------------------


def demo_command(args: argparse.Namespace) -> int:
    logs.configure(args.log_level)
    config = Config()
    config.settings.clock = args.clock
    config.settings.db = None if args.memory else ".mockwx/demo-mock.sqlite3"
    _apply_network(config.settings, args)
    try:
        asyncio.run(_demo(config, args))
    except (StateFileError, StorageError, TlsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot listen: {exc.strerror} (try --port / --merchant-port)", file=sys.stderr)
        return 1
    return 0


async def _demo(config: Config, args: argparse.Namespace) -> None:
    from mockwx.merchant import create_app as create_merchant
    from mockwx.merchant import demo_config
    from mockwx.merchant.config import DEMO_SHOP_PRODUCTS

    mock_app = create_app(config, host=args.host)
    mock_app[KEYS_FOLDER] = keys_folder(config)
    started = await listen_all(mock_app, args.host, args.port, idle_timeout=config.settings.idle_timeout)
    mock_runner, mock_port = started.runner, started.port
    mock_url = f"http://{args.host}:{mock_port}"
    merchant_url = f"http://{args.host}:{args.merchant_port}"
    db = ":memory:" if args.memory else ".mockwx/demo-merchant.sqlite3"
    if db != ":memory:":
        Path(db).parent.mkdir(parents=True, exist_ok=True)
    backend = mock_app[BACKEND]
    v3 = write_demo_keys(backend, keys_folder(config), args.api)
    merchant_config = demo_config(mock_url, merchant_url, db, sweep_interval=30, products=DEMO_SHOP_PRODUCTS, **v3)
    phone = wx.setup(mock_app)  # the phone runs the demo shop against this merchant
    phone.backend, phone.ext = merchant_url, {"operatorToken": merchant_config.operator_token}
    merchant_app = create_merchant(merchant_config, clock=backend.clock.now)  # one clock for both
    try:
        merchant_runner, _ = await listen(merchant_app, args.host, args.merchant_port)
    except OSError:
        await mock_runner.cleanup()
        raise
    text = demo_banner(mock_url, merchant_url, merchant_config.operator_token, backend.clock.kind)
    text = text.replace("\nA whole payment", f"{v3_demo_lines(args.api, v3)}\nA whole payment", 1)
    network = network_lines(started.network, backend, keys_folder(config))
    text = text.replace("\nDemo tenant:", "".join(f"\n{line}" for line in network) + "\nDemo tenant:", 1)
    with tuned_collector(backend):
        await _until_stopped([mock_runner, merchant_runner], text)
