// The journal page: rows arrive live (newest first, by start), a row opens its raw request and answer.
"use strict";

(() => {
  const table = document.getElementById("journal");
  const body = table.querySelector("tbody");
  const detail = document.getElementById("detail-body");
  const empty = document.getElementById("journal-empty");
  const MAX_ROWS = 200;
  let last = Number(table.dataset.last || 0);

  async function open(row) {
    body.querySelectorAll("tr.selected").forEach((r) => r.classList.remove("selected"));
    row.classList.add("selected");
    try {
      detail.innerHTML = await mockwx.fragment(`${mockwx.ui}/journal/${row.dataset.id}`);
    } catch (error) {
      detail.textContent = mockwx.t("failed", { error: error.message });
    }
  }

  body.addEventListener("click", (event) => {
    const row = event.target.closest("tr.row");
    if (row && !event.target.closest("a")) open(row);
  });
  body.addEventListener("keydown", (event) => {
    const row = event.target.closest("tr.row");
    if (row && event.key === "Enter") open(row);
  });

  // Rows are newest first by when the call started (ids are taken at the start); a call that finished
  // late (a clock advance that delivered notifications meanwhile) goes below those started after it.
  function firstStartedBefore(id) {
    for (const row of body.rows) if (Number(row.dataset.id) < id) return row;
    return null;
  }

  const catchUp = mockwx.oneAtATime(async () => {
    const query = table.dataset.query ? "&" + table.dataset.query : "";
    const html = await mockwx.fragment(`${mockwx.ui}/journal/rows?after=${last}${query}`);
    const holder = document.createElement("tbody");
    holder.innerHTML = html;
    for (const row of Array.from(holder.querySelectorAll("tr.row")).reverse()) {
      row.classList.add("fresh");
      body.insertBefore(row, firstStartedBefore(Number(row.dataset.id)));
      last = Math.max(last, Number(row.dataset.seq));
    }
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
    empty.classList.toggle("hidden", body.rows.length > 0);
  });

  mockwx.live((change) => {
    if (change.entry > last || change.reset) catchUp();
  });
  const first = body.querySelector("tr.row");
  if (first && location.hash === "#open") open(first);
})();
