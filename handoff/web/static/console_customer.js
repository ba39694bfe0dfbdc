// Operator console, the customer card: «Заметки о клиенте» (what the team keeps about the person
// across conversations and messengers) and «Это тот же клиент…» (the customer says they wrote
// before from another messenger; the operator finds that customer — the same search as «Найти»:
// name, phone, «№», words they wrote — and joins the two cards into one after a confirmation;
// a wrong join is taken back with «Разъединить» on its line under the button).
// Also «Заблокировать клиента» and an administrator's «Удалить персональные данные клиента».
// Loaded before console.js; STATE, api and the rest are its. Texts go in with textContent only.
"use strict";

// ---- «Заметки о клиенте» ------------------------------------------------------------------

const isAdmin = () => document.querySelector('meta[name="operator-role"]').content === "admin";

// Kept between redraws like the conversation's other lists (refreshKeyed): an unchanged note,
// its «×» included, is not rebuilt, so «×» reads the card shown when it is pressed.
function renderNotes(card) {
  $("cnotes-box").hidden = Boolean(card.erased_at);
  const notes = card.notes || [];
  const more = (card.notes_total || 0) - notes.length;
  refreshKeyed($("cnotes"), [...notes.map((n) => {
    const line = el("li", { "data-id": `note-${n.id}`, "data-note": String(n.id) },
      el("span", { class: "cnote-text" }, n.text),
      el("span", { class: "small" }, ` — ${n.author}, ${new Date(n.at).toLocaleDateString("ru-RU")}`));
    if (n.author_id === ME || isAdmin()) {
      const drop = el("button", { type: "button", class: "plain cnote-del", title: "Удалить заметку", "aria-label": "Удалить заметку" }, "×");
      drop.addEventListener("click", () => deleteNote(n));
      line.append(" ", drop);
    }
    return line;
  }), ...(more > 0 ? [el("li", { class: "small", "data-id": "more" }, `и ещё ${more} более ранних`)] : [])]);
}

async function addNote() {
  const card = STATE.detail && STATE.detail.customer_card;
  const text = $("cnote-text").value;
  if (!card || !text.trim()) return;
  $("cnote-add").disabled = true;
  try {
    await api("POST", `/customers/${card.id}/notes`, { text });
    $("cnote-text").value = "";
    showError("");
    await refreshDetail();
  } catch (error) {
    showError(error.message);
  }
  $("cnote-add").disabled = false;
}

async function deleteNote(note) {
  const card = STATE.detail && STATE.detail.customer_card;
  if (!card || !window.confirm(`Удалить заметку «${note.text.slice(0, 80)}»?`)) return;
  try {
    await api("DELETE", `/customers/${card.id}/notes/${note.id}`);
    await refreshDetail();
  } catch (error) {
    showError(error.message);
  }
}

$("cnote-add").addEventListener("click", addNote);
$("cnote-text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) addNote();
});

// ---- «Это тот же клиент…» -----------------------------------------------------------------

const MERGE = { customer: null, timer: null };

// Called for every detail shown: the panel stays open only while the same customer is shown.
function renderMerge(card) {
  if (MERGE.customer !== card.id) closeMerge();
  MERGE.customer = card.id;
  $("merge-open").hidden = Boolean(card.erased_at);
  renderJoins(card);
}

// The cards joined into this one: «Объединено с «Анна» (Борис, 07.12.2026)» [Разъединить].
function renderJoins(card) {
  refreshKeyed($("joins"), (card.joins || []).map((j) => {
    const undo = el("button", { type: "button", class: "plain unmerge-btn" }, "Разъединить");
    undo.addEventListener("click", () => unmerge(j, undo));
    return el("li", { "data-id": `join-${j.id}`, "data-join": String(j.id) },
      `Объединено с «${j.joined}» (${j.by}, ${new Date(j.at).toLocaleDateString("ru-RU")})`, " ", undo);
  }));
}

async function unmerge(join, button) {
  const card = STATE.detail && STATE.detail.customer_card;
  if (!card || !window.confirm(
    `Разъединить «${card.name}» и «${join.joined}»? «${join.joined}» снова станет отдельным клиентом: ` +
    "мессенджеры, обращения и заметки, которые были до объединения, вернутся в отдельную карточку. " +
    "Написанное после объединения останется здесь.",
  )) return;
  button.disabled = true;
  showError("");
  try {
    await api("POST", `/customers/${card.id}/merges/${join.id}/undo`);
    await Promise.all([refreshDetail(), refreshLists()]);
  } catch (error) {
    showError(error.message);
    button.disabled = false;
  }
}

function closeMerge() {
  $("merge-panel").hidden = true;
  $("merge-q").value = "";
  $("merge-results").replaceChildren();
  $("merge-note").textContent = "";
}

// Other customers among the conversations found: one line per customer, newest first.
function candidates(conversations, current) {
  const seen = new Map();
  for (const c of conversations) {
    if (c.customer.id === current || seen.has(c.customer.id)) continue;
    seen.set(c.customer.id, c);
  }
  return [...seen.values()];
}

async function findForMerge() {
  const q = $("merge-q").value.trim();
  if (q.length < 2) {
    $("merge-results").replaceChildren();
    $("merge-note").textContent = "";
    return;
  }
  try {
    const data = await api("GET", `/search?q=${encodeURIComponent(q)}`);
    if ($("merge-q").value.trim() !== q) return;  // typed on meanwhile
    const found = candidates(data.conversations, MERGE.customer);
    $("merge-note").textContent = found.length ? "" : "Других клиентов не нашлось.";
    $("merge-results").replaceChildren(...found.map((c) => {
      const join = el("button", { type: "button", class: "plain merge-btn" }, "Объединить");
      join.addEventListener("click", () => mergeWith(c));
      return el("li", { "data-customer": String(c.customer.id) },
        channelBadge(c.channel), el("strong", {}, c.customer.name), ` · диалог №${c.id}`,
        c.match && c.match.why ? el("span", { class: "small" }, ` · ${c.match.why}`) : null,
        " ", join);
    }));
  } catch (error) {
    $("merge-note").textContent = error.message;
  }
}

async function mergeWith(other) {
  const card = STATE.detail && STATE.detail.customer_card;
  if (!card) return;
  if (!window.confirm(
    `Объединить «${card.name}» и «${other.customer.name}» в одного клиента? ` +
    "Их мессенджеры, диалоги и оценки будут в одной карточке; ошибку можно исправить кнопкой «Разъединить».",
  )) return;
  showError("");
  try {
    await api("POST", `/customers/${card.id}/merge`, { customer_id: other.customer.id });
    closeMerge();
    await Promise.all([refreshDetail(), refreshLists()]);
  } catch (error) {
    $("merge-note").textContent = error.message;
  }
}

$("merge-open").addEventListener("click", () => {
  $("merge-panel").hidden = !$("merge-panel").hidden;
  if (!$("merge-panel").hidden) $("merge-q").focus();
});
$("merge-close").addEventListener("click", closeMerge);
$("merge-q").addEventListener("input", () => {
  clearTimeout(MERGE.timer);
  MERGE.timer = setTimeout(findForMerge, 250);
});

// ---- blocking and erasure ----------------------------------------------------------------

// An administrator erases the customer's personal data at their request (the card's button).
async function forgetCustomer() {
  const card = STATE.detail && STATE.detail.customer_card;
  if (!card) return;
  const sure = window.confirm(
    "Удалить персональные данные клиента? Тексты переписки, имя, телефон и аккаунты в " +
    "мессенджерах будут стёрты без возможности восстановления, открытые диалоги закроются.",
  );
  if (!sure) return;
  showError("");
  try {
    await api("POST", `/customers/${card.id}/forget`, {});
    await Promise.all([refreshDetail(), refreshLists()]);
  } catch (error) {
    showError(error.message);
  }
}

// «Заблокировать клиента»: spam or abuse; the bot keeps answering, a person never gets them.
async function blockCustomer(blocked) {
  const card = STATE.detail && STATE.detail.customer_card;
  if (!card) return;
  if (blocked && !window.confirm(
    "Заблокировать клиента? Его открытые диалоги с операторами закроются; бот будет отвечать " +
    "на вопросы, но к операторам клиент больше не попадёт (ни из одного мессенджера).",
  )) return;
  showError("");
  try {
    await api("POST", `/customers/${card.id}/${blocked ? "block" : "unblock"}`, {});
    await Promise.all([refreshDetail(), refreshLists()]);
  } catch (error) {
    showError(error.message);
  }
}
