// An order's page: the sequence diagram refreshes live; an arrow opens its raw message in a drawer.
"use strict";

(() => {
  const diagram = document.getElementById("diagram");
  const drawer = document.getElementById("drawer");
  const drawerBody = document.getElementById("drawer-body");
  const number = diagram.dataset.order;

  async function openRef(ref, group) {
    diagram.querySelectorAll(".msg.selected").forEach((g) => g.classList.remove("selected"));
    if (group) group.classList.add("selected");
    try {
      drawerBody.innerHTML = await mockwx.fragment(`${mockwx.ui}/journal/${ref}`);
    } catch (error) {
      drawerBody.textContent = mockwx.t("failed", { error: error.message });
    }
    drawer.classList.add("open");
    drawer.setAttribute("aria-hidden", "false");
  }

  diagram.addEventListener("click", (event) => {
    const group = event.target.closest(".msg");
    if (!group || !group.dataset.ref) return;
    event.preventDefault();
    openRef(group.dataset.ref, group);
  });
  document.getElementById("drawer-close").addEventListener("click", () => {
    drawer.classList.remove("open");
    drawer.setAttribute("aria-hidden", "true");
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") document.getElementById("drawer-close").click();
  });

  const refresh = mockwx.oneAtATime(async () => {
    diagram.innerHTML = await mockwx.fragment(diagram.dataset.src);
    const state = diagram.querySelector("svg").dataset.state;
    const badge = document.getElementById("trade-state");
    if (state && badge) badge.textContent = state;
  });

  mockwx.live((change) => {
    if (change.more || change.orders.length === 0 || change.orders.includes(number)) refresh();
  });
})();
