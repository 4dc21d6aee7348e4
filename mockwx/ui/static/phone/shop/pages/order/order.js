// One order: pay it with wx.requestPayment, then wait for the merchant to say PAID. The merchant
// says so only once WeChat's notification (or its own orderquery) confirms it: requestPayment:ok
// is the client's word, not proof of payment.
const app = getApp();
const STATUS = {
  PENDING: "待支付",
  PAID: "已支付",
  PARTIALLY_REFUNDED: "部分退款",
  REFUNDED: "已退款",
  CLOSED: "已关闭",
  FAILED: "下单失败",
};

Page({
  data: { no: "", order: null, note: "", noteOk: false, tried: false, error: "" },

  onLoad(query) {
    this.setData({ no: query.no });
    this.refresh();
  },

  onUnload() {
    clearTimeout(this.timer);
  },

  async refresh() {
    try {
      const order = await app.call("GET", "/api/orders/" + this.data.no);
      this.setData({
        order: {
          ...order,
          amount: app.yuan(order.amount_fen),
          statusText: (STATUS[order.status] || order.status) + " " + order.status,
        },
      });
      return order;
    } catch (err) {
      this.setData({ error: app.explain(err) });
      return null;
    }
  },

  async pay() {
    let params = app.globalData.payment;
    app.globalData.payment = null;
    try {
      if (!params || params.out_trade_no !== this.data.no) {
        params = await app.call("POST", "/api/orders/" + this.data.no + "/pay"); // fresh parameters
      }
    } catch (err) {
      wx.showModal({ title: "无法支付", content: app.explain(err), showCancel: false });
      return;
    }
    this.setData({ tried: true, note: "" });
    wx.requestPayment({
      timeStamp: params.timeStamp,
      nonceStr: params.nonceStr,
      package: params.package,
      signType: params.signType,
      paySign: params.paySign,
      success: () => {
        this.setData({ note: "等待商户确认：微信的支付通知到达商户后，这里会显示「已支付 PAID」", noteOk: false });
        this.poll(0);
      },
      fail: (err) => {
        if (err.errMsg === "requestPayment:fail cancel") {
          wx.showToast({ title: "已取消支付", icon: "none" });
          this.setData({ note: "支付已取消，订单仍在等待支付，可以再次支付" });
        } else {
          this.setData({ note: err.errMsg });
        }
      },
    });
  },

  async poll(round) {
    const order = await this.refresh();
    if (order && order.status !== "PENDING") {
      this.setData({ note: "商户已收到微信的支付通知并确认", noteOk: true });
      return;
    }
    if (round < 90) this.timer = setTimeout(() => this.poll(round + 1), 1000);
  },

  toOps() {
    wx.navigateTo({ url: "/pages/ops/ops?no=" + this.data.no });
  },
});
