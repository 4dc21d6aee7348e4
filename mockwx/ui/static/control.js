// The control panel: every button is a call to the control API (JSON), then the page shows the result.
"use strict";

(() => {
  const families = { login: ["code2session", "token"], pay: ["pay"], notify: ["notify", "refund_notify"] };
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

  function family(api) {
    for (const [name, apis] of Object.entries(families)) if (apis.includes(api)) return name;
    return "v2";
  }
  function showEffects() {
    const current = family(apiSelect.value);
    form.querySelectorAll("[data-for]").forEach((el) => el.classList.toggle("hidden", el.dataset.for !== current));
  }
  apiSelect.addEventListener("change", showEffects);
  showEffects();

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
    if (data.get("delay")) spec.delay = Number(data.get("delay"));
    const kind = family(spec.api);
    if (kind === "login") spec.errcode = Number(data.get("errcode"));
    if (kind === "v2") spec.err_code = data.get("err_code");
    if (kind === "pay") spec.outcome = data.get("outcome");
    if (kind === "notify") {
      spec.duplicates = Number(data.get("duplicates") || 0);
      spec.ack = data.get("ack");
      if (data.get("variants")) spec.variants = [data.get("variants")];
      if (data.get("lost")) spec.deliver = false;
    }
    act("POST", "/__mock__/faults", spec);
  });

  document.addEventListener("click", (event) => {
    const remove = event.target.closest(".remove-fault");
    if (remove) act("DELETE", `/__mock__/faults/${remove.dataset.id}`);
    const magic = event.target.closest(".add-magic");
    if (magic) act("POST", "/__mock__/faults", JSON.parse(magic.dataset.spec));
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
