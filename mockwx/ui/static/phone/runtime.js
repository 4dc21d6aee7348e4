/* mockwx phone: the mini program framework (protocol/miniprogram-client.md 7.3, 8): App(), Page(),
   getApp(), getCurrentPages(), setData and its render, events (with the TAP gesture flag of section
   1.4), the open-type buttons, the page stack and the navigation bar. It loads the mini program the
   mock serves under /__mock__/wx/app/: app.json, app.js, app.wxss and, per page, .js .wxml .wxss .json. */
(function () {
  "use strict";
  const M = window.MockWX;
  const { h } = M.ui;
  const host = M.host;
  const dom = M.dom;  // the phone's shadow root: #screen, #overlay, the bars, the WXSS
  const BASE = "/__mock__/wx/app/";
  const MAX_STACK = 10;
  const OPEN_EVENTS = { getPhoneNumber: "getphonenumber", getUserInfo: "getuserinfo", openSetting: "opensetting" };
  const NOT_IN_FOLDER = "the mini program has no such .js file";
  const NOT_REQUIRED = "from a URL the phone loads app.js, the pages and the files they require by a literal path"
    + " (require('../../utils/api.js')); a path built at run time, or a file the server does not have, is not loaded: run it from a folder";
  const rt = { app: null, defs: {}, templates: {}, styles: {}, configs: {}, appConfig: {}, stack: [], loading: "", generation: 0, modules: {} };

  // every .js file arrives as __wxDefine(path, factory): a CommonJS module, run on its first require
  window.__wxDefine = (path, factory) => { rt.modules[path] = { factory, module: null }; };

  function requireFrom(base) {
    return (name) => {
      const dir = base.split("/").slice(0, -1);
      const parts = String(name).startsWith("/") ? [] : dir;
      for (const part of String(name).split("/")) {
        if (part === "..") parts.pop();
        else if (part && part !== ".") parts.push(part);
      }
      let path = parts.join("/");
      if (!path.endsWith(".js")) path += ".js";
      const entry = rt.modules[path];
      if (!entry) throw new Error(`module "${path}" is not defined (required from ${base}): ${rt.listed === "required" ? NOT_REQUIRED : NOT_IN_FOLDER}`);
      if (!entry.module) {
        entry.module = { exports: {} };
        entry.factory.call(entry.module.exports, requireFrom(path), entry.module, entry.module.exports);
      }
      return entry.module.exports;
    };
  }
  const run = (path) => requireFrom("")(path);

  window.App = (def) => { rt.app = Object.assign({ globalData: {} }, def || {}); };
  window.getApp = () => rt.app;
  window.Page = (def) => { rt.defs[rt.loading] = def || {}; };
  window.getCurrentPages = () => rt.stack.map((entry) => entry.page);

  // -- loading --------------------------------------------------------------------------------------------

  async function fetchText(path, optional) {
    const response = await fetch(BASE + path, { credentials: "same-origin" });
    if (response.ok) return response.text();
    if (optional) return "";
    throw new Error(`${BASE}${path}: ${response.status} ${(await response.text()).slice(0, 200)}`);
  }

  function loadScript(path) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `${BASE}${path}?g=${rt.generation}`;
      script.className = "wx-app-script";
      script.onload = resolve;
      script.onerror = () => reject(new Error(`${BASE}${path} could not be loaded`));
      document.body.appendChild(script);
    });
  }

  // WXSS styles the mini program's pages and nothing else on the page (WeChat keeps it inside the app)
  function wxss(text) {
    const css = M.wxml.rpx(text).replace(/(^|[\s,}])page(?=[\s,{.:#[])/g, "$1.wx-page");
    return css.trim() ? `@scope (#screen) {\n${css}\n}` : "";
  }

  async function boot() {
    rt.generation += 1;
    for (const entry of rt.stack) unload(entry);
    rt.stack = [];
    Object.assign(rt, { app: null, defs: {}, templates: {}, styles: {}, configs: {}, modules: {} });
    document.querySelectorAll(".wx-app-script").forEach((s) => s.remove());
    const screen = dom.getElementById("screen");
    screen.replaceChildren(h("div", { class: "splash" }, h("span", { class: "spinner dark" })));
    dom.getElementById("overlay").replaceChildren();
    screen.style.setProperty("--rpx", `${screen.clientWidth / 750}px`);
    try {
      rt.appConfig = JSON.parse(await fetchText("app.json"));
      const pages = rt.appConfig.pages;
      if (!Array.isArray(pages) || !pages.length) throw new Error('app.json must list its pages: {"pages": ["pages/index/index"]}');
      dom.getElementById("wx-app-style").textContent = wxss(await fetchText("app.wxss", true));
      const modules = await (await fetch("/__mock__/wx/modules", { credentials: "same-origin" })).json();
      rt.listed = modules.listed;
      const scripts = new Set(["app.js", ...pages.map((route) => `${route}.js`), ...(modules.modules || [])]);
      await Promise.all([...scripts].map(loadScript));
      rt.loading = "#app";
      run("app.js");
      for (const route of pages) {
        rt.loading = route;
        run(`${route}.js`);
        rt.templates[route] = M.wxml.compile(await fetchText(`${route}.wxml`));
        rt.styles[route] = wxss(await fetchText(`${route}.wxss`, true));
        rt.configs[route] = JSON.parse((await fetchText(`${route}.json`, true)) || "{}");
      }
    } catch (error) {
      screen.replaceChildren(h("div", { class: "boot-error" }, h("b", { text: "小程序加载失败" }), h("p", { text: String(error.message || error) })));
      if (M.log) M.log.error(String(error.message || error));
      return;
    }
    if (!rt.app) window.App({});
    const launch = { path: rt.appConfig.pages[0], query: {}, scene: 1001, referrerInfo: {} };
    call(rt.app, "onLaunch", launch);
    call(rt.app, "onShow", launch);
    open(rt.appConfig.pages[0], {});
  }

  function call(target, name, ...args) {
    if (target && typeof target[name] === "function") {
      try {
        return target[name](...args);
      } catch (error) {
        report(error);
      }
    }
    return undefined;
  }

  function report(error) {
    console.error(error);
    if (M.log) M.log.error(String((error && error.stack) || error));
    if (rt.app && typeof rt.app.onError === "function" && error) rt.app.onError(String(error.message || error));
  }
  window.addEventListener("error", (event) => { if (event.filename && event.filename.includes(BASE)) report(event.error || event.message); });
  window.addEventListener("unhandledrejection", (event) => { if (M.log) M.log.error(`Uncaught (in promise) ${JSON.stringify(event.reason)}`); });

  // -- pages -------------------------------------------------------------------------------------------------

  function clone(value) {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  }

  function setPath(target, path, value) {
    const keys = [];
    path.replace(/[^.[\]]+|\[(\d+)\]/g, (whole, index) => { keys.push(index !== undefined ? Number(index) : whole); });
    let node = target;
    for (let i = 0; i < keys.length - 1; i++) {
      if (node[keys[i]] === null || typeof node[keys[i]] !== "object") node[keys[i]] = typeof keys[i + 1] === "number" ? [] : {};
      node = node[keys[i]];
    }
    node[keys[keys.length - 1]] = value;
  }

  function open(route, query) {
    const def = rt.defs[route];
    const page = {};
    for (const [key, value] of Object.entries(def)) if (key !== "data") page[key] = value;
    page.data = clone(def.data || {});
    page.route = route;
    page.__route__ = route;
    page.options = query;
    const container = h("div", { class: "wx-page", "data-route": route });
    const entry = { page, route, container, dead: false, pending: null };
    page.setData = (patch, callback) => {
      for (const [path, value] of Object.entries(patch || {})) if (value !== undefined) setPath(page.data, path, clone(value));
      if (!entry.pending) {
        entry.pending = [];
        Promise.resolve().then(() => {
          const callbacks = entry.pending;
          entry.pending = null;
          render(entry);
          callbacks.forEach((cb) => call({ cb }, "cb"));
        });
      }
      if (typeof callback === "function") entry.pending.push(callback);
    };
    for (const other of rt.stack) other.container.hidden = true;
    dom.querySelectorAll("#screen > .splash").forEach((el) => el.remove());
    rt.stack.push(entry);
    dom.getElementById("screen").appendChild(container);
    showChrome();
    render(entry);
    call(page, "onLoad", query);
    call(page, "onShow");
    call(page, "onReady");
    return entry;
  }

  function unload(entry) {
    entry.dead = true;
    call(entry.page, "onUnload");
    entry.container.remove();
  }

  function render(entry) {
    if (entry.dead) return;
    const focused = dom.activeElement;
    const where = focused && entry.container.contains(focused) ? pathOf(entry.container, focused) : null;
    const selection = where && "selectionStart" in focused ? [focused.selectionStart, focused.selectionEnd] : null;
    let fragment;
    try {
      fragment = rt.templates[entry.route](entry.page.data, { bind: (...args) => bind(entry, ...args) });
    } catch (error) {
      report(error);
      return;
    }
    entry.container.replaceChildren(fragment);
    if (where) {
      const again = elementAt(entry.container, where);
      if (again) {
        again.focus();
        if (selection && "setSelectionRange" in again) try { again.setSelectionRange(...selection); } catch (e) { /* not a text input */ }
      }
    }
  }

  function pathOf(root, el) {
    const path = [];
    for (let node = el; node && node !== root; node = node.parentElement) path.unshift(Array.prototype.indexOf.call(node.parentElement.children, node));
    return path;
  }
  function elementAt(root, path) {
    let node = root;
    for (const i of path) node = node && node.children[i];
    return node;
  }

  function showChrome() {
    const top = rt.stack[rt.stack.length - 1];
    const config = Object.assign({}, rt.appConfig.window || {}, (top && rt.configs[top.route]) || {});
    dom.getElementById("nav-title").textContent = top && top.title ? top.title : config.navigationBarTitleText || "";
    const bar = dom.getElementById("navbar");
    bar.style.background = config.navigationBarBackgroundColor || "#ededed";
    bar.dataset.text = config.navigationBarTextStyle === "white" ? "white" : "black";
    dom.getElementById("nav-back").hidden = rt.stack.length <= 1;
    dom.getElementById("wx-page-style").textContent = top ? rt.styles[top.route] : "";
    if (M.onRoute) M.onRoute(rt.stack.map((e) => e.route));
  }

  // -- events ---------------------------------------------------------------------------------------------------

  function wxTarget(node) {
    for (let el = node; el; el = el.parentElement) if (el.__wxDataset) return el;
    return node;
  }

  function dispatch(entry, name, type, el, domEvent, detail) {
    const handler = entry.page[name];
    if (typeof handler !== "function") {
      const warning = `Component "${entry.route}" does not have a method "${name}" to handle event "${type}".`;
      console.warn(warning);
      if (M.log) M.log.error(warning);
      return;
    }
    const target = wxTarget(domEvent ? domEvent.target : el);
    const event = {
      type,
      timeStamp: Math.round(performance.now()),
      detail: detail || {},
      target: { id: target.id || "", dataset: target.__wxDataset || {} },
      currentTarget: { id: el.id || "", dataset: el.__wxDataset || {} },
      mark: {},
    };
    host.tapping = type === "tap" || type in OPEN_TYPE_OF_EVENT;
    try {
      handler.call(entry.page, event);
    } catch (error) {
      report(error);
    } finally {
      host.tapping = false;
    }
  }
  const OPEN_TYPE_OF_EVENT = Object.fromEntries(Object.entries(OPEN_EVENTS).map(([k, v]) => [v, k]));

  function bind(entry, el, event, name, isCatch) {
    if (event in OPEN_TYPE_OF_EVENT) {
      el.__wxOpen = Object.assign(el.__wxOpen || {}, { [event]: name });
      if (!el.__wxOpenWired) {
        el.__wxOpenWired = true;
        el.addEventListener("click", () => openType(entry, el));
      }
      return;
    }
    const dom = { tap: "click", longpress: "contextmenu", confirm: "keydown" }[event] || event;
    el.addEventListener(dom, (domEvent) => {
      if (event === "confirm" && domEvent.key !== "Enter") return;
      if (isCatch) domEvent.stopPropagation();
      if (el.disabled) return;
      const detail = event === "tap" ? { x: domEvent.clientX, y: domEvent.clientY }
        : "value" in el ? { value: el.value, cursor: el.selectionStart } : {};
      dispatch(entry, name, event, el, domEvent, detail);
    });
  }

  async function openType(entry, el) {
    const kind = el.getAttribute("open-type");
    const event = OPEN_EVENTS[kind];
    if (!event || !el.__wxOpen || !el.__wxOpen[event]) return;
    let detail;
    try {
      if (kind === "getPhoneNumber") detail = await M.phoneButton();
      else if (kind === "openSetting") detail = Object.assign({ errMsg: "openSetting:ok" }, await M.openSettingPage());
      else detail = Object.assign({ errMsg: "getUserInfo:ok" }, await M.profileData("getUserInfo"));
    } catch (error) {
      detail = { errMsg: `${kind}:fail ${error.message || error}` };
    }
    if (M.log) M.log.event(`<button open-type="${kind}">`, detail);
    dispatch(entry, el.__wxOpen[event], event, el, null, detail);
  }

  // -- navigation (section 7.3) ---------------------------------------------------------------------------------

  function resolveUrl(url) {
    const [path, search = ""] = String(url || "").split("?");
    let route = path;
    if (!path.startsWith("/")) {
      const top = rt.stack[rt.stack.length - 1];
      const dir = top ? top.route.split("/").slice(0, -1) : [];
      for (const part of path.split("/")) {
        if (part === "..") dir.pop();
        else if (part && part !== ".") dir.push(part);
      }
      route = dir.join("/");
    }
    route = route.replace(/^\/+/, "");
    const query = {};
    for (const pair of search.split("&").filter(Boolean)) {
      const [k, v = ""] = pair.split("=");
      query[decodeURIComponent(k)] = decodeURIComponent(v);
    }
    return { route, query };
  }

  host.navigate = (kind, options) => {
    const fail = (reason) => { throw Object.assign(new Error(reason), { wxReason: reason }); };
    if (kind === "navigateBack") {
      if (rt.stack.length <= 1) fail("cannot navigate back at first page.");
      const delta = Math.max(1, Math.min(Number(options.delta) || 1, rt.stack.length - 1));
      for (let i = 0; i < delta; i++) unload(rt.stack.pop());
      const top = rt.stack[rt.stack.length - 1];
      top.container.hidden = false;
      showChrome();
      call(top.page, "onShow");
      return {};
    }
    const { route, query } = resolveUrl(options.url);
    if (!rt.defs[route]) fail(`page "${route}" is not found`);
    if (kind === "navigateTo") {
      if (rt.stack.length >= MAX_STACK) fail("webview count limit exceed");
      call(rt.stack[rt.stack.length - 1].page, "onHide");
    } else if (kind === "redirectTo") {
      unload(rt.stack.pop());
    } else {
      while (rt.stack.length) unload(rt.stack.pop());
    }
    open(route, query);
    return kind === "navigateTo" ? { eventChannel: {} } : {};
  };

  M.wx.setNavigationBarTitle = (o) => M.invoke("setNavigationBarTitle", o, (opts) => {
    const top = rt.stack[rt.stack.length - 1];
    if (top) top.title = String(opts.title || "");
    showChrome();
    return {};
  });

  document.addEventListener("DOMContentLoaded", () => {
    dom.getElementById("nav-back").addEventListener("click", () => {
      if (rt.stack.length > 1) host.navigate("navigateBack", { delta: 1 });
    });
  });

  M.runtime = { boot, rt };
})();
