"""SHA256withRSA over the v3 messages, pinned by WeChat's published vectors (protocol/v3.md 1.2, 2.2) and by
wechatpayv3's independent rsa_sign / rsa_verify."""

from __future__ import annotations

import base64

import pytest
from wechatpayv3.utils import rsa_sign as sdk_rsa_sign
from wechatpayv3.utils import rsa_verify as sdk_rsa_verify

from mockwx.wire import v3

from .v3_vectors import (
    DOC_BODY,
    DOC_BODY_SIGNATURE,
    DOC_NONCE,
    DOC_PATH,
    DOC_PATH_SIGNATURE,
    DOC_PLATFORM_PUBLIC_KEY,
    DOC_PRIVATE_KEY,
    DOC_RESPONSE_BODY,
    DOC_RESPONSE_NONCE,
    DOC_RESPONSE_SIGNATURE,
    DOC_RESPONSE_TIMESTAMP,
    DOC_TIMESTAMP,
)


@pytest.fixture(scope="module")
def doc_key():
    return v3.load_private_key(DOC_PRIVATE_KEY)


def test_gitbook_worked_example_message():
    assert (
        v3.request_message("GET", "/v3/certificates", "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242")
        == b"GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"
    )


def test_every_line_ends_in_a_newline_and_the_body_is_raw_bytes():
    body = b'{"a": "\xe4\xb8\xad"}\n'  # not re-encoded, trailing newline kept inside the line
    assert v3.request_message("POST", "/p?q=1", "1", "n", body) == b'POST\n/p?q=1\n1\nn\n{"a": "\xe4\xb8\xad"}\n\n'
    assert v3.response_message("1", "n") == b"1\nn\n\n"  # a 204's empty body still ends the message


def test_official_body_signature_vector(doc_key):
    signed = v3.request_message("POST", "/v3/pay/transactions/jsapi", DOC_TIMESTAMP, DOC_NONCE, DOC_BODY)
    assert v3.rsa_sign(signed, doc_key) == DOC_BODY_SIGNATURE
    assert v3.rsa_verify(signed, DOC_BODY_SIGNATURE, doc_key.public_key())


def test_official_path_signature_vector(doc_key):
    assert v3.rsa_sign(v3.request_message("GET", DOC_PATH, DOC_TIMESTAMP, DOC_NONCE), doc_key) == DOC_PATH_SIGNATURE


def test_official_response_signature_vector():
    platform = v3.load_public_key(DOC_PLATFORM_PUBLIC_KEY)
    signed = v3.response_message(DOC_RESPONSE_TIMESTAMP, DOC_RESPONSE_NONCE, DOC_RESPONSE_BODY)
    assert v3.rsa_verify(signed, DOC_RESPONSE_SIGNATURE, platform)
    assert not v3.rsa_verify(signed.replace(b"JyC91EIz1", b"JyC91EIz2"), DOC_RESPONSE_SIGNATURE, platform)


def test_signature_is_one_line_of_344_base64_characters(merchant_key):
    signature = v3.rsa_sign(b"x\n", merchant_key)
    assert len(signature) == 344 and "\n" not in signature and len(base64.b64decode(signature)) == 256


def test_wechatpayv3_signs_the_same_bytes_and_verifies_ours(merchant_key):
    text = "POST\n/v3/pay/transactions/jsapi\n1554208460\nN\n" + DOC_BODY + "\n"
    ours = v3.rsa_sign(text.encode(), merchant_key)
    assert sdk_rsa_sign(merchant_key, text) == ours  # PKCS#1 v1.5 is deterministic
    assert sdk_rsa_verify(
        "1554208460",
        "N",
        DOC_BODY,
        v3.rsa_sign(b"1554208460\nN\n" + DOC_BODY.encode() + b"\n", merchant_key),
        merchant_key.public_key(),
    )


@pytest.mark.parametrize(
    "signature",
    ["", "not base64!", "WECHATPAY/SIGNTEST/" + "A" * 344, base64.b64encode(b"short").decode(), "é"],
)
def test_verify_refuses_garbage_without_raising(merchant_key, signature):
    assert v3.rsa_verify(b"x\n", signature, merchant_key.public_key()) is False


def test_verify_refuses_another_key(merchant_key, stranger_key):
    assert not v3.rsa_verify(b"x\n", v3.rsa_sign(b"x\n", stranger_key), merchant_key.public_key())
