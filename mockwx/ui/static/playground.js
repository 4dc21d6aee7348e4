// The signature playground: each step of a sign, computed by the mock (POST /__mock__/ui/playground).
"use strict";

(() => {
  const form = document.getElementById("play-form");
  const steps = document.getElementById("play-steps");
  const mode = document.getElementById("play-mode-value");
  const key = document.getElementById("play-key");
  const examples = JSON.parse(document.getElementById("play-examples").textContent);

  async function run() {
    const data = Object.fromEntries(new FormData(form).entries());
    try {
      const answer = await fetch(`${mockwx.ui}/playground`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(data),
      });
      const result = await answer.json();
      steps.innerHTML = result.html;
    } catch (error) {
      steps.textContent = mockwx.t("failed", { error: error.message });
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  document.getElementById("play-mode").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-mode]");
    if (!button) return;
    mode.value = button.dataset.mode;
    document.querySelectorAll("#play-mode button").forEach((b) => b.classList.toggle("active", b === button));
    showFields();
  });

  // Each mode's own inputs (v3: method, URL, Authorization, PEM; v2: key, sign type, sign).
  function showFields() {
    form.querySelectorAll("[data-modes]").forEach((element) => {
      element.hidden = !element.dataset.modes.split(" ").includes(mode.value);
    });
    const text = form.elements.text;
    text.placeholder = ["v2", "paysign"].includes(mode.value) ? text.dataset.placeholder : "";
  }
  document.getElementById("play-key-reveal").addEventListener("click", (event) => {
    const shown = key.type === "text";
    key.type = shown ? "password" : "text";
    event.target.textContent = mockwx.t(shown ? "reveal" : "hide");
  });
  document.getElementById("play-example").addEventListener("click", () => {
    const example = examples[mode.value];
    for (const name of ["text", "key", "received", "sign_type", "entry", "method", "url", "authorization", "pem"]) {
      form.elements[name].value = example[name] || (name === "method" ? "POST" : "");
    }
    run();
  });
  if (form.elements.text.value.trim() && !steps.querySelector(".steps")) run();
})();
