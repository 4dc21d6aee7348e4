"""What the command line prints on start: the mock's banner (every tenant, with the v3 facts an SDK needs
and the key files written for it) and the demo's walkthrough (protocol/v3.md 1.1, 2.4, 3)."""

from __future__ import annotations

from pathlib import Path

from . import __version__
from .backend import Backend
from .config import Config
from .domain.models import Merchant
from .services.keys import export as export_keys
from .views import merchant_view


def keys_folder(config: Config) -> Path:
    """Where each merchant's v3 key files go: ``keys/<mch_id>/`` beside the state file (.mockwx/ in memory)."""
    return (Path(config.settings.db).parent if config.settings.db else Path(".mockwx")) / "keys"


def banner(backend: Backend, host: str, port: int, keys: Path | None = None) -> str:
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    lines = [
        f"mockwx {__version__} listening on {url}",
        f"  WeChat login (api.weixin.qq.com)     {url}/sns/jscode2session",
        f"  WeChat Pay v2 (api.mch.weixin.qq.com) {url}/pay/unifiedorder",
        f"  WeChat Pay v3 (api.mch.weixin.qq.com) {url}/v3/pay/transactions/jsapi",
        f"  control API                           {url}/__mock__",
        f"  clock: {backend.clock.kind}   state: {backend.persistence.location}",
    ]
    for app in backend.state.apps.values():
        lines.append(f"mini program {app.appid}  AppSecret {app.secret}  {app.name}")
    for merchant in backend.state.merchants.values():
        lines.append(f"merchant     {merchant.mch_id}  API key {merchant.api_key}  appids {', '.join(merchant.appids)}")
        lines += v3_lines(backend, merchant, keys)
    lines += [
        "Try:",
        f'  curl -s -X POST {url}/__mock__/login -d \'{{"user": "alice"}}\'',
        "Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def v3_lines(backend: Backend, merchant: Merchant, folder: Path | None) -> list[str]:
    """What a v3 SDK needs of one merchant, and (with ``folder``) the PEM files written for it."""
    material = merchant_view(backend, merchant)["v3"]
    lines = [
        f"  API v3: APIv3 key {material['api_v3_key']}  merchant serial_no {material['merchant_serial']}",
        f"          PUB_KEY_ID {material['public_key_id']}"
        + (f"  platform serial {material['platform_serial']}" if "platform_serial" in material else ""),
    ]
    if folder is not None:
        try:
            written = export_keys(material, folder / merchant.mch_id)
        except OSError as exc:
            return [*lines, f"          (key files not written to {folder / merchant.mch_id}: {exc.strerror})"]
        where = Path(written["apiclient_key.pem"]).parent
        lines.append(f"          key files in {where}/: {', '.join(sorted(written))}")
    return lines


def v3_demo_lines(api: str, v3: dict[str, str]) -> str:
    how = (
        f"the WeChat Pay public key {v3['wechatpay_public_key_id']}"
        if api == "v3"
        else "the platform certificates it downloads from /v3/certificates"
    )
    return (
        f"The merchant speaks API v3: requests signed with {v3['private_key_file']}\n"
        f"  (serial_no {v3['merchant_serial']}), answers and notifications verified with {how};\n"
        "  wx.requestPayment gets signType RSA."
    )


def demo_banner(mock: str, shop: str, operator_token: str, clock: str) -> str:
    return f"""mockwx demo: the mock and the reference merchant, wired to each other ({clock} clock)
  mock (WeChat)      {mock}     control API {mock}/__mock__
  merchant           {shop}     notify URL {shop}/wxpay/notify
Demo tenant: appid wxd930ea5d5a258f4f, mch_id 10000100, API key 192006250b4c09247ec02edce69f6a2d

A whole payment, by hand (each line prints JSON; copy values from one into the next):
  1. the mini program logs in:   curl -s -X POST {mock}/__mock__/login -d '{{"user": "alice"}}'
  2. ...and sends the code:      curl -s -X POST {shop}/api/login -d '{{"code": "<code>"}}'
  3. the catalogue:              curl -s {shop}/api/products
  4. an order:                   curl -s -X POST {shop}/api/orders -H 'Authorization: Bearer <token>' \\
                                      -d '{{"product_id": "coffee", "quantity": 1}}'
  5. the user pays:              curl -s -X POST {mock}/__mock__/pay -d '<the whole answer of step 4>'
  6. the merchant's view:        curl -s {shop}/api/orders/<out_trade_no> -H 'Authorization: Bearer <token>'
  7. WeChat's view:              curl -s {mock}/__mock__/orders/<out_trade_no>
  8. a refund (operator):        curl -s -X POST {shop}/api/orders/<out_trade_no>/refund \\
                                      -H 'Authorization: Bearer {operator_token}' -d '{{}}'
Then try a forged notification:  curl -s -X POST {mock}/__mock__/notify \\
                                      -d '{{"out_trade_no": "<out_trade_no>", "variant": "forged"}}'
and read what the merchant answered in step 7. Ctrl-C stops both."""
