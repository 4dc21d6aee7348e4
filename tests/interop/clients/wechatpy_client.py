"""One WeChat Pay v2 call with wechatpy 1.8.18, configured exactly as for production: no base URL change;
the environment decides where it goes (HTTPS_PROXY) and whom it trusts (REQUESTS_CA_BUNDLE).

Reads {"op", "merchant", "args"} as JSON on stdin; prints {"data": ...} or {"error": {...}}.
"""

import json
import sys

from wechatpy.exceptions import WeChatPayException
from wechatpy.pay import WeChatPay


def main(request: dict) -> dict:
    m = request["merchant"]
    pay = WeChatPay(m["appid"], m["api_key"], m["mch_id"], mch_cert=m.get("cert"), mch_key=m.get("key"))
    assert pay.API_BASE_URL == "https://api.mch.weixin.qq.com/"
    args = request["args"]
    try:
        if request["op"] == "order":
            data = pay.order.create(trade_type="JSAPI", client_ip="127.0.0.1", **args)
        elif request["op"] == "refund":
            data = pay.refund.apply(**args)
        else:
            data = pay.order.query(**args)
    except WeChatPayException as exc:
        response = exc.response
        return {
            "error": {
                "return_code": exc.return_code,
                "errmsg": exc.errmsg,
                "status": response.status_code if response is not None else None,
                "body": response.text[:400] if response is not None else "",
            }
        }
    return {"data": dict(data)}


if __name__ == "__main__":
    print(json.dumps(main(json.load(sys.stdin)), ensure_ascii=False))
