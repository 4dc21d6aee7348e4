"""What serve and demo print and write of each merchant's API v3 material: the facts an SDK needs
(APIv3 key, merchant serial_no, PUB_KEY_ID, platform serial) and the PEM files, written to
``keys/<mch_id>/`` beside the state file (protocol/v3.md 1.1, 2.4, 3)."""

from __future__ import annotations

from pathlib import Path

from .backend import Backend
from .config import DEMO_MCH_ID, Config
from .domain.models import Merchant
from .services.keys import export as export_keys
from .views import merchant_view


def keys_folder(config: Config) -> Path:
    """Where each merchant's v3 key files go: ``keys/<mch_id>/`` beside the state file (.mockwx/ in memory)."""
    return (Path(config.settings.db).parent if config.settings.db else Path(".mockwx")) / "keys"


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


def write_demo_keys(backend: Backend, folder: Path, api: str) -> dict[str, str]:
    """For ``demo --api v3|v3-certificate``: the demo merchant's key files, as merchant settings ({} for v2)."""
    if api == "v2":
        return {}
    from mockwx.merchant.config_v3 import settings_from_folder  # the system under test, not a mockwx dependency

    target = folder / DEMO_MCH_ID
    export_keys(merchant_view(backend, backend.state.merchants[DEMO_MCH_ID])["v3"], target)
    return settings_from_folder(target, public_key=api == "v3")


def v3_demo_lines(api: str, v3: dict[str, str]) -> str:
    """The demo banner's lines about API v3 ('' for v2), each starting with a newline."""
    if not v3:
        return ""
    how = (
        f"the WeChat Pay public key {v3['wechatpay_public_key_id']}"
        if api == "v3"
        else "the platform certificates it downloads from /v3/certificates"
    )
    return (
        f"\nThe merchant speaks API v3: requests signed with {v3['private_key_file']}\n"
        f"  (serial_no {v3['merchant_serial']}), answers and notifications verified with {how};\n"
        "  wx.requestPayment gets signType RSA.\n"
    )
