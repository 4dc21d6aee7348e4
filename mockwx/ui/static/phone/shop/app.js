// The demo shop: a coffee shop mini program against mockwx's reference merchant (merchant/).
// Its backend comes from wx.getExtConfigSync().backend (`make demo` sets it, or ?backend= on the phone page).
const MERCHANT_SAYS = {
  BAD_SIGNATURE: "rawData 与签名不符：数据被改过，或新的 wx.login 换掉了 session_key；请重新登录后再获取",
  BAD_RAW_DATA: "rawData 与 encryptedData 不一致：请把同一次调用返回的两者一起发送",
  BAD_ENCRYPTED_DATA: "encryptedData 无法用当前 session_key 解密；请重新登录后再获取",
  PHONE_CODE_INVALID: "手机号 code 无效、已用过或超过五分钟：请再点一次按钮",
  WECHAT_PHONE_FAILED: "微信没有给出手机号",
  WECHAT_UNAVAILABLE: "连不上微信，请稍后重试",
  WECHAT_BUSY: "微信支付繁忙，请稍后重试",
  WECHAT_ORDER_FAILED: "微信支付未能创建这笔订单",
  LOGIN_FAILED: "微信登录失败",
  ALREADY_PAID: "这笔订单已经支付",
  ORDER_CLOSED: "这笔订单已关闭，请重新下单",
  ORDER_EXPIRED: "这笔订单已过期，请重新下单",
  ORDER_FAILED: "这笔订单未能在微信创建",
  NO_SUCH_ORDER: "没有这笔订单",
  NOT_PAID: "只有已支付的订单才能退款",
  NOTHING_TO_REFUND: "这笔订单已全额退款（或退款处理中）",
  REFUND_TOO_LARGE: "退款金额超过可退金额",
  REFUND_REFUSED: "微信支付拒绝了这笔退款",
  REFUND_UNCERTAIN: "微信支付繁忙，退款结果未定，请稍后查询",
};

App({
  globalData: { backend: "", token: "", payment: null, lastOrder: "" },

  onLaunch() {
    this.globalData.backend = (wx.getExtConfigSync().backend || "").replace(/\/+$/, "");
    this.globalData.token = wx.getStorageSync("token") || "";
  },

  // wx.request as a promise: resolves with the body of a 2xx answer, rejects with the answer otherwise
  api(method, path, data, token) {
    const backend = this.globalData.backend;
    return new Promise((resolve, reject) => {
      if (!backend) {
        reject({ data: { error: "没有配置后端：用 make demo 启动，或在手机页面地址后加 ?backend=http://..." } });
        return;
      }
      const bearer = token === undefined ? this.globalData.token : token;
      wx.request({
        url: backend + path,
        method,
        data,
        header: bearer ? { Authorization: "Bearer " + bearer } : {},
        success: (res) => (res.statusCode >= 200 && res.statusCode < 300 ? resolve(res.data) : reject(res)),
        fail: reject,
      });
    });
  },

  // log in when needed: wx.checkSession keeps a live session; otherwise wx.login and POST /api/login
  async ensureLogin() {
    if (this.globalData.token) {
      try {
        await wx.checkSession();
        return this.globalData.token;
      } catch (e) {
        // the WeChat session ended: the server's session_key is stale too, log in again
      }
    }
    const { code } = await wx.login();
    const answer = await this.api("POST", "/api/login", { code }, "");
    this.globalData.token = answer.token;
    wx.setStorageSync("token", answer.token);
    return answer.token;
  },

  // a user call: logs in first, and once more when the merchant says the token is no longer good
  async call(method, path, data) {
    await this.ensureLogin();
    try {
      return await this.api(method, path, data);
    } catch (err) {
      if (err.statusCode !== 401) throw err;
      this.globalData.token = "";
      wx.removeStorageSync("token");
      await this.ensureLogin();
      return this.api(method, path, data);
    }
  },

  // the merchant answers in English ({"error", "code"}); the shop speaks Chinese: its known codes in Chinese,
  // the code kept for the journal and the merchant's log, any other answer as the merchant wrote it
  explain(err) {
    const said = err && err.data && MERCHANT_SAYS[err.data.code];
    if (said) return `${said}（${err.data.code}）`;
    if (err && err.data && err.data.error) return err.data.error;
    if (err && err.errMsg) return err.errMsg;
    return String(err);
  },

  yuan(fen) {
    return "¥" + (fen / 100).toFixed(2);
  },
});
