// Operator console: ready replies («шаблоны»), «typing…» to the customer, canned answers from
// the knowledge base and transfer (loaded before console.js; STATE, act and the rest are the
// console's).
"use strict";

// ---- ready replies («шаблоны») ------------------------------------------------------

// «/» and a shortcut at the start of the box offer the team's ready replies; a click (or Enter
// on the highlighted one, console_keys.js) puts the text in the box with {клиент} (the customer's first name) and
// {оператор} filled in, to edit.
let templatesTimer = null;
function offerTemplates() {
  const box = $("reply");
  const typed = /^\/(\S*)$/.exec(box.value);
  clearTimeout(templatesTimer);
  if (!typed) {
    $("templates").hidden = true;
    return;
  }
  templatesTimer = setTimeout(async () => {
    let data;
    try {
      data = await api("GET", `/replies?q=${encodeURIComponent(typed[1])}`);
    } catch (error) {
      return;
    }
    if (box.value !== typed[0]) return;  // typed on since
    $("templates").replaceChildren(...data.replies.map((r, i) => {
      const item = el("li", { "data-shortcut": r.shortcut, id: `template-${i}`, role: "option", "aria-selected": "false" },
        el("strong", {}, `/${r.shortcut}`), r.personal ? el("span", { class: "mine" }, " мой") : null,
        ` — ${r.text.slice(0, 80)}${r.text.length > 80 ? "…" : ""}`);
      item.addEventListener("mousedown", (event) => { event.preventDefault(); useTemplate(r.text); });
      return item;
    }));
    if (data.replies.length === 0) {
      // «/» promises ready replies: say why none came up instead of showing nothing.
      const hint = typed[1]
        ? `Нет шаблона, который начинается с «/${typed[1]}». Все шаблоны — в «Шаблоны» вверху страницы.`
        : "Шаблонов пока нет — добавьте их в «Шаблоны» вверху страницы.";
      $("templates").replaceChildren(el("li", { class: "hint" }, hint));
    }
    $("templates").hidden = false;
    highlightTemplate(0);
  }, 150);
}

// {клиент} with no usable name goes with the words that only make sense with one: an address
// word before it («Уважаемый», «Дорогая»), the commas around it, and, at a sentence's start, the
// punctuation after it; the sentence then starts with a capital. «{клиент}, добрый день!» reads
// «Добрый день!», «Здравствуйте, {клиент}!» «Здравствуйте!», «Спасибо, {клиент}, что
// написали» «Спасибо, что написали», «Уважаемый {клиент}, чем помочь?» «Чем помочь?».
const ADDRESSED = "(?<!\\p{L})(?:(?:уважаем|дорог)(?:ый|ая|ой|ые|ие)[ \\u00a0]+)?\\{клиент\\}";
const NAMELESS = [
  [new RegExp(`,[ \\u00a0]*${ADDRESSED}[ \\u00a0]*,`, "giu"), () => ","],  // «Спасибо, {клиент}, что…»
  [new RegExp(`(^|[.!?…][ \\u00a0]+|\\n[ \\u00a0]*)${ADDRESSED}[ \\u00a0]*[,!.]?\\s*(\\p{L}?)`, "giu"),
    (_, before, next) => before + next.toUpperCase()],  // «{клиент}, добрый день!»
  [new RegExp(`,?[ \\u00a0]*${ADDRESSED}`, "giu"), () => ""],  // «Здравствуйте, {клиент}!»
];

function withoutName(text) {
  return NAMELESS.reduce((result, [pattern, replace]) => result.replace(pattern, replace), text);
}

function fillTemplate(text) {
  const card = (STATE.detail && STATE.detail.customer_card) || {};
  // By first name, as Russian customer service writes (the server tells it: handoff/names.py).
  const customer = card.first_name || "";
  const named = customer ? text.replaceAll("{клиент}", customer) : withoutName(text);
  return named.replaceAll("{оператор}", $("me").textContent.trim());
}

function useTemplate(text) {
  const box = $("reply");
  box.removeAttribute("aria-activedescendant");
  box.value = fillTemplate(text);
  $("templates").hidden = true;
  keepDraft(STATE.selected, box.value);
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
}

// The header's «Шаблоны»: the team's list (administrators change it) and the operator's own.
async function loadReplies() {
  const data = await api("GET", "/replies");
  const admin = Boolean($("reply-personal"));  // only administrators choose
  $("replies-list").replaceChildren(...data.replies.map((r) => {
    let remove = null;
    if (r.personal || admin) {
      remove = el("button", { type: "button", class: "plain" }, "Удалить");
      remove.addEventListener("click", async () => {
        try {
          await api("DELETE", `/replies/${r.id}`);
          await loadReplies();
        } catch (error) {
          show("replies-error", error.message);
        }
      });
    }
    return el("li", { "data-shortcut": r.shortcut, class: r.personal ? "personal" : "team" },
      el("strong", {}, `/${r.shortcut}`), el("span", { class: "scope small" }, r.personal ? " мой " : " команды "),
      ` ${r.text} `, remove);
  }));
}

async function addReply() {
  show("replies-error", "");
  try {
    const personal = $("reply-personal") ? $("reply-personal").checked : true;
    await api("POST", "/replies", { shortcut: $("reply-shortcut").value, text: $("reply-text").value, personal });
    $("reply-shortcut").value = "";
    $("reply-text").value = "";
    await loadReplies();
  } catch (error) {
    show("replies-error", error.message);
  }
}

// While the operator types, the customer's messenger shows «typing…» (at most every 4 s; the
// server limits it too). Failures are cosmetic and ignored.
const TYPING = { at: 0, conversation: null };
function typing() {
  if (!STATE.selected || STATE.noteMode || !$("reply").value.trim()) return;
  const now = Date.now();
  if (TYPING.conversation === STATE.selected && now - TYPING.at < 4000) return;
  TYPING.at = now;
  TYPING.conversation = STATE.selected;
  api("POST", `/conversations/${STATE.selected}/typing`, {}).catch(() => {});
}

// ---- canned answers and transfer ------------------------------------------------------

// A canned answer joins the operator's draft («Здравствуйте, Иван!») instead of replacing it:
// at the cursor (or over the selection) inside the draft, or after the draft with a blank line
// when the cursor is at its end — where it stays while the operator types the search. The box
// gets the focus back, the cursor after the answer, ready for editing.
function insertAnswer(box, answer) {
  const { value, selectionStart: start, selectionEnd: end } = box;
  const inside = start !== end || value.slice(end).trim() !== "";
  box.focus();
  if (inside) {
    box.setRangeText(answer, start, end, "end");
    keepDraft(STATE.selected, box.value);
    return;
  }
  const draft = value.trimEnd();
  box.value = draft ? `${draft}\n\n${answer}` : answer;
  box.setSelectionRange(box.value.length, box.value.length);
  keepDraft(STATE.selected, box.value);
}

// One of the bot's guesses beside the conversation: a knowledge-base entry's answer goes into
// the reply with «Вставить», like a search result (the guess is often right: one click).
function guessItem(g) {
  const item = el("li", { title: g.answer || g.intent, "data-intent": g.intent || "", "data-id": g.intent || "" },
    el("span", {}, guessTitle(g)), el("span", { class: "conf" }, pct(g.confidence)));
  if (g.answer) {
    const insert = el("button", { class: "plain insert", type: "button" }, "Вставить");
    insert.addEventListener("click", () => insertAnswer($("reply"), g.answer));
    item.append(insert);
  }
  return item;
}

let searchTimer = null;
function searchKb() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const q = $("kb-q").value.trim();
    $("kb-none").hidden = true;
    if (!q) return $("kb-results").replaceChildren();
    const data = await api("GET", `/kb/search?q=${encodeURIComponent(q)}&channel=${STATE.detail ? STATE.detail.channel : ""}`);
    if ($("kb-q").value.trim() !== q) return;  // typed on, or another customer opened since
    $("kb-none").hidden = data.results.length > 0;  // «Ничего не найдено», not an empty box
    $("kb-results").replaceChildren(
      ...data.results.map((r) => {
        const insert = el("button", { class: "plain insert" }, "Вставить");
        insert.addEventListener("click", () => insertAnswer($("reply"), r.answer));
        return el("li", { "data-entry": r.id }, el("strong", {}, r.title), el("p", { class: "small" }, r.answer), insert);
      }),
    );
  }, 200);
}

async function openTransfer() {
  const [ops, teams] = await Promise.all([api("GET", "/operators"), api("GET", "/teams")]);
  const opSelect = $("transfer-operator");
  // A colleague online with every slot taken cannot get it either: «нет мест: 3 из 3» (no gendered «занята»), not «в сети».
  const full = (o) => o.status === "online" && (o.active_conversations || 0) >= o.capacity;
  const state = (o) => full(o) ? `нет мест: ${o.active_conversations} из ${o.capacity}`
    : o.status === "online" ? "в сети" : o.status === "away" ? "не на месте" : "не в сети";
  opSelect.replaceChildren(el("option", { value: "" }, "—"),
    ...ops.operators.filter((o) => o.id !== ME).map((o) =>
      el("option", { value: String(o.id), disabled: o.status !== "online" || full(o) }, `${o.name} (${state(o)})`)));
  $("transfer-team").replaceChildren(el("option", { value: "" }, "—"), ...teams.teams.map((t) => el("option", { value: t }, (teams.titles || {})[t] || t)));
  $("transfer").hidden = false;
}

async function submitTransfer() {
  const operatorId = $("transfer-operator").value;
  const team = $("transfer-team").value;
  const body = { note: $("transfer-note").value };
  if (operatorId) body.operator_id = Number(operatorId);
  else if (team) body.team = team;
  if (await act("transfer", body)) {
    $("transfer").hidden = true;
    $("transfer-note").value = "";
  }
}
