"""``run_mock.py sign --v3``: the message an API v3 request signature or paySign covers, with every ``\\n``
made visible, its signature, and the doctor's named mistake for one that does not verify (protocol/v3.md 1.2, 5).

Request mode: ``sign --v3 METHOD URL [--timestamp T] [--nonce N] [--body FILE|-]``; paySign mode:
``sign --v3 --paysign APPID TIMESTAMP NONCE PACKAGE``. The key is a PEM file (a private key signs and
checks; a certificate or public key only checks), by default the demo merchant's private key.
``--check SIG`` or ``--authorization 'WECHATPAY2-SHA256-RSA2048 ...'`` (which also carries the
timestamp, the nonce and the serial) asks whether a signature you have is the right one, and whether
WeChat takes it: a timestamp in milliseconds or a serial_no that is not the merchant certificate's is
refused however well signed (exit status 1, as for a wrong signature).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from . import demo_v3
from .config import DEMO_MCH_ID
from .doctor import v3_record, view_of
from .wire.v3 import (
    SCHEME,
    Authorization,
    diagnose_pay_sign,
    diagnose_request,
    diagnose_serial,
    load_private_key,
    load_public_key,
    message_lines,
    parse_authorization,
    pay_sign_message,
    request_message,
    rsa_sign,
    rsa_verify,
    serial_no,
    signed_target,
)
from .wire.v3.diagnosis import MILLISECONDS_DIGITS

WORDS = {
    "en": {
        "message": "The message WeChat signs ({n} lines, each ending in \\n):",
        "key": "key: {label}",
        "signature": "signature: {sig}",
        "ok": "The signature verifies: it is the right one.",
        "bad": "The signature does NOT verify.",
        "why": "why: {text}",
        "fix": "fix: {text}",
        "signed": "What was signed instead:",
        "made_with": "made with: {label}",
        "serial": "serial_no {got} is not the merchant certificate's ({want}): {text}",
        "refused": "The signature verifies, but WeChat refuses the request all the same (401 SIGN_ERROR):",
        "no_check": "(no private key: give --check SIG or --authorization to check a signature)",
        "demo_key": "the demo merchant's private key (mockwx/demo_v3.py; apiclient_key.pem of the demo tenant)",
    },
    "zh": {
        "message": "微信支付签名的串（{n} 行，每行以 \\n 结尾）：",
        "key": "密钥：{label}",
        "signature": "签名：{sig}",
        "ok": "签名验证通过：这是正确的签名。",
        "bad": "签名验证不通过。",
        "why": "原因：{text}",
        "fix": "修正：{text}",
        "signed": "实际签名的串：",
        "made_with": "签名所用的密钥：{label}",
        "serial": "serial_no {got} 不是商户证书的序列号（{want}）：{text}",
        "refused": "签名验证通过，但微信仍会拒绝这个请求（401 SIGN_ERROR）：",
        "no_check": "（没有私钥：用 --check SIG 或 --authorization 检查一个签名）",
        "demo_key": "演示商户的私钥（mockwx/demo_v3.py；演示商户的 apiclient_key.pem）",
    },
}
DEMO_PLATFORM_LABEL = "the demo platform certificate's private key (WeChat's key, not the merchant's)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``--v3`` options of the sign command."""
    v3 = p.add_argument_group("API v3 (--v3)")
    v3.add_argument("--v3", action="store_true", help="API v3: METHOD URL (or, with --paysign, APPID TS NONCE PACKAGE)")
    v3.add_argument("--paysign", action="store_true", help="the v3 paySign of wx.requestPayment (signType RSA)")
    v3.add_argument("--timestamp", help="Unix seconds (default: now, or the --authorization's)")
    v3.add_argument("--nonce", help="nonce_str (default: random, or the --authorization's)")
    v3.add_argument("--body", metavar="FILE", help="the exact request body bytes: a file, or - for stdin")
    v3.add_argument("--mchid", help=f"the Authorization mchid (default {DEMO_MCH_ID} with the demo key)")
    v3.add_argument("--serial", help="the Authorization serial_no (default: the demo merchant's, with the demo key)")
    v3.add_argument("--authorization", metavar="HEADER", help=f"a whole '{SCHEME} ...' header to check")


@dataclass(frozen=True, slots=True)
class _Key:
    """The key a check uses: its private half (None for a certificate or public key), its public half, how to
    name it, and the serial_no an Authorization must carry with it (None when the PEM does not say)."""

    private: rsa.RSAPrivateKey | None
    public: rsa.RSAPublicKey
    label: str
    serial: str | None


def _key(args: argparse.Namespace) -> _Key:
    """--key PEM (a private key, a certificate or a public key), else the demo merchant's private key."""
    if not args.key:
        private = load_private_key(demo_v3.MERCHANT_KEY_PEM)
        return _Key(private, private.public_key(), WORDS[args.lang]["demo_key"], _serial(demo_v3.MERCHANT_CERT_PEM))
    pem = Path(args.key).read_bytes()
    if b"PRIVATE KEY" in pem:
        private = load_private_key(pem)
        return _Key(private, private.public_key(), f"the private key in {args.key}", None)
    serial = _serial(pem.decode("ascii", "replace")) if b"CERTIFICATE-----" in pem else None
    return _Key(None, load_public_key(pem), f"the public key in {args.key}", serial)


def _visible(message: bytes) -> list[str]:
    """The message's lines, indented, each ``\\n`` written out (a last line without one shows without it)."""
    return [f"  {line}".replace("\n", "\\n") for line in message_lines(message)]


def sign_v3_command(args: argparse.Namespace) -> int:
    try:
        lines, code = _lesson(args)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return code


def _lesson(args: argparse.Namespace) -> tuple[list[str], int]:
    w = WORDS[args.lang]
    key = _key(args)
    sent: Authorization | None = parse_authorization(args.authorization) if args.authorization else None
    received = args.check or (sent.signature if sent else "")
    timestamp = args.timestamp or (sent.timestamp if sent else str(int(time.time())))
    nonce = args.nonce or (sent.nonce_str if sent else secrets.token_hex(16).upper())
    if args.paysign:
        if len(args.fields) != 4:
            raise ValueError("--paysign takes APPID TIMESTAMP NONCE PACKAGE (package = prepay_id=...)")
        app_id, timestamp, nonce, package = args.fields
        signed = pay_sign_message(app_id, timestamp, nonce, package)
    else:
        if len(args.fields) != 2:
            raise ValueError("--v3 takes METHOD URL, e.g. POST /v3/pay/transactions/jsapi (and --body FILE)")
        method, target = args.fields[0].upper(), _target(args.fields[1])
        body = _body(args.body)
        signed = request_message(method, target, timestamp, nonce, body)
    out = [w["message"].format(n=signed.count(b"\n")), *_visible(signed), w["key"].format(label=key.label)]
    if key.private is not None:
        mine = rsa_sign(signed, key.private)
        out.append(w["signature"].format(sig=mine))
        if not args.paysign and not received:
            out.append("Authorization: " + _header(args, sent, nonce, mine, timestamp))
    refusals = _refusals(w, args, timestamp, sent, key)
    if not received:
        if key.private is None:
            out.append(w["no_check"])
        return out, 0
    if rsa_verify(signed, received, key.public):
        if not refusals:
            return [*out, w["ok"]], 0
        return [*out, w["refused"], *refusals], 1
    out.append(w["bad"])
    other = {DEMO_PLATFORM_LABEL: load_private_key(demo_v3.PLATFORM_KEY_PEM).public_key()} if not args.key else {}
    if args.paysign:
        found = diagnose_pay_sign(app_id, timestamp, nonce, package, received, key.public, other_keys=other)
        what = "paySign"
    else:
        found = diagnose_request(method, target, timestamp, nonce, body, received, key.public, other_keys=other)
        what = "request signature"
    cut_short = found.tried if found.cut_short else None
    record = v3_record(
        found.mistakes, what=what, expected=found.expected_message, key_label=found.key_label, cut_short=cut_short
    )
    view = view_of(record, args.lang)
    out += [w["why"].format(text=view["explanation"]), w["fix"].format(text=view["fix"])]
    if found.signed_message is not None:
        out += [w["signed"], *_visible(found.signed_message.encode("utf-8"))]
    if found.key_label:
        out.append(w["made_with"].format(label=found.key_label))
    return [*out, *refusals], 1


def _refusals(
    w: dict[str, str], args: argparse.Namespace, timestamp: str, sent: Authorization | None, key: _Key
) -> list[str]:
    """What WeChat refuses whatever the signature: a timestamp in milliseconds, a serial_no that is not the
    merchant certificate's (v3.md 1.1, 1.4, 5)."""
    lines: list[str] = []
    if timestamp.isascii() and timestamp.isdigit() and len(timestamp) >= MILLISECONDS_DIGITS:
        code = "v3_paysign_timestamp_milliseconds" if args.paysign else "v3_timestamp_milliseconds"
        view = view_of(v3_record([code], what="timestamp", received=timestamp), args.lang)
        lines += [w["why"].format(text=view["explanation"]), w["fix"].format(text=view["fix"])]
    if sent is not None and key.serial is not None and sent.serial_no.upper() != key.serial:
        lines += _serial_lines(w, sent.serial_no, key.serial, args.lang)
    return lines


def _serial(pem: str) -> str:
    return serial_no(x509.load_pem_x509_certificate(pem.encode("ascii")))


def _serial_lines(w: dict[str, str], serial: str, want: str, lang: str) -> list[str]:
    known = (_serial(demo_v3.PLATFORM_CERT_PEM), demo_v3.PUBLIC_KEY_ID)
    mistake = diagnose_serial(serial, want, platform_serials=known)
    view = view_of(v3_record([mistake], what="serial_no"), lang)
    return [w["serial"].format(got=serial, want=want, text=view["explanation"]), w["fix"].format(text=view["fix"])]


def _header(args: argparse.Namespace, sent: Authorization | None, nonce: str, signature: str, timestamp: str) -> str:
    mchid = args.mchid or (DEMO_MCH_ID if not args.key else "<mchid>")
    serial = args.serial or (_serial(demo_v3.MERCHANT_CERT_PEM) if not args.key else "<serial_no>")
    return Authorization(mchid, nonce, signature, timestamp, serial).header()


def _target(url: str) -> str:
    """path?query as signed (wire.v3.signed_target)."""
    target = signed_target(url)
    if not target:
        raise ValueError(f"the URL must be /path?query as sent (got {url!r})")
    return target


def _body(source: str | None) -> bytes:
    if source is None:
        return b""
    return sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
