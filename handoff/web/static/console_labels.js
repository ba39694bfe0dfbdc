// Operator console: labels — what a conversation was about («Возврат и обмен», «Брак»), the
// team's list from config.yml (GET /labels). A click toggles one; the whole set is saved at
// once (loaded before console.js; STATE, api and the rest are the console's).
"use strict";

const LABELS = { all: [] };

async function loadLabels() {
  try {
    LABELS.all = (await api("GET", "/labels")).labels;
  } catch (error) {
    LABELS.all = [];
  }
}

function renderLabels(c) {
  $("labels-box").hidden = LABELS.all.length === 0;
  const on = new Set(c.labels || []);
  $("labels").replaceChildren(...LABELS.all.map((label) => {
    const chip = el("button", {
      type: "button",
      class: on.has(label.id) ? "label-chip on" : "label-chip",
      "data-label": label.id,
    }, label.title);
    chip.setAttribute("aria-pressed", on.has(label.id) ? "true" : "false");
    chip.addEventListener("click", async () => {
      const next = new Set(on);
      if (next.has(label.id)) next.delete(label.id); else next.add(label.id);
      try {
        await api("POST", `/conversations/${c.id}/labels`, { labels: [...next] });
        await refreshDetail();
      } catch (error) {
        showError(error.message);
      }
    });
    return chip;
  }));
}
