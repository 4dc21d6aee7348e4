"""AEAD_AES_256_GCM with the APIv3 key (protocol/v3.md 3.2, 7.1), against wechatpayv3's aes_decrypt."""

from __future__ import annotations

import base64

import pytest
from wechatpayv3.utils import aes_decrypt as sdk_aes_decrypt

from mockwx.wire import v3

from .v3_support import API_V3_KEY

PLAIN = '{"out_trade_no":"1217752501201407033233368018","trade_state_desc":"支付成功"}'


def test_wechatpayv3_decrypts_ours():
    nonce = v3.new_aead_nonce()
    ciphertext = v3.aead_encrypt(PLAIN, API_V3_KEY, nonce, "transaction")
    assert sdk_aes_decrypt(nonce, ciphertext, "transaction", API_V3_KEY) == PLAIN
    assert len(base64.b64decode(ciphertext)) == len(PLAIN.encode()) + 16  # ciphertext || 16-byte tag
    assert v3.aead_decrypt(ciphertext, API_V3_KEY, nonce, "transaction") == PLAIN.encode()


def test_nonce_shape():
    nonce = v3.new_aead_nonce()
    assert len(nonce) == 12 and nonce.isascii() and nonce.isalnum() and nonce != v3.new_aead_nonce()


def test_empty_associated_data_is_allowed():
    ciphertext = v3.aead_encrypt(PLAIN, API_V3_KEY, "abcdefghijkl")
    assert (
        v3.decrypt_fields(
            {"algorithm": "AEAD_AES_256_GCM", "nonce": "abcdefghijkl", "ciphertext": ciphertext}, API_V3_KEY
        )
        == PLAIN.encode()
    )


@pytest.mark.parametrize(
    ("key", "nonce", "aad", "match"),
    [
        ("192006250b4c09247ec02edce69f6a2d", "abcdefghijkl", "transaction", "APIv2 key"),  # the v2 key: tag mismatch
        (API_V3_KEY, "abcdefghijkm", "transaction", "tag mismatch"),
        (API_V3_KEY, "abcdefghijkl", "refund", "tag mismatch"),
        (API_V3_KEY, "", "transaction", "nonce is empty"),
    ],
)
def test_wrong_inputs_are_named(key, nonce, aad, match):
    ciphertext = v3.aead_encrypt(PLAIN, API_V3_KEY, "abcdefghijkl", "transaction")
    with pytest.raises(v3.DecryptError, match=match):
        v3.aead_decrypt(ciphertext, key, nonce, aad)


def test_tampered_and_malformed_ciphertexts():
    ciphertext = bytearray(base64.b64decode(v3.aead_encrypt(PLAIN, API_V3_KEY, "abcdefghijkl")))
    ciphertext[0] ^= 1
    for bad, match in [
        (base64.b64encode(bytes(ciphertext)).decode(), "altered"),
        ("not base64!", "not base64"),
        (base64.b64encode(b"short").decode(), "shorter than"),
    ]:
        with pytest.raises(v3.DecryptError, match=match):
            v3.aead_decrypt(bad, API_V3_KEY, "abcdefghijkl")


@pytest.mark.parametrize("key", ["short", "中" * 32, ""])
def test_key_must_be_32_bytes(key):
    with pytest.raises(ValueError, match="32 bytes"):
        v3.aead_encrypt(PLAIN, key, "abcdefghijkl")


def test_unknown_algorithm_is_refused():
    with pytest.raises(v3.DecryptError, match="AEAD_AES_256_GCM"):
        v3.decrypt_fields({"algorithm": "AEAD_SM4_GCM", "nonce": "n", "ciphertext": "c"}, API_V3_KEY)
