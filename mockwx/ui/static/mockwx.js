// mockwx dashboard: what every page shares. Plain JavaScript, no build step.
//   mockwx.t(key, params)      a text in the page's language (keys "js.*" of the text tables)
//   mockwx.api(method, path, body)  the control API: JSON in and out; throws an Error carrying the mock's message
//   mockwx.live(onChange)      the live stream: calls onChange({entry, orders, attempts, clock}) as things happen
//   mockwx.toast(text, tone)   a short message in the corner
//   mockwx.fragment(url)       GET a server-rendered HTML fragment
//   mockwx.oneAtATime(fn)      fn (async) run once at a time; a call while it runs makes it run once more after
"use strict";

const mockwx = (() => {
  const texts = JSON.parse(document.getElementById("mockwx-texts").textContent || "{}");
  const ui = document.body.dataset.ui || "/__mock__/ui";

  function t(key, params) {
    let text = texts[key] || key;
    for (const [name, value] of Object.entries(params || {})) text = text.split("{" + name + "}").join(String(value));
    return text;
  }

  async function api(method, path, body) {
    const options = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (method !== "GET") options.headers["Content-Type"] = "application/json"; // every write, body or not
    if (body !== undefined) options.body = JSON.stringify(body);
    const response = await fetch(path, options);
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      const message = (data && (data.error || data.errmsg)) || `${response.status} ${response.statusText}`;
      const error = new Error(data && data.hint ? `${message} (${data.hint})` : message);
      error.status = response.status;
      error.data = data;
      throw error;
    }
    return data;
  }

  async function fragment(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return response.text();
  }

  function oneAtATime(fn) {
    let busy = false;
    let again = false;
    return async function run() {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        await fn();
      } catch (error) {
        toast(t("failed", { error: error.message }), "problem");
      } finally {
        busy = false;
        if (again) {
          again = false;
          run();
        }
      }
    };
  }

  function toast(text, tone) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const item = document.createElement("div");
    item.className = "toast" + (tone ? " " + tone : "");
    item.textContent = text;
    box.appendChild(item);
    setTimeout(() => item.remove(), tone === "problem" ? 7000 : 3500);
  }

  function showClock(clock) {
    const el = document.getElementById("clock");
    if (!el || !clock) return;
    el.dataset.kind = clock.kind;
    el.dataset.now = clock.now;
    el.querySelector(".clock-now").textContent = clock.beijing;
    el.querySelector(".clock-kind").textContent = t("clock." + clock.kind);
  }

  // A real clock moves by itself: tick it here (Beijing time is UTC+8); a virtual one moves by events.
  setInterval(() => {
    const el = document.getElementById("clock");
    if (!el || el.dataset.kind !== "real") return;
    const now = Number(el.dataset.now) + 1;
    el.dataset.now = now;
    const beijing = new Date((now + 8 * 3600) * 1000).toISOString().slice(0, 19).replace("T", " ");
    el.querySelector(".clock-now").textContent = beijing;
  }, 1000);

  // One EventSource per page; every listener hears every change. The server batches changes and
  // drops a browser that stops reading; EventSource then reconnects and the page catches up.
  const listeners = [];
  let source = null;
  function live(onChange) {
    listeners.push(onChange);
    if (source) return;
    source = new EventSource(ui + "/stream");
    const dots = () => document.querySelectorAll(".live-dot");
    source.addEventListener("open", () => dots().forEach((d) => d.classList.add("on")));
    source.addEventListener("error", () => dots().forEach((d) => d.classList.remove("on")));
    source.addEventListener("change", (event) => {
      const change = JSON.parse(event.data);
      showClock(change.clock);
      for (const listener of listeners) listener(change);
    });
  }

  // Reveal buttons: <button data-reveal="#target" data-secret-url="..." data-secret-path="a.b">.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-reveal]");
    if (!button) return;
    const target = document.querySelector(button.dataset.reveal);
    if (!target) return;
    if (target.dataset.shown === "1") {
      target.textContent = target.dataset.masked;
      target.dataset.shown = "0";
      button.textContent = t("reveal");
      return;
    }
    let secret = target.dataset.secret;
    if (secret === undefined && button.dataset.secretUrl) {
      try {
        const data = await api("GET", button.dataset.secretUrl);
        secret = button.dataset.secretPath.split(".").reduce((v, name) => (v == null ? v : v[name]), data);
      } catch (error) {
        toast(error.message, "problem");
        return;
      }
    }
    if (secret == null) return;
    target.dataset.masked = target.dataset.masked || target.textContent;
    target.textContent = secret;
    target.dataset.shown = "1";
    button.textContent = t("hide");
  });

  return { t, api, fragment, toast, live, ui, showClock, oneAtATime };
})();
