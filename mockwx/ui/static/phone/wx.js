/* mockwx phone: the `wx` object a mini program calls (protocol/miniprogram-client.md).

   Calling convention (section 1): one options object; success / fail / complete run asynchronously,
   complete last, each with an object carrying errMsg ("login:ok", "authorize:fail auth deny");
   without any of the three, promisable APIs return a Promise (resolved with the success object,
   rejected with the fail object); wx.request always returns a RequestTask. What only WeChat knows
   (codes, scopes, open data, the cashier's checks, the payment) comes from the mock over JSON. */
(function () {
  "use strict";
  const M = (window.MockWX = window.MockWX || {});
  const ui = M.ui;
  const host = (M.host = M.host || {});  // set by runtime.js: appid, appName, user, profileMode, ext ...
  const TAP_ONLY = "can only be invoked by user TAP gesture.";
  const LOCATION = { latitude: 22.540503, longitude: 113.934528, speed: -1, accuracy: 65, altitude: 0, verticalAccuracy: 65, horizontalAccuracy: 65 };

  // -- talking to the mock -----------------------------------------------------------------------------

  async function mock(method, path, body) {
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") options.headers["Content-Type"] = "application/json";  // every control write, body or not
    if (body !== undefined) options.body = JSON.stringify(body);
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || `${method} ${path} answered ${response.status}`);
    return data;
  }
  const who = () => ({ appid: host.appid, user: host.user });
  const query = () => `appid=${encodeURIComponent(host.appid)}&user=${encodeURIComponent(host.user)}`;

  // -- the calling convention ------------------------------------------------------------------------------

  class Fail {
    constructor(reason, extra) { this.reason = reason; this.extra = extra || {}; }
  }
  const fail = (reason, extra) => new Fail(reason, extra);

  function invoke(name, options, impl, { promise = true } = {}) {
    options = options && typeof options === "object" ? options : {};
    const callbacks = ["success", "fail", "complete"].some((k) => typeof options[k] === "function");
    const entry = M.log ? M.log.start(name, options) : null;
    const settled = (async () => {
      try {
        const result = Object.assign({}, await impl(options));
        result.errMsg = result.errMsg || `${name}:ok`;
        return { ok: true, result };
      } catch (error) {
        const failed = error instanceof Fail ? error : new Fail(error && error.message ? error.message : String(error));
        const result = Object.assign({ errMsg: `${name}:fail${failed.reason ? " " + failed.reason : ""}` }, failed.extra);
        return { ok: false, result };
      }
    })();
    const done = settled.then((outcome) => {
      if (entry) M.log.finish(entry, outcome.ok, outcome.result);
      if (callbacks) {
        setTimeout(() => {
          try {
            const cb = outcome.ok ? options.success : options.fail;
            if (typeof cb === "function") cb(outcome.result);
          } finally {
            if (typeof options.complete === "function") options.complete(outcome.result);
          }
        }, 0);
      }
      return outcome;
    });
    if (callbacks || !promise) return undefined;
    return done.then((o) => (o.ok ? o.result : Promise.reject(o.result)));
  }

  function requireTap() {
    if (!host.tapping) throw fail(TAP_ONLY);
  }

  function typeName(value) {
    if (value === undefined) return "Undefined";
    if (value === null) return "Null";
    if (Array.isArray(value)) return "Array";
    return { number: "Number", boolean: "Boolean", string: "String", object: "Object", function: "Function" }[typeof value] || "Object";
  }

  function requireStrings(options, names) {
    for (const name of names) {
      if (typeof options[name] !== "string") {
        throw fail(`parameter error: parameter.${name} should be String instead of ${typeName(options[name])};`);
      }
    }
  }

  // -- scopes (section 3): unset -> dialog; denied -> fail at once; openSetting changes them ----------------

  const scopeOf = (name) => (host.scopes || []).find((s) => s.name === name);

  async function authSetting() {
    return (await mock("GET", `/__mock__/wx/settings?${query()}`)).authSetting;
  }

  async function decide(scope, granted) {
    return (await mock("POST", "/__mock__/wx/settings", { ...who(), scope, granted })).authSetting;
  }

  /* the scope's state machine; throws Fail("auth deny") (the caller's API name prefixes it) */
  async function ensureScope(scopeName) {
    const scope = scopeOf(scopeName);
    if (!scope) throw fail("invalid scope");
    const current = (await authSetting())[scopeName];
    if (current === true) return;
    if (current === false) throw fail("auth deny");  // no dialog: only the settings page changes it
    if (scope.mode === "auto") { await decide(scopeName, true); return; }
    if (scope.mode === "settings") throw fail("auth deny");
    const allowed = await ui.authorize({ appName: host.appName, asks: scope.asks });
    await decide(scopeName, allowed);
    if (!allowed) throw fail("auth deny");
  }

  async function openSettingPage() {
    const setting = await authSetting();
    const scopes = Object.keys(setting).map((name) => ({ name, label: (scopeOf(name) || { label: name }).label, granted: setting[name] }));
    await ui.settings({ appName: host.appName, scopes, onToggle: (name, granted) => decide(name, granted) });
    return { authSetting: await authSetting() };
  }

  // -- open data (section 4) and the phone button (section 5) ---------------------------------------------

  async function profileData(api) {
    return mock("POST", "/__mock__/wx/profile", { ...who(), api, mode: host.profileMode || "anonymous" });
  }

  /* the getPhoneNumber button: the sheet, then e.detail */
  async function phoneButton() {
    if (host.phoneMode === "no permission") return { errMsg: "getPhoneNumber:fail no permission" };
    if (host.phoneMode === "quota") return { errMsg: "getPhoneNumber:fail quota exhausted", errno: 1400001 };
    const given = await mock("POST", "/__mock__/wx/phone", who());
    const allowed = await ui.phone({ appName: host.appName, number: given.phoneNumber });
    if (!allowed) return { errMsg: "getPhoneNumber:fail user deny" };
    return { errMsg: "getPhoneNumber:ok", code: given.code, encryptedData: given.encryptedData, iv: given.iv };
  }

  // -- wx.requestPayment (section 6) ------------------------------------------------------------------------

  const FIVE = ["timeStamp", "nonceStr", "package", "signType", "paySign"];

  async function requestPayment(options) {
    requireStrings(options, ["timeStamp", "nonceStr", "package", "paySign"]);
    if (options.signType !== undefined) requireStrings(options, ["signType"]);
    const params = {};
    for (const name of FIVE) if (options[name] !== undefined) params[name] = options[name];
    const sheet = await mock("POST", "/__mock__/wx/cashier", { ...params, appid: host.appid });
    if (sheet.errMsg) {  // refused before the cashier opens
      const desc = sheet.err_desc || "";
      M.lastProblem = sheet.mockwx && sheet.mockwx.journal_id;
      if (desc === "支付验证签名失败") {
        await ui.modal({ title: "", content: desc, showCancel: false, note: M.playgroundNote ? M.playgroundNote(sheet) : null });
        throw fail("cancel");  // WeChat's callback after that modal (miniprogram-client.md 6)
      }
      if (desc.startsWith("parameter error")) throw fail(desc);
      await ui.modal({ content: desc, showCancel: false });
      throw fail(desc);
    }
    M.lastOrder = sheet.out_trade_no;
    if (M.onOrder) M.onOrder(sheet);
    const settle = (outcome, reason) => mock("POST", "/__mock__/pay", { ...params, outcome, reason });
    const choice = await ui.cashier({ payee: sheet.payee, body: sheet.body, amount: sheet.total_fee, settle });
    if (choice.outcome === "cancel") {
      await settle("cancel", "");
      throw fail("cancel");
    }
    if (choice.answer.errMsg !== "requestPayment:ok") throw fail(choice.answer.errMsg.replace(/^requestPayment:fail ?/, ""));
    return {};
  }

  // -- wx.request (section 7.1): sent from the mock, as the client sends it --------------------------------

  function encodeQuery(data) {
    return Object.entries(data).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === "object" ? JSON.stringify(v) : v)}`).join("&");
  }

  function request(options) {
    options = options || {};
    let aborted = false;
    const task = { abort() { aborted = true; }, onHeadersReceived() {}, offHeadersReceived() {} };
    const method = String(options.method || "GET").toUpperCase();
    const header = Object.assign({ "content-type": "application/json" }, options.header || {});
    let url = String(options.url || "");
    let body;
    const data = options.data;
    if (data !== undefined && data !== null) {
      if (method === "GET") {
        if (typeof data === "object") url += (url.includes("?") ? "&" : "?") + encodeQuery(data);
      } else if (typeof data === "string") {
        body = data;
      } else {
        const type = (Object.entries(header).find(([k]) => k.toLowerCase() === "content-type") || [, ""])[1];
        body = String(type).includes("x-www-form-urlencoded") ? encodeQuery(data) : JSON.stringify(data);
      }
    }
    invoke("request", options, async () => {
      if (!url) throw fail("invalid url");
      const answer = await mock("POST", "/__mock__/wx/request", { appid: host.appid, url, method, header, body, timeout: options.timeout });
      if (aborted) throw fail("abort");
      if (answer.errMsg !== "request:ok") {
        if (answer.mockwx && M.log) M.log.error(`wx.request ${url}: ${answer.mockwx.hint}`);
        throw fail(answer.errMsg.replace(/^request:fail ?/, ""));
      }
      let result = answer.data;
      if ((options.dataType || "json") === "json") {
        try { result = JSON.parse(answer.data); } catch (e) { /* not JSON: data stays a string */ }
      }
      return { data: result, statusCode: answer.statusCode, header: answer.header, cookies: [] };
    }, { promise: false });
    return task;
  }

  // -- storage (section 7.4), per app and per user -------------------------------------------------------

  const storeKey = (key) => `mockwx:${host.appid}:${host.user}:${key}`;
  function setStorageSync(key, data) {
    if (typeof key !== "string" || !key) throw new Error("setStorageSync:fail parameter error: parameter.key should be String");
    localStorage.setItem(storeKey(key), JSON.stringify({ v: data }));
  }
  function getStorageSync(key) {
    const raw = localStorage.getItem(storeKey(key));
    return raw === null ? "" : JSON.parse(raw).v;
  }
  function removeStorageSync(key) { localStorage.removeItem(storeKey(key)); }
  function clearStorageSync() {
    const prefix = storeKey("");
    Object.keys(localStorage).filter((k) => k.startsWith(prefix)).forEach((k) => localStorage.removeItem(k));
  }

  // -- the object ---------------------------------------------------------------------------------------------

  function systemInfo() {
    const screen = M.dom && M.dom.getElementById("screen");
    const width = screen ? screen.clientWidth : 390;
    const height = screen ? screen.clientHeight : 844;
    return {
      brand: "mockwx", model: "mockwx phone", pixelRatio: window.devicePixelRatio || 2, screenWidth: width, screenHeight: height + 88,
      windowWidth: width, windowHeight: height, statusBarHeight: 44, language: "zh_CN", version: "8.0.50", system: "iOS 17.0",
      platform: "devtools", SDKVersion: host.sdkVersion, theme: "light", host: { env: "WeChat" }, fontSizeSetting: 16,
      safeArea: { left: 0, right: width, top: 44, bottom: height + 44, width, height },
    };
  }

  // what a third-party platform's ext.json would give: the backend the phone was pointed at, and the rest
  const extConfig = () => Object.assign({ backend: host.backend }, host.ext || {});

  const navigate = (kind) => (options) => invoke(kind, options, () => host.navigate(kind, options || {}));

  const wx = {
    login: (o) => invoke("login", o, async () => ({ code: (await mock("POST", "/__mock__/login", who())).code })),
    checkSession: (o) => invoke("checkSession", o, async () => {
      const answer = await mock("GET", `/__mock__/wx/session?${query()}`);
      if (!answer.valid) throw fail("session time out, need relogin");
      return {};
    }),
    getSetting: (o) => invoke("getSetting", o, async () => ({ authSetting: await authSetting() })),
    authorize: (o) => invoke("authorize", o, async (opts) => { await ensureScope(opts.scope); return {}; }),
    openSetting: (o) => invoke("openSetting", o, async () => { requireTap(); return openSettingPage(); }),
    getLocation: (o) => invoke("getLocation", o, async () => { await ensureScope("scope.userLocation"); return { ...LOCATION }; }),
    getUserProfile: (o) => invoke("getUserProfile", o, async (opts) => {
      requireTap();
      if (typeof opts.desc !== "string" || !opts.desc || opts.desc.length > 30) throw fail("desc length does not meet the requirements");
      const data = await profileData("getUserProfile");
      const allowed = await ui.profile({ appName: host.appName, desc: opts.desc, nickName: data.userInfo.nickName });
      if (!allowed) throw fail("auth deny");
      return data;
    }),
    getUserInfo: (o) => invoke("getUserInfo", o, () => profileData("getUserInfo")),
    requestPayment: (o) => invoke("requestPayment", o, requestPayment),
    request,
    showToast: (o) => invoke("showToast", o, (opts) => { ui.toast(opts); return {}; }),
    hideToast: (o) => invoke("hideToast", o, () => { ui.hideToast(); return {}; }),
    showLoading: (o) => invoke("showLoading", o, (opts) => { ui.toast({ ...opts, loading: true }); return {}; }),
    hideLoading: (o) => invoke("hideLoading", o, () => { ui.hideToast(); return {}; }),
    showModal: (o) => invoke("showModal", o, (opts) => ui.modal(opts)),
    navigateTo: navigate("navigateTo"),
    redirectTo: navigate("redirectTo"),
    navigateBack: navigate("navigateBack"),
    reLaunch: navigate("reLaunch"),
    switchTab: (o) => invoke("switchTab", o, () => { throw fail("this mini program has no tabBar"); }),
    setStorageSync,
    getStorageSync,
    removeStorageSync,
    clearStorageSync,
    setStorage: (o) => invoke("setStorage", o, (opts) => { setStorageSync(opts.key, opts.data); return {}; }),
    getStorage: (o) => invoke("getStorage", o, (opts) => {
      if (localStorage.getItem(storeKey(opts.key)) === null) throw fail("data not found");
      return { data: getStorageSync(opts.key) };
    }),
    removeStorage: (o) => invoke("removeStorage", o, (opts) => { removeStorageSync(opts.key); return {}; }),
    getSystemInfoSync: systemInfo,
    getSystemInfo: (o) => invoke("getSystemInfo", o, () => systemInfo()),
    getAccountInfoSync: () => ({ miniProgram: { appId: host.appid, envVersion: "develop", version: "" } }),
    getExtConfigSync: () => extConfig(),
    getExtConfig: (o) => invoke("getExtConfig", o, () => ({ extConfig: extConfig() })),
    canIUse: () => true,
  };

  M.wx = wx;
  M.phoneButton = phoneButton;
  M.openSettingPage = openSettingPage;
  M.profileData = profileData;
  M.mock = mock;
  M.invoke = invoke;
  window.wx = wx;
})();
