"""v3 RSA, X.509 and AES-256-GCM checked by a truly independent implementation: Node's crypto module (OpenSSL
through Node's own bindings, no shared Python code)."""

from __future__ import annotations

import base64
import time

from mockwx.wire import v3

from .v3_support import API_V3_KEY, MCHID, needs_node, run_node

pytestmark = needs_node

READ_STDIN = "let input = ''; process.stdin.on('data', (d) => (input += d)).on('end', () => main(JSON.parse(input)));"

RSA_SCRIPT = (
    READ_STDIN
    + """
const crypto = require('crypto');
function main(p) {
  const message = Buffer.from(p.message, 'base64');
  const cert = new crypto.X509Certificate(p.cert);
  const authMessage = `POST\\n/v3/pay/transactions/jsapi\\n${p.timestamp}\\nk3j9x0a1b2\\n${p.body}\\n`;
  const authSignature = crypto.createSign('RSA-SHA256').update(authMessage, 'utf8').sign(p.privateKey, 'base64');
  console.log(JSON.stringify({
    nodeSignature: crypto.createSign('RSA-SHA256').update(message).sign(p.privateKey, 'base64'),
    verifiedWithKey: crypto.createVerify('RSA-SHA256').update(message).verify(p.publicKey, p.ourSignature, 'base64'),
    verifiedWithCert: crypto.verify('sha256', message, cert.publicKey, Buffer.from(p.ourSignature, 'base64')),
    serialNumber: cert.serialNumber,
    subject: cert.subject,
    selfSigned: cert.verify(cert.publicKey),
    // the axios plugin's parameter order
    authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${p.mchid}",serial_no="${p.serial}",` +
      `timestamp="${p.timestamp}",nonce_str="k3j9x0a1b2",signature="${authSignature}"`,
  }));
}
"""
)


def test_rsa_and_x509_agree_with_node(merchant_key, merchant_cert):
    signed = v3.request_message("GET", "/v3/certificates?algorithm_type=RSA", "1554208460", "N")
    body = '{"description":"Image形象店-深圳腾大-QQ公仔","amount":{"total":1}}'
    now = int(time.time())
    out = run_node(
        RSA_SCRIPT,
        {
            "message": base64.b64encode(signed).decode(),
            "ourSignature": v3.rsa_sign(signed, merchant_key),
            "privateKey": v3.private_key_pem(merchant_key),
            "publicKey": v3.public_key_pem(merchant_key),
            "cert": v3.certificate_pem(merchant_cert),
            "mchid": MCHID,
            "serial": v3.serial_no(merchant_cert),
            "timestamp": str(now),
            "body": body,
        },
    )
    assert out["nodeSignature"] == v3.rsa_sign(signed, merchant_key)  # same bytes, deterministic padding
    assert out["verifiedWithKey"] and out["verifiedWithCert"] and out["selfSigned"]
    assert out["serialNumber"].upper() == v3.serial_no(merchant_cert)
    assert f"CN={MCHID}" in out["subject"]
    authorization = v3.authenticate(
        out["authorization"],
        "POST",
        "/v3/pay/transactions/jsapi",
        body.encode(),
        now=now,
        key_for=lambda a: merchant_key.public_key() if a.serial_no == v3.serial_no(merchant_cert) else None,
    )
    assert authorization.nonce_str == "k3j9x0a1b2"


AES_SCRIPT = (
    READ_STDIN
    + """
const crypto = require('crypto');
function decrypt(key, r) {
  const data = Buffer.from(r.ciphertext, 'base64');
  const decipher = crypto.createDecipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(r.nonce, 'utf8'));
  decipher.setAAD(Buffer.from(r.associated_data, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}
function main(p) {
  const cipher = crypto.createCipheriv('aes-256-gcm', Buffer.from(p.key, 'utf8'), Buffer.from('wH6I3SmUqHWX', 'utf8'));
  cipher.setAAD(Buffer.from('refund', 'utf8'));
  const sealed = Buffer.concat([cipher.update(p.plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  const notification = JSON.parse(p.notification);
  const certificate = JSON.parse(p.certificates).data[0];
  const pem = decrypt(p.key, certificate.encrypt_certificate);
  console.log(JSON.stringify({
    nodeCiphertext: sealed.toString('base64'),
    notificationPlain: decrypt(p.key, notification.resource),
    certificateSerial: new crypto.X509Certificate(pem).serialNumber,
    certificateSerialNo: certificate.serial_no,
  }));
}
"""
)


def test_aes_gcm_agrees_with_node(platform_cert):
    plain = (
        '{"out_refund_no":"7752501201407033233368018","refund_status":"SUCCESS","user_received_account":"支付用户零钱"}'
    )
    notification = v3.notification_body(
        {"mchid": MCHID, "trade_state_desc": "支付成功"},
        API_V3_KEY,
        notification_id="EV-1",
        create_time="2025-09-25T22:41:16+08:00",
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
    )
    certificates = v3.certificates_body([v3.certificate_item(platform_cert, API_V3_KEY)])
    out = run_node(
        AES_SCRIPT,
        {
            "key": API_V3_KEY,
            "plain": plain,
            "notification": notification.decode(),
            "certificates": certificates.decode(),
        },
    )
    assert v3.aead_decrypt(out["nodeCiphertext"], API_V3_KEY, "wH6I3SmUqHWX", "refund").decode() == plain
    assert out["nodeCiphertext"] == v3.aead_encrypt(plain, API_V3_KEY, "wH6I3SmUqHWX", "refund")
    assert out["notificationPlain"] == '{"mchid":"1900007291","trade_state_desc":"支付成功"}'
    assert out["certificateSerial"].upper() == out["certificateSerialNo"] == v3.serial_no(platform_cert)
