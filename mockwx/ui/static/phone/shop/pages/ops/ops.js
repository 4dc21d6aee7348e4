// The operator's view: refund a paid order with the operator token (extConfig.operatorToken under
// `make demo`), then watch the order until WeChat's refund notification settles it.
const app = getApp();

Page({
  data: { token: "", no: "", result: "", status: "", ok: false },

  onLoad(query) {
    this.setData({ token: wx.getExtConfigSync().operatorToken || "", no: query.no || app.globalData.lastOrder || "" });
  },

  onUnload() {
    clearTimeout(this.timer);
  },

  onToken(e) {
    this.setData({ token: e.detail.value });
  },

  onNo(e) {
    this.setData({ no: e.detail.value });
  },

  async refund() {
    if (!this.data.no || !this.data.token) {
      wx.showToast({ title: "请填写订单号和运营令牌", icon: "none" });
      return;
    }
    try {
      const answer = await app.api("POST", "/api/orders/" + this.data.no + "/refund", { reason: "演示退款" }, this.data.token);
      this.setData({ result: "退款已受理：" + answer.refund.status + "（" + app.yuan(answer.refund.amount_fen) + "），等待微信结算", ok: false });
      this.watch(0);
    } catch (err) {
      this.setData({ result: "退款失败：" + app.explain(err), ok: false });
    }
  },

  async watch(round) {
    try {
      const order = await app.call("GET", "/api/orders/" + this.data.no);
      this.setData({ status: order.status });
      if (order.status === "REFUNDED" || order.status === "PARTIALLY_REFUNDED") {
        this.setData({ result: "微信的退款通知已到达，订单已退款", ok: true });
        return;
      }
    } catch (err) {
      this.setData({ result: app.explain(err) });
      return;
    }
    if (round < 120) this.timer = setTimeout(() => this.watch(round + 1), 1000);
  },
});
