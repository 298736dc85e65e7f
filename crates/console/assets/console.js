// The console's one script. Every page works without it; it adds:
//  - the queue follows new orders: a Server-Sent Events stream says when
//    the book changed, and the queue is fetched again (no reload);
//  - the replacement field suggests what the store sells as the picker
//    types (the catalog's search index), a tap fills in the SKU.
"use strict";

function followQueue() {
  const live = document.getElementById("live-queue");
  if (!live || !window.EventSource) return;
  const params = new URLSearchParams(location.search);
  params.set("since", live.dataset.stamp || "");
  const events = new EventSource("/queue/events?" + params.toString());
  let fetching = false;
  events.addEventListener("queue", async () => {
    if (fetching) return;
    fetching = true;
    try {
      const response = await fetch(location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("live-queue");
      const current = document.getElementById("live-queue");
      if (!fresh || !current) return;
      const known = new Set([...current.querySelectorAll("tr.order")].map((r) => r.dataset.id));
      for (const row of fresh.querySelectorAll("tr.order")) {
        if (!known.has(row.dataset.id)) row.classList.add("fresh");
      }
      current.replaceWith(fresh);
    } finally {
      fetching = false;
    }
  });
}

function suggestReplacements() {
  for (const input of document.querySelectorAll("input[data-suggest]")) {
    const list = document.getElementById(input.dataset.list);
    let timer = null;
    let asked = 0;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const query = input.value.trim();
        const ask = ++asked;
        list.replaceChildren();
        if (query.length < 2) return;
        const response = await fetch(input.dataset.suggest + "?q=" + encodeURIComponent(query), { credentials: "same-origin" });
        if (!response.ok || ask !== asked) return;
        for (const item of await response.json()) {
          const button = document.createElement("button");
          button.type = "button";
          button.dataset.sku = item.sku;
          if (!item.available) button.className = "out";
          button.textContent = item.name + " — " + item.price + (item.available ? "" : " (нет в наличии)");
          button.addEventListener("click", () => {
            input.value = item.sku;
            list.replaceChildren();
          });
          const li = document.createElement("li");
          li.append(button);
          list.append(li);
        }
      }, 200);
    });
  }
}

followQueue();
suggestReplacements();
