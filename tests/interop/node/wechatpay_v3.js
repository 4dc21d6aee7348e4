// One API v3 operation with wechatpay-axios-plugin, unchanged except its baseURL (protocol/v3.md 9.3).
// Reads {op, mock_url, mode, keys, args} as JSON on stdin; prints {status, data} or {error: {...}}.
// Every 2xx answer goes through the plugin's own verifier (signature, serial, +-300 s timestamp);
// a notification is checked with its own Rsa/Formatter helpers and decrypted with its AesGcm.
'use strict';

const { Wechatpay, Rsa, Formatter, Aes } = require('wechatpay-axios-plugin');

function client({ mock_url, mode, keys }) {
  const certs = mode === 'public_key'
    ? { [keys.public_key_id]: keys.public_key }
    : { [keys.platform_serial]: keys.platform_certificate };
  // public-key mode names its key in Wechatpay-Serial, as WeChat wants, through a plain axios default header
  const headers = mode === 'public_key' ? { 'Wechatpay-Serial': keys.public_key_id } : {};
  return new Wechatpay({
    mchid: keys.mchid,
    serial: keys.merchant_serial,
    privateKey: keys.merchant_private_key,
    certs,
    baseURL: `${mock_url}/`,
    headers,
  });
}

const OPS = {
  pay: (wx, a) => wx.v3.pay.transactions.jsapi.post(a.body),
  query: (wx, a) => wx.v3.pay.transactions.outTradeNo.$out_trade_no$.get({
    params: { mchid: a.mchid }, out_trade_no: a.out_trade_no,
  }),
  close: (wx, a) => wx.v3.pay.transactions.outTradeNo.$out_trade_no$.close.post(
    { mchid: a.mchid }, { out_trade_no: a.out_trade_no },
  ),
  refund: (wx, a) => wx.v3.refund.domestic.refunds.post(a.body),
  query_refund: (wx, a) => wx.v3.refund.domestic.refunds.$out_refund_no$.get({ out_refund_no: a.out_refund_no }),
};

function paySign({ keys, args }) {
  const params = {
    appId: args.appid,
    timeStamp: `${Formatter.timestamp()}`,
    nonceStr: Formatter.nonce(),
    package: `prepay_id=${args.prepay_id}`,
    signType: 'RSA',
  };
  const message = Formatter.joinedByLineFeed(params.appId, params.timeStamp, params.nonceStr, params.package);
  params.paySign = Rsa.sign(message, Rsa.from(keys.merchant_private_key, Rsa.KEY_TYPE_PRIVATE));
  return { status: 0, data: params };
}

function notification({ mode, keys, args }) {
  const h = Object.fromEntries(Object.entries(args.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const serial = h['wechatpay-serial'];
  const known = mode === 'public_key'
    ? { [keys.public_key_id]: keys.public_key }
    : { [keys.platform_serial]: keys.platform_certificate };
  if (!(serial in known)) return { status: 0, data: { verified: false, why: `unknown serial ${serial}` } };
  const message = Formatter.response(h['wechatpay-timestamp'], h['wechatpay-nonce'], args.body);
  const verified = Rsa.verify(message, h['wechatpay-signature'], Rsa.from(known[serial], Rsa.KEY_TYPE_PUBLIC));
  const envelope = JSON.parse(args.body);
  const r = envelope.resource;
  const plaintext = Aes.AesGcm.decrypt(r.ciphertext, keys.api_v3_key, r.nonce, r.associated_data);
  return { status: 0, data: { verified, event_type: envelope.event_type, resource: JSON.parse(plaintext) } };
}

async function main(input) {
  if (input.op === 'pay_sign') return paySign(input);
  if (input.op === 'notification') return notification(input);
  try {
    const { status, data } = await OPS[input.op](client(input), input.args);
    return { status, data: data === '' ? null : data };
  } catch (err) {
    const response = err.response || {};
    return { error: { message: err.message, status: response.status, data: response.data } };
  }
}

let raw = '';
process.stdin.on('data', (chunk) => { raw += chunk; });
process.stdin.on('end', () => {
  main(JSON.parse(raw)).then((out) => process.stdout.write(JSON.stringify(out)));
});
