/* mockwx phone: what WeChat itself draws over a mini program, in WeChat's words (Chinese, as the client
   shows it): toast, loading, modal, the permission dialog, the profile and phone-number sheets, the
   settings page and the payment sheet with its password step. Every function returns a Promise of the
   user's choice; nothing here talks to the mock (wx.js does). */
(function () {
  "use strict";

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "style") el.setAttribute("style", v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return el;
  }

  // the phone's insides: its shadow root (templates/phone/phone.html), where WeChat draws
  const dom = document.getElementById("device").shadowRoot;
  const layer = () => dom.getElementById("overlay");

  function mount(el) {
    layer().appendChild(el);
    requestAnimationFrame(() => el.classList.add("open"));
    return () => el.remove();
  }

  function yuan(fen) {
    const whole = Math.floor(Math.abs(fen) / 100);
    const cents = String(Math.abs(fen) % 100).padStart(2, "0");
    return `${fen < 0 ? "-" : ""}¥${whole.toLocaleString("en-US")}.${cents}`;
  }

  function appHead(appName) {
    return h("div", { class: "sheet-app" }, h("span", { class: "app-icon", "aria-hidden": "true" }, (appName || "小")[0]), h("b", { text: appName || "小程序" }));
  }

  // -- toast and loading (mutually exclusive, as in WeChat) ------------------------------------------

  let toastTimer = null;
  function toast({ title, icon = "success", duration = 1500, mask = false, loading = false }) {
    hideToast();
    const glyph = loading || icon === "loading" ? h("span", { class: "spinner" })
      : icon === "success" ? h("span", { class: "toast-icon" }, "✓")
      : icon === "error" ? h("span", { class: "toast-icon" }, "✕") : null;
    const box = h("div", { class: `wx-toast ${glyph ? "with-icon" : "text-only"}`, role: "status", id: "wx-toast" }, glyph, h("p", { text: title }));
    const wrap = h("div", { class: `toast-layer${mask ? " masked" : ""}`, "data-kind": loading ? "loading" : "toast" }, box);
    mount(wrap);
    if (!loading) toastTimer = setTimeout(hideToast, duration);
  }
  function hideToast() {
    clearTimeout(toastTimer);
    dom.querySelectorAll(".toast-layer").forEach((el) => el.remove());
  }

  // -- the modal --------------------------------------------------------------------------------------

  function modal({ title = "", content = "", showCancel = true, cancelText = "取消", confirmText = "确定", cancelColor = "#000000", confirmColor = "#576B95", editable = false, placeholderText = "", note = null }) {
    return new Promise((resolve) => {
      const input = editable ? h("textarea", { class: "modal-input", placeholder: placeholderText, rows: "2" }) : null;
      if (input) input.value = content;
      let close;
      const answer = (confirm) => {
        close();
        resolve({ confirm, cancel: !confirm, content: input ? input.value : undefined });
      };
      const box = h("div", { class: "modal", role: "dialog", "aria-modal": "true", "aria-label": title || content },
        title ? h("h3", { text: title }) : null,
        input || (content ? h("p", { class: "modal-content", text: content }) : null),
        note,
        h("div", { class: "modal-buttons" },
          showCancel ? h("button", { class: "modal-cancel", style: `color:${cancelColor}`, onclick: () => answer(false), text: cancelText }) : null,
          h("button", { class: "modal-confirm", style: `color:${confirmColor}`, onclick: () => answer(true), text: confirmText })));
      close = mount(h("div", { class: "mask modal-layer" }, box));
    });
  }

  // -- sheets: permission, profile, phone number ---------------------------------------------------------

  function sheet(className, body, buttons, label) {
    return new Promise((resolve) => {
      let close;
      const done = (value) => { close(); resolve(value); };
      const row = h("div", { class: "sheet-buttons" }, buttons.map(([text, value, cls]) => h("button", { class: cls, onclick: () => done(value), text })));
      close = mount(h("div", { class: "mask sheet-layer" }, h("div", { class: `sheet ${className}`, role: "dialog", "aria-label": label }, body, row)));
    });
  }

  function authorize({ appName, asks }) {
    return sheet("auth-sheet", [appHead(appName), h("h3", { text: "申请" }), h("p", { class: "sheet-asks", text: asks })],
      [["拒绝", false, "secondary"], ["允许", true, "primary"]], `${appName} 申请${asks}`);
  }

  function profile({ appName, desc, nickName }) {
    return sheet("profile-sheet", [
      appHead(appName),
      h("h3", { text: "申请获取你的昵称、头像" }),
      h("p", { class: "sheet-desc", text: desc }),
      h("div", { class: "profile-row" }, h("span", { class: "avatar", "aria-hidden": "true" }, (nickName || "微")[0]), h("span", { text: nickName }), h("span", { class: "tick", text: "✓" })),
    ], [["拒绝", false, "secondary"], ["允许", true, "primary"]], "申请获取你的昵称、头像");
  }

  function phone({ appName, number }) {
    const masked = number.replace(/^(\d{3})\d{4}(\d{4})$/, "$1****$2");
    return sheet("phone-sheet", [
      appHead(appName),
      h("h3", { text: "申请获取并验证你的手机号" }),
      h("div", { class: "phone-row" }, h("b", { text: masked }), h("span", { class: "muted", text: "微信绑定号码" }), h("span", { class: "tick", text: "✓" })),
    ], [["不允许", false, "secondary"], ["允许", true, "primary"]], "申请获取并验证你的手机号");
  }

  // -- the settings page ("设置"), reached with wx.openSetting -------------------------------------------

  function settings({ appName, scopes, onToggle }) {
    return new Promise((resolve) => {
      let close;
      const rows = scopes.length ? scopes.map((s) => {
        const box = h("input", { type: "checkbox", role: "switch", "aria-label": s.label, "data-scope": s.name, checked: s.granted });
        box.addEventListener("change", () => onToggle(s.name, box.checked));
        return h("label", { class: "setting-row" }, h("span", { text: s.label }), box);
      }) : [h("p", { class: "muted setting-empty", text: "暂无授权信息" })];
      const back = h("button", { class: "nav-back settings-back", "aria-label": "返回", onclick: () => { close(); resolve(); } }, "‹");
      close = mount(h("div", { class: "settings-page", role: "dialog", "aria-label": "设置" },
        h("div", { class: "settings-bar" }, back, h("b", { text: "设置" })),
        h("p", { class: "settings-caption", text: `允许「${appName}」使用我的` }),
        h("div", { class: "settings-list" }, rows)));
    });
  }

  // -- the payment sheet ---------------------------------------------------------------------------------

  const FAIL_REASONS = ["零钱余额不足", "银行卡余额不足", "该银行卡已冻结", "交易超过限额", "支付失败，请稍后再试"];

  /* Resolves {outcome, reason}; `settle(outcome, reason)` asks the mock and resolves the errMsg it got. */
  function cashier({ payee, body, amount, settle }) {
    return new Promise((resolve) => {
      let close;
      const panel = h("div", { class: "cashier", role: "dialog", "aria-label": "微信支付" });
      const finish = (value) => { close(); resolve(value); };

      function frame(title, content, onClose) {
        panel.replaceChildren(
          h("div", { class: "cashier-head" },
            onClose ? h("button", { class: "cashier-close", "aria-label": "关闭", onclick: onClose }, "✕") : h("span"),
            h("b", { text: title }), h("span")),
          content);
      }

      let failReason = "";
      function confirmStep() {
        const reasons = h("select", { class: "fail-reason", "aria-label": "模拟支付失败" },
          h("option", { value: "", text: "正常支付" }), FAIL_REASONS.map((r) => h("option", { value: r, text: `模拟失败：${r}` })));
        reasons.value = failReason;
        reasons.addEventListener("change", () => { failReason = reasons.value; });
        frame("微信支付", h("div", { class: "cashier-body" },
          h("p", { class: "cashier-payee", text: payee }),
          h("p", { class: "cashier-amount", text: yuan(amount) }),
          h("div", { class: "cashier-row" }, h("span", { class: "muted", text: "商品" }), h("span", { text: body })),
          h("div", { class: "cashier-row" }, h("span", { class: "muted", text: "付款方式" }), h("span", { text: "零钱 ›" })),
          h("div", { class: "cashier-row mock-row" }, h("span", { class: "muted", text: "mockwx" }), reasons),
          h("button", { class: "primary pay-button", onclick: passwordStep, text: "支付" })),
        () => finish({ outcome: "cancel" }));
      }

      function passwordStep() {
        let typed = "";
        const dots = h("div", { class: "pin", "aria-label": "支付密码" }, Array.from({ length: 6 }, () => h("span")));
        const show = () => dots.querySelectorAll("span").forEach((d, i) => d.classList.toggle("on", i < typed.length));
        const key = (k) => {
          if (k === "del") typed = typed.slice(0, -1);
          else if (typed.length < 6) typed += k;
          show();
          if (typed.length === 6) setTimeout(pay, 150);
        };
        const pad = h("div", { class: "keypad" },
          ["1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", "del"].map((k) => k ? h("button", { class: "key", "data-key": k, "aria-label": k === "del" ? "删除" : k, onclick: () => key(k) }, k === "del" ? "⌫" : k) : h("span")));
        frame("请输入支付密码", h("div", { class: "cashier-body" },
          h("p", { class: "cashier-payee", text: payee }), h("p", { class: "cashier-amount", text: yuan(amount) }), dots, pad),
        () => finish({ outcome: "cancel" }));
      }

      async function pay() {
        frame("微信支付", h("div", { class: "cashier-body center" }, h("span", { class: "spinner dark" }), h("p", { class: "muted", text: "支付中" })), null);
        const answer = await settle(failReason ? "fail" : "ok", failReason);
        const ok = answer.errMsg === "requestPayment:ok";
        const reason = ok ? "" : answer.errMsg.replace(/^requestPayment:fail ?/, "");
        frame(ok ? "支付成功" : "支付失败", h("div", { class: `cashier-body center result ${ok ? "ok" : "failed"}` },
          h("span", { class: "result-icon", text: ok ? "✓" : "!" }),
          h("p", { class: "result-title", text: ok ? "支付成功" : "支付失败" }),
          ok ? h("p", { class: "cashier-amount", text: yuan(amount) }) : h("p", { class: "result-reason", text: reason }),
          ok ? h("p", { class: "muted", text: payee }) : null,
          h("button", { class: ok ? "primary done-button" : "secondary done-button", onclick: () => finish({ outcome: ok ? "ok" : "fail", answer }), text: "完成" })), null);
      }

      confirmStep();
      close = mount(h("div", { class: "mask sheet-layer cashier-layer" }, panel));
    });
  }

  window.MockWX = window.MockWX || {};
  window.MockWX.dom = dom;
  window.MockWX.ui = { h, yuan, toast, hideToast, modal, authorize, profile, phone, settings, cashier, FAIL_REASONS };
})();
