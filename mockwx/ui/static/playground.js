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
  });
  document.getElementById("play-key-reveal").addEventListener("click", (event) => {
    const shown = key.type === "text";
    key.type = shown ? "password" : "text";
    event.target.textContent = mockwx.t(shown ? "reveal" : "hide");
  });
  document.getElementById("play-example").addEventListener("click", () => {
    const example = examples[mode.value];
    form.elements.text.value = example.text;
    form.elements.key.value = example.key;
    form.elements.received.value = example.received || "";
    form.elements.sign_type.value = "";
    form.elements.entry.value = "";
    run();
  });
  if (form.elements.text.value.trim() && !steps.querySelector(".steps")) run();
})();
