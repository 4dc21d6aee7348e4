// The orders list: reloads itself when an order changes, unless the reader is typing in the search.
"use strict";

(() => {
  let timer = null;
  mockwx.live((change) => {
    if (change.orders.length === 0 && !change.more) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (document.activeElement && document.activeElement.tagName === "INPUT") return;
      location.reload();
    }, 300);
  });
})();
