// The catalogue: log in (wx.checkSession / wx.login), list the products, buy one.
const app = getApp();

Page({
  data: { products: [], status: "登录中…", error: "" },

  async onLoad() {
    try {
      await app.ensureLogin();
      this.setData({ status: "" });
      const { products } = await app.call("GET", "/api/products");
      this.setData({ products: products.map((p) => ({ ...p, price: app.yuan(p.price_fen) })) });
    } catch (err) {
      this.setData({ status: "", error: app.explain(err) });
    }
  },

  async buy(e) {
    const id = e.currentTarget.dataset.id;
    wx.showLoading({ title: "下单中", mask: true });
    try {
      const params = await app.call("POST", "/api/orders", { product_id: id, quantity: 1 });
      wx.hideLoading();
      app.globalData.payment = params;
      app.globalData.lastOrder = params.out_trade_no;
      wx.navigateTo({ url: "/pages/order/order?no=" + params.out_trade_no });
    } catch (err) {
      wx.hideLoading();
      wx.showModal({ title: "下单失败", content: app.explain(err), showCancel: false });
    }
  },

  toMe() {
    wx.navigateTo({ url: "/pages/me/me" });
  },

  toOps() {
    wx.navigateTo({ url: "/pages/ops/ops?no=" + (app.globalData.lastOrder || "") });
  },
});
