"""What ``serve`` and ``demo`` print at start (README: Quick start): where each WeChat API, the control API,
the dashboard and the phone answer, the tenants and their keys, the access token and a first call to try.
"""

from __future__ import annotations

import socket
from pathlib import Path

from . import __version__
from .access import TOKEN_ENV, Access
from .http.logins import MINT_PATH
from .tls import Network, network_lines
from .v3_banner import v3_lines

LOOPBACK_OF = {"0.0.0.0": "127.0.0.1", "::": "::1"}  # every address: the banner's links use loopback


def banner(
    backend,
    access: Access,
    host: str,
    port: int,
    keys: Path | None = None,
    network: Network | None = None,
    login: str = "",
) -> str:
    """What ``serve`` prints at start; ``login``: the path of a one-time dashboard login link."""
    listening = f"http://{_bracketed(host)}:{port}"
    url = f"http://{_bracketed(LOOPBACK_OF.get(host, host))}:{port}"  # where a browser on this machine reaches it
    lines = [
        f"mockwx {__version__} listening on {listening}",
        *_elsewhere_lines(host, port),
        f"  WeChat login (api.weixin.qq.com)     {url}/sns/jscode2session",
        f"  WeChat Pay v2 (api.mch.weixin.qq.com) {url}/pay/unifiedorder",
        f"  WeChat Pay v3 (api.mch.weixin.qq.com) {url}/v3/pay/transactions/jsapi",
        f"  control API                           {url}/__mock__",
        f"  dashboard (open it in a browser)      {url}/__mock__/ui/",
        f"  the phone (a mini program)            {url}/__mock__/ui/phone",
        f"  clock: {backend.clock.kind}   state: {backend.persistence.location}",
    ]
    for app in backend.state.apps.values():
        lines.append(f"mini program {app.appid}  AppSecret {app.secret}  {app.name}")
    for merchant in backend.state.merchants.values():
        lines.append(f"merchant     {merchant.mch_id}  API key {merchant.api_key}  appids {', '.join(merchant.appids)}")
        lines += v3_lines(backend, merchant, keys)
    if network is not None:  # after the v3 files: a merchant's client certificate replaces v3's self-signed one
        lines += network_lines(network, backend, keys)
    lines += _access_lines(access, url, login)
    token = access.token if access.token_generated else f"${TOKEN_ENV}"  # a token the user set is not echoed
    # double quotes: a shell expands $MOCKWX_TOKEN in the line as printed
    headers = "-H 'Content-Type: application/json'" + (f' -H "Authorization: Bearer {token}"' if access.token else "")
    lines += [
        "Try:",
        f'  curl -s -X POST {headers} {url}/__mock__/login -d \'{{"user": "alice"}}\'',
        "Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _elsewhere_lines(host: str, port: int) -> list[str]:
    """Where other machines reach a mock serving on every address (0.0.0.0 or ::): its name and addresses."""
    if host not in LOOPBACK_OF:
        return []
    name = socket.gethostname()
    try:
        found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except OSError:  # a host name that does not resolve: the name alone
        found = []
    addresses = sorted({str(a[4][0]) for a in found if not str(a[4][0]).startswith(("127.", "::1"))})
    reachable = [f"http://{_bracketed(h)}:{port}" for h in [name, *addresses]]
    return [f"  from other machines                   {'  '.join(reachable)}"]


def _access_lines(access: Access, url: str, login: str = "") -> list[str]:
    lines = []
    if access.exposed:
        lines.append("listening beyond loopback: the control API needs the access token")
    if access.token_generated:
        lines.append(
            f"access token {access.token}  (send Authorization: Bearer <token>, or set it with --token / {TOKEN_ENV})"
        )
    elif access.token:
        lines.append(
            f"access token: the one you set (--token, {TOKEN_ENV} or security.token); the control API needs it"
        )
    if access.token and login:
        lines.append(f"dashboard login, works once: {url}{login}  (another: POST {MINT_PATH} with the token)")
    if not access.reveal_hints:
        lines.append("hints name the mistake but withhold the expected sign and the key (security.reveal_hints)")
    return lines


def demo_banner(mock: str, shop: str, operator_token: str, clock: str) -> str:
    return f"""mockwx demo: the mock and the reference merchant, wired to each other ({clock} clock)
  mock (WeChat)      {mock}     control API {mock}/__mock__
  merchant           {shop}     notify URL {shop}/wxpay/notify
  dashboard          {mock}/__mock__/ui/   (every call live; each order's story: Orders)
Demo tenant: appid wxd930ea5d5a258f4f, mch_id 10000100, API key 192006250b4c09247ec02edce69f6a2d

Open the phone and buy a coffee with clicks only (the demo shop, a mini program, runs in the browser):
  {mock}/__mock__/ui/phone

A whole payment, by hand (each line prints JSON; copy values from one into the next):
  0. once, in your shell:        J='Content-Type: application/json'
  1. the mini program logs in:   curl -s -X POST -H "$J" {mock}/__mock__/login -d '{{"user": "alice"}}'
  2. ...and sends the code:      curl -s -X POST -H "$J" {shop}/api/login -d '{{"code": "<code>"}}'
  3. the catalogue:              curl -s {shop}/api/products
  4. an order:                   curl -s -X POST -H "$J" {shop}/api/orders -H 'Authorization: Bearer <token>' \\
                                      -d '{{"product_id": "coffee", "quantity": 1}}'
  5. the user pays:              curl -s -X POST -H "$J" {mock}/__mock__/pay -d '<the whole answer of step 4>'
  6. the merchant's view:        curl -s {shop}/api/orders/<out_trade_no> -H 'Authorization: Bearer <token>'
  7. WeChat's view:              curl -s {mock}/__mock__/orders/<out_trade_no>
  8. a refund (operator):        curl -s -X POST -H "$J" {shop}/api/orders/<out_trade_no>/refund \\
                                      -H 'Authorization: Bearer {operator_token}' -d '{{}}'
Then try a forged notification:  curl -s -X POST -H "$J" {mock}/__mock__/notify \\
                                      -d '{{"out_trade_no": "<out_trade_no>", "variant": "forged"}}'
and read what the merchant answered in step 7, or open the order's story on the dashboard:
  {mock}/__mock__/ui/orders/<out_trade_no>
Ctrl-C stops both."""
