// The control panel: every button is a call to the control API (JSON), then the page shows the result.
"use strict";

(() => {
  // Which effect fields each API's rules take, as the server's fault rules accept them (faults.py).
  const fields = JSON.parse(document.getElementById("fault-fields").textContent);
  const apiSelect = document.getElementById("fault-api");
  const form = document.getElementById("fault-form");

  async function act(method, path, body, done) {
    try {
      const answer = await mockwx.api(method, path, body);
      if (done) mockwx.toast(done(answer));
      setTimeout(() => location.reload(), done ? 600 : 0);
    } catch (error) {
      mockwx.toast(mockwx.t("failed", { error: error.message }), "problem");
    }
  }

  document.querySelectorAll("button.advance").forEach((button) =>
    button.addEventListener("click", () =>
      act("POST", "/__mock__/clock/advance", { seconds: Number(button.dataset.seconds) }),
    ),
  );
  const to = document.getElementById("advance-to");
  if (to) {
    to.addEventListener("submit", (event) => {
      event.preventDefault();
      const [date, time] = document.getElementById("advance-target").value.split("T");
      const [y, mo, d] = date.split("-").map(Number);
      const [h, mi, s] = (time || "0:0:0").split(":").map(Number);
      const target = Date.UTC(y, mo - 1, d, h - 8, mi, s || 0) / 1000; // Beijing time is UTC+8
      const now = Number(document.getElementById("clock-now").dataset.now);
      act("POST", "/__mock__/clock/advance", { seconds: Math.max(0, target - now) });
    });
  }

  function effects() {
    const allowed = fields[apiSelect.value] || [];
    return Array.from(form.querySelectorAll("[data-field]")).filter((el) => allowed.includes(el.dataset.field));
  }
  function showEffects() {
    const shown = effects();
    form.querySelectorAll("[data-field]").forEach((el) => el.classList.toggle("hidden", !shown.includes(el)));
  }
  apiSelect.addEventListener("change", showEffects);
  showEffects();

  // An effect's value as the control API takes it; undefined when the field is left empty.
  function valueOf(el) {
    const input = el.querySelector("input, select");
    const kind = el.dataset.kind;
    if (input.type === "checkbox") return input.checked ? kind !== "not" : undefined;
    const text = input.value.trim();
    if (text === "") return undefined;
    if (kind === "int") return Number.parseInt(text, 10);
    if (kind === "float") return Number(text);
    if (kind === "list") return [text];
    if (kind === "ints") return text.split(/[\s,]+/).filter(Boolean).map(Number);
    return text;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const spec = { api: data.get("api") };
    const match = {};
    for (const pair of String(data.get("match") || "").split(/[\s,]+/)) {
      const at = pair.indexOf("=");
      if (at > 0) match[pair.slice(0, at)] = pair.slice(at + 1);
    }
    if (Object.keys(match).length) spec.match = match;
    if (data.get("times")) spec.times = Number(data.get("times"));
    for (const el of effects()) {
      const value = valueOf(el);
      if (value !== undefined) spec[el.dataset.field] = value;
    }
    act("POST", "/__mock__/faults", spec);
  });

  // Several calls one after another (a magic amount is several rules), then the page shows the result.
  async function actAll(calls) {
    try {
      for (const [method, path, body] of calls) await mockwx.api(method, path, body);
      location.reload();
    } catch (error) {
      mockwx.toast(mockwx.t("failed", { error: error.message }), "problem");
    }
  }

  document.addEventListener("click", (event) => {
    const remove = event.target.closest(".remove-fault");
    if (remove) actAll(remove.dataset.ids.split(",").map((id) => ["DELETE", `/__mock__/faults/${id}`]));
    const magic = event.target.closest(".add-magic");
    if (magic) actAll(JSON.parse(magic.dataset.specs).map((spec) => ["POST", "/__mock__/faults", spec]));
    const show = event.target.closest("[data-show]");
    if (show) {
      const pem = document.querySelector(show.dataset.show);
      pem.classList.toggle("hidden");
      show.textContent = mockwx.t(pem.classList.contains("hidden") ? "show" : "hide");
    }
    const resend = event.target.closest(".resend");
    if (resend) {
      act("POST", `/__mock__/notifications/${resend.dataset.id}/resend`, {}, (answer) =>
        mockwx.t("resent", { verdict: answer.attempt.verdict }),
      );
    }
  });
  document.getElementById("reset").addEventListener("click", () => {
    if (confirm(mockwx.t("reset.confirm"))) act("POST", "/__mock__/reset", {});
  });
})();
