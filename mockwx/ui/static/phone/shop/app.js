// The demo shop: a coffee shop mini program against mockwx's reference merchant (merchant/).
// Its backend comes from wx.getExtConfigSync().backend (`make demo` sets it, or ?backend= on the phone page).
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

  explain(err) {
    if (err && err.data && err.data.error) return err.data.error;
    if (err && err.errMsg) return err.errMsg;
    return String(err);
  },

  yuan(fen) {
    return "¥" + (fen / 100).toFixed(2);
  },
});
