"""v3 client-side payment signatures: wx.requestPayment's paySign and the APP PayReq sign (protocol/v3.md 5).

paySign = base64(SHA256withRSA(merchant private key, ``appId\\ntimeStamp\\nnonceStr\\npackage\\n``)),
with ``package`` = ``prepay_id=<id>`` and ``signType`` = ``RSA``. The APP variant signs the bare
prepay id on line 4 and sends ``package=Sign=WXPay`` unsigned.
"""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives.asymmetric import rsa

from .signature import message, rsa_sign, rsa_verify

SIGN_TYPE = "RSA"
APP_PACKAGE = "Sign=WXPay"
PACKAGE_PREFIX = "prepay_id="


def pay_sign_message(app_id: str, time_stamp: str, nonce_str: str, package: str) -> bytes:
    """The four signed lines; for JSAPI/mini programs ``package`` is ``prepay_id=...``, for APP the bare id."""
    return message(app_id, time_stamp, nonce_str, package)


def pay_sign(app_id: str, time_stamp: str, nonce_str: str, package: str, private_key: rsa.RSAPrivateKey) -> str:
    """The paySign (JSAPI, mini program) or sign (APP) over the four lines."""
    return rsa_sign(pay_sign_message(app_id, time_stamp, nonce_str, package), private_key)


def verify_pay_sign(
    app_id: str, time_stamp: str, nonce_str: str, package: str, signature: str, public_key: rsa.RSAPublicKey
) -> bool:
    """True when ``signature`` is the merchant's signature of the four lines."""
    return rsa_verify(pay_sign_message(app_id, time_stamp, nonce_str, package), signature, public_key)


def _nonce() -> str:
    return secrets.token_hex(16).upper()


def request_payment_params(
    app_id: str,
    prepay_id: str,
    private_key: rsa.RSAPrivateKey,
    *,
    time_stamp: int | str,
    nonce_str: str | None = None,
) -> dict[str, str]:
    """What a merchant backend hands to wx.requestPayment: appId (not passed on), timeStamp, nonceStr, package,
    signType, paySign."""
    nonce = nonce_str if nonce_str is not None else _nonce()
    package = PACKAGE_PREFIX + prepay_id
    return {
        "appId": app_id,
        "timeStamp": str(time_stamp),
        "nonceStr": nonce,
        "package": package,
        "signType": SIGN_TYPE,
        "paySign": pay_sign(app_id, str(time_stamp), nonce, package, private_key),
    }


def app_pay_params(
    app_id: str,
    mchid: str,
    prepay_id: str,
    private_key: rsa.RSAPrivateKey,
    *,
    timestamp: int | str,
    noncestr: str | None = None,
) -> dict[str, str]:
    """The APP PayReq fields (appid, partnerid, prepayid, package, noncestr, timestamp, sign)."""
    nonce = noncestr if noncestr is not None else _nonce()
    return {
        "appid": app_id,
        "partnerid": mchid,
        "prepayid": prepay_id,
        "package": APP_PACKAGE,
        "noncestr": nonce,
        "timestamp": str(timestamp),
        "sign": pay_sign(app_id, str(timestamp), nonce, prepay_id, private_key),
    }
