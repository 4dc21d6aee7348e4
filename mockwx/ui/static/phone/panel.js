/* mockwx phone: the side panel beside the phone. It lists every wx.* call with its arguments and its
   result, and holds what the person at the phone decides that a mini program never sees: which test
   user holds the phone, how the profile comes back, the session's end, deleting the mini program.
   It also boots the phone, and links the order just paid to the dashboard's sequence diagram. */
(function () {
  "use strict";
  const M = window.MockWX;
  const { h } = M.ui;
  const host = M.host;
  const boot = JSON.parse(document.getElementById("phone-boot").textContent);
  const texts = JSON.parse(document.getElementById("phone-texts").textContent);
  const t = (key, params) => (texts[key] || key).replace(/\{(\w+)\}/g, (_, name) => (params && name in params ? params[name] : `{${name}}`));
  const remembered = (key, fallback) => localStorage.getItem(`mockwx:phone:${key}`) || fallback;
  const remember = (key, value) => localStorage.setItem(`mockwx:phone:${key}`, value);

  Object.assign(host, {
    appid: boot.appid,
    appName: boot.appName || "小程序",
    backend: boot.backend,
    ext: boot.ext || {},
    scopes: boot.scopes,
    sdkVersion: boot.sdkVersion,
    user: remembered("user", "alice"),
    profileMode: remembered("profile", "anonymous"),
    phoneMode: "normal",
  });

  // -- the wx.* log ------------------------------------------------------------------------------------------

  const list = () => document.getElementById("wxlog");
  let counter = 0;

  function shown(value) {
    return JSON.stringify(value, (key, v) => (typeof v === "function" ? `[Function ${key}]` : v), 2);
  }

  function what(title, args) {
    if (title === "wx.request" && args && args.url) return `${String(args.method || "GET").toUpperCase()} ${args.url.replace(/^https?:\/\/[^/]+/, "")}`;
    if (args && typeof args.url === "string") return args.url;
    if (args && typeof args.scope === "string") return args.scope;
    return "";
  }

  function row(kind, title, args) {
    const entry = { id: ++counter, started: performance.now() };
    const detail = h("pre", { class: "log-args", text: shown(args) });
    const result = h("pre", { class: "log-result" });
    entry.status = h("span", { class: "log-status", text: "…" });
    entry.li = h("li", { class: `log-entry ${kind} pending`, "data-api": title },
      h("details", {},
        h("summary", {}, h("span", { class: "log-time", text: new Date().toLocaleTimeString("en-GB") }), h("code", { class: "log-name", text: title }), h("code", { class: "log-what", text: what(title, args) }), entry.status),
        h("div", { class: "log-body" }, h("h4", { text: t("phone.args") }), detail, h("h4", { text: t("phone.result") }), result)));
    entry.result = result;
    list().prepend(entry.li);
    document.getElementById("log-empty").hidden = true;
    return entry;
  }

  M.log = {
    start(name, options) {
      return row("call", `wx.${name}`, options);
    },
    finish(entry, ok, result) {
      entry.li.classList.remove("pending");
      entry.li.classList.add(ok ? "ok" : "failed");
      entry.status.textContent = `${result.errMsg}${"statusCode" in result ? " " + result.statusCode : ""} · ${Math.round(performance.now() - entry.started)} ms`;
      entry.result.textContent = shown(result);
    },
    event(title, detail) {
      const entry = row("event", title, {});
      this.finish(entry, !/:fail/.test(detail.errMsg || ""), detail);
    },
    error(text) {
      const entry = row("error", t("phone.error"), text);
      entry.li.classList.remove("pending");
      entry.li.classList.add("failed");
      entry.status.textContent = text.split("\n")[0].slice(0, 120);
    },
  };

  // -- what only the person holding the phone decides ----------------------------------------------------------

  function users() {
    const select = document.getElementById("user");
    const names = [...new Set([...boot.users, host.user])];
    select.replaceChildren(...names.map((name) => h("option", { value: name, text: name })));
    select.value = host.user;
  }

  function switchUser(name) {
    host.user = name;
    remember("user", name);
    users();
    M.runtime.boot();
  }

  M.playgroundNote = (refused) => {
    const link = `/__mock__/ui/playground?mode=paysign${refused.mockwx && refused.mockwx.journal_id ? `&entry=${refused.mockwx.journal_id}` : ""}`;
    return h("div", { class: "mock-note" },
      h("p", { text: `mockwx: ${refused.mockwx ? refused.mockwx.hint : ""}` }),
      h("a", { href: link, target: "_blank", rel: "noopener", class: "playground-link", text: t("phone.playground") }));
  };

  M.onOrder = (sheet) => {
    const box = document.getElementById("last-order");
    box.hidden = false;
    document.getElementById("last-order-no").textContent = sheet.out_trade_no;
    document.getElementById("diagram-link").href = `/__mock__/ui/orders/${encodeURIComponent(sheet.out_trade_no)}`;
  };

  M.onRoute = (routes) => {
    document.getElementById("route").textContent = routes.join(" › ");
  };

  async function action(button, work) {
    button.disabled = true;
    try {
      await work();
      button.classList.add("done");
      setTimeout(() => button.classList.remove("done"), 1200);
    } catch (error) {
      M.log.error(String(error.message || error));
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    users();
    document.getElementById("user").addEventListener("change", (e) => switchUser(e.target.value));
    document.getElementById("new-user-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = document.getElementById("new-user");
      const name = input.value.trim();
      if (name) { input.value = ""; switchUser(name); }
    });
    const profile = document.getElementById("profile-mode");
    profile.value = host.profileMode;
    profile.addEventListener("change", () => { host.profileMode = profile.value; remember("profile", profile.value); });
    const phone = document.getElementById("phone-mode");
    phone.addEventListener("change", () => { host.phoneMode = phone.value; });
    document.getElementById("end-session").addEventListener("click", (e) => action(e.currentTarget, () => M.mock("POST", "/__mock__/wx/session/expire", { appid: host.appid, user: host.user })));
    document.getElementById("delete-app").addEventListener("click", (e) => action(e.currentTarget, async () => {
      await M.mock("POST", "/__mock__/wx/settings/forget", { appid: host.appid, user: host.user });
      M.wx.clearStorageSync();
      await M.runtime.boot();
    }));
    document.getElementById("relaunch").addEventListener("click", (e) => action(e.currentTarget, () => M.runtime.boot()));
    document.getElementById("clear-log").addEventListener("click", () => {
      list().replaceChildren();
      document.getElementById("log-empty").hidden = false;
    });
    M.runtime.boot();
  });
})();
