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

// The chips are kept between redraws (refreshKeyed: a click pressed just before a server event
// redraws the conversation still lands), so a click reads the conversation shown at that moment.
function renderLabels(c) {
  $("labels-box").hidden = LABELS.all.length === 0;
  const on = new Set(c.labels || []);
  refreshKeyed($("labels"), LABELS.all.map((label) => el("button", {
    type: "button",
    class: on.has(label.id) ? "label-chip on" : "label-chip",
    "data-id": label.id,
    "data-label": label.id,
    "aria-pressed": on.has(label.id) ? "true" : "false",
  }, label.title)));
}

$("labels").addEventListener("click", async (event) => {
  const chip = event.target.closest("button[data-label]");
  const c = STATE.detail;
  if (!chip || !c) return;
  const next = new Set(c.labels || []);
  if (next.has(chip.dataset.label)) next.delete(chip.dataset.label); else next.add(chip.dataset.label);
  try {
    await api("POST", `/conversations/${c.id}/labels`, { labels: [...next] });
    await refreshDetail();
  } catch (error) {
    showError(error.message);
  }
});
