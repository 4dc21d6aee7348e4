"""The API v3 settings' checks: the APIv3 key, the merchant certificate serial, the private key file,
and the WeChat Pay public key with its id, or neither for platform certificates (protocol/v3.md 1.1, 2.4)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from mockwx.wire.v3 import is_public_key_id, load_private_key, load_public_key

if TYPE_CHECKING:
    from .config import MerchantConfig

_SERIAL = re.compile(r"[0-9A-Fa-f]{1,64}")


def _pem(path: str, name: str, load: object) -> str:
    """'' when ``path`` holds what ``load`` reads, else why not."""
    if not path:
        return f"{name} is required with api v3 (a PEM file path)"
    try:
        load(Path(path).read_bytes())  # type: ignore[operator]
    except OSError as exc:
        return f"{name}: cannot read {path}: {exc.strerror}"
    except ValueError as exc:
        return f"{name}: {path}: {exc}"
    return ""


def v3_problems(c: MerchantConfig) -> list[str]:
    out: list[str] = []
    if len(c.api_v3_key.encode("utf-8")) != 32:
        out.append(
            f"api_v3_key must be the 32-character APIv3 key (got {len(c.api_v3_key)} characters); it is set in the"
            " merchant console beside the v2 API key and decrypts notifications and certificates"
        )
    if not _SERIAL.fullmatch(c.merchant_serial):
        out.append(
            f"merchant_serial must be the hex serial_no of your merchant API certificate, got {c.merchant_serial!r}"
            " (openssl x509 -in apiclient_cert.pem -noout -serial)"
        )
    problem = _pem(c.private_key_file, "private_key_file", load_private_key)
    if problem:
        out.append(problem + " (apiclient_key.pem: the merchant API certificate's private key)")
    if bool(c.wechatpay_public_key_id) != bool(c.wechatpay_public_key_file):
        out.append(
            "wechatpay_public_key_id and wechatpay_public_key_file go together: give both for the WeChat Pay"
            " public key, or neither to verify with the platform certificates from /v3/certificates"
        )
    elif c.wechatpay_public_key_id:
        if not is_public_key_id(c.wechatpay_public_key_id):
            out.append(f"wechatpay_public_key_id must look like PUB_KEY_ID_0112..., got {c.wechatpay_public_key_id!r}")
        problem = _pem(c.wechatpay_public_key_file, "wechatpay_public_key_file", load_public_key)
        if problem:
            out.append(problem + " (pub_key.pem: the WeChat Pay public key)")
    return out


def settings_from_folder(folder: str | Path, *, public_key: bool = True) -> dict[str, str]:
    """The v3 settings for key files as ``run_mock.py`` and ``POST /__mock__/tenants/{mch_id}/keys`` write
    them: apiclient_key.pem, pub_key.pem, apiv3_key.txt and ids.txt (``merchant_serial=...`` lines).

    ``public_key`` picks the WeChat Pay public key; False verifies with the platform certificates instead.
    """
    path = Path(folder)
    ids = dict(
        line.split("=", 1) for line in (path / "ids.txt").read_text(encoding="ascii").splitlines() if "=" in line
    )
    settings = {
        "api": "v3",
        "api_v3_key": (path / "apiv3_key.txt").read_text(encoding="ascii").strip(),
        "merchant_serial": ids.get("merchant_serial", ""),
        "private_key_file": str(path / "apiclient_key.pem"),
    }
    if public_key:
        settings["wechatpay_public_key_id"] = ids.get("public_key_id", "")
        settings["wechatpay_public_key_file"] = str(path / "pub_key.pem")
    return settings
