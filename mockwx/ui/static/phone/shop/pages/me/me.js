// The user's data, each piece on the user's terms: the profile (wx.getUserProfile, checked by the
// merchant with the session_key), the phone number (the getPhoneNumber button's code, exchanged by
// the merchant), and the location (scope.userLocation: allow or deny, and the settings page after).
const app = getApp();

Page({
  data: {
    profile: null,
    profileNote: "",
    phone: "",
    phoneNote: "",
    location: "",
    denied: false,
    scopes: [],
  },

  onShow() {
    this.showSettings();
  },

  async showSettings() {
    const { authSetting } = await wx.getSetting();
    const scopes = Object.keys(authSetting).map((name) => ({ name, allowed: authSetting[name] ? "允许" : "拒绝" }));
    this.setData({ scopes });
  },

  // wx.getUserProfile must be called right in the tap handler, before any await
  getProfile() {
    wx.getUserProfile({
      desc: "用于展示会员资料",
      success: async (res) => {
        try {
          await app.ensureLogin();
          const checked = await app.api("POST", "/api/profile", {
            rawData: res.rawData,
            signature: res.signature,
            encryptedData: res.encryptedData,
            iv: res.iv,
          });
          this.setData({
            profile: checked.profile,
            profileNote: "商户已用 session_key 校验签名并解密：watermark.appid = " + checked.watermark.appid,
          });
        } catch (err) {
          this.setData({ profileNote: "商户拒绝了这份资料：" + app.explain(err) });
        }
      },
      fail: (err) => this.setData({ profileNote: err.errMsg }),
    });
  },

  async onPhone(e) {
    if (e.detail.errMsg !== "getPhoneNumber:ok") {
      this.setData({ phoneNote: e.detail.errMsg, phone: "" });
      return;
    }
    try {
      const answer = await app.call("POST", "/api/phone", { code: e.detail.code });
      this.setData({ phone: answer.phoneNumber, phoneNote: "商户用按钮给的 code 向微信换取（getuserphonenumber）" });
    } catch (err) {
      this.setData({ phoneNote: app.explain(err) });
    }
  },

  locate() {
    wx.getLocation({
      type: "gcj02",
      success: (res) => this.setData({ location: res.latitude + ", " + res.longitude, denied: false }),
      fail: (err) => this.setData({ location: err.errMsg, denied: /auth deny/.test(err.errMsg) }),
      complete: () => this.showSettings(),
    });
  },

  onSetting(e) {
    const allowed = e.detail.authSetting["scope.userLocation"] === true;
    this.setData({ denied: !allowed, location: allowed ? "已在设置中允许，请再次获取" : this.data.location });
    this.showSettings();
  },
});
