// WeChat Pay v2 and v3 with wechatpay-axios-plugin, configured exactly as for production: the default
// baseURL (https://api.mch.weixin.qq.com/) and the merchant's apiclient_cert.p12; the environment decides
// where it goes (HTTPS_PROXY: axios tunnels with CONNECT) and whom it trusts (NODE_EXTRA_CA_CERTS).
// Reads {op, merchant, keys, args} as JSON on stdin; prints {status, data} or {error: {...}}.
'use strict';

const { Wechatpay } = require('wechatpay-axios-plugin');

function client({ merchant, keys }) {
  return new Wechatpay({
    mchid: merchant.mch_id,
    serial: keys.merchant_serial,
    privateKey: keys.merchant_private_key,
    certs: { [keys.platform_serial]: keys.platform_certificate },
    secret: merchant.api_key,
    merchant: merchant.p12 ? { pfx: Buffer.from(merchant.p12, 'base64'), passphrase: merchant.mch_id } : undefined,
  });
}

const OPS = {
  v2_order: (wx, a) => wx.v2.pay.unifiedorder.post(a),
  v2_refund: (wx, a) => wx.v2.secapi.pay.refund.post(a, { security: true }),
  v3_query: (wx, a) => wx.v3.pay.transactions.outTradeNo.$out_trade_no$.get({
    params: { mchid: a.mchid }, out_trade_no: a.out_trade_no,
  }),
};

async function main(input) {
  try {
    const { status, data } = await OPS[input.op](client(input), input.args);
    return { status, data };
  } catch (err) {
    const response = err.response || {};
    return { error: { message: err.message, code: err.code, status: response.status, data: response.data } };
  }
}

let raw = '';
process.stdin.on('data', (chunk) => { raw += chunk; });
process.stdin.on('end', () => {
  main(JSON.parse(raw)).then((out) => process.stdout.write(JSON.stringify(out)));
});
