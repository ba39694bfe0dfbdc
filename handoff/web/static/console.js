// Operator console. Every piece of customer- or operator-written text is put into the page
// with textContent (never innerHTML), so a message like <img onerror=…> shows as text.
"use strict";

const meta = (name) => document.querySelector(`meta[name="${name}"]`).content;
const ME = Number(meta("operator-id"));
const GOAL = Number(meta("sla-goal")) || 60;
const WARN = GOAL * 0.75;

const OWNERS = { bot: "бот", queued: "в очереди", operator: "у оператора", closed: "закрыт" };
const STATE = { view: "queued", selected: null, detail: null, lists: {}, clockOffset: 0, noteMode: false, found: null, landed: false };

const BASE_TITLE = document.title;

const showError = (message) => show("error", message);

function time(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleTimeString("ru-RU", { hour: "2-digit", minute: "2-digit" });
}

// ---- lists ---------------------------------------------------------------------------

let [listsAsked, listsShown] = [0, 0];  // answers can arrive out of order
async function refreshLists() {
  const asked = ++listsAsked;
  // The four lists in one request: one answer, each conversation summarised once.
  const data = await api("GET", "/conversations?views=queued,mine,team,all");
  if (asked < listsShown) return;  // a newer answer is shown already
  listsShown = asked;
  for (const [view, conversations] of Object.entries(data.views)) {
    STATE.lists[view] = conversations;
    $(`count-${view}`).textContent = String(conversations.length);
  }
  STATE.clockOffset = new Date(data.now).getTime() - Date.now();
  // The tab says what waits for this operator, so a new customer is noticed from another tab:
  // the queue plus their own conversations whose customer waits for a reply — the live floor's
  // rule, sent by the server (awaitsReply), not «the customer wrote last».
  const waiting = (STATE.lists.queued || []).length + (STATE.lists.mine || []).filter(awaitsReply).length;
  document.title = waiting ? `(${waiting}) ${BASE_TITLE}` : BASE_TITLE;
  if (!STATE.landed) {  // the first lists: an operator who has customers starts on «Мои»
    STATE.landed = true;
    if ((STATE.lists.mine || []).length && STATE.view === "queued" && STATE.found === null) showView("mine");
  }
  renderList();
  NOTIFY.lists(STATE.lists);  // desktop notices and a sound while the tab is in the background
}

function showView(view) {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.classList.toggle("active", tab.dataset.view === view);
    tab.setAttribute("aria-selected", String(tab.dataset.view === view));
  }
  STATE.view = view;
}

function renderList() {
  const searching = STATE.found !== null;
  const items = searching ? STATE.found : STATE.lists[STATE.view] || [];
  const list = $("list");
  const focused = list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  refreshKeyed(list, items.map(listItem));  // a click during a refresh still opens its item
  // A refresh or an opened conversation keeps the keyboard where it was.
  if (focused) list.querySelector(`li.conv[data-id="${focused}"]`)?.focus();
  $("list-empty").textContent = searching ? "Ничего не найдено" : "Пусто";
  $("list-empty").hidden = items.length > 0;
  document.querySelector(".tabs").classList.toggle("dimmed", searching);
  tickSla();
}

// Search across all conversations, open or closed: a name, a phone, «№123», an order number
// the customer typed. While the box has text the list shows what was found.
let findTimer = null;
function findConversations() {
  clearTimeout(findTimer);
  findTimer = setTimeout(async () => {
    const q = $("find").value.trim();
    if (!q) {
      STATE.found = null;
      renderList();
      return;
    }
    try {
      const data = await api("GET", `/search?q=${encodeURIComponent(q)}`);
      if ($("find").value.trim() !== q) return;  // typed on since: a newer search follows
      STATE.found = data.conversations;
      renderList();
    } catch (error) {
      showError(error.message);
    }
  }, 250);
}

function listItem(conv) {
  const waited = waitedSeconds(conv);
  const item = el(
    "li",
    { class: `conv ${conv.id === STATE.selected ? "selected" : ""}`, "data-id": conv.id, "data-owner": conv.owner,
      "aria-current": conv.id === STATE.selected ? "true" : null },
    el("div", { class: "row" }, el("span", { class: "name" }, conv.customer.name), channelBadge(conv.channel)),
    el("div", { class: "row small" },
      // Why a person has it; the owner is said once, on the line below («бот», «в очереди»).
      el("span", { class: "reason" }, conv.escalation ? conv.escalation.title : ""),
      timerNode(conv, waited)),
    conv.match
      ? el("div", { class: "match small" }, conv.match.snippet ? `${conv.match.why}: ${conv.match.snippet}` : conv.match.why)
      : el("div", { class: "last small", title: preview(conv) }, preview(conv)),
    el("div", { class: "row small" },
      el("span", {}, OWNERS[conv.owner] + (conv.operator ? ` · ${conv.operator.name}` : "")),
      conv.team ? el("span", { class: "team" }, conv.team_title || conv.team) : null),
  );
  item.dataset.waiting = waited === null ? "" : "1";
  item.dataset.newest = conv.last_message ? conv.last_message.text : "";  // anyone's, e.g. a reply
  return openable(item, () => select(conv.id));
}

// What the customer last said (what the operator triages by), not the bot's «Передаю…» or
// «Сейчас операторы не на связи…» after it; a conversation the customer never wrote in shows
// its last message.
function preview(conv) {
  const said = conv.last_customer_message || conv.last_message;
  return said ? said.text : "";
}

// ---- one conversation -----------------------------------------------------------------

// Drafts per conversation: an unfinished reply stays with its customer when the operator opens
// another conversation (it never waits in another customer's box), and survives a reload of
// this tab (sessionStorage).
const DRAFTS_KEY = "zabota.drafts";
const DRAFTS = (() => {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFTS_KEY) || "{}") || {};
  } catch (error) {
    return {};
  }
})();

function keepDraft(id, text) {
  if (id === null || id === undefined) return;
  if (text) DRAFTS[id] = text;
  else delete DRAFTS[id];
  try {
    sessionStorage.setItem(DRAFTS_KEY, JSON.stringify(DRAFTS));
  } catch (error) {
    // storage full or disabled: drafts still follow their conversation until a reload
  }
}

// The box writes either to the customer or a note for colleagues, never both: in note mode
// nothing tells the customer that someone is typing, and only «Сохранить заметку» is offered.
// Opening another conversation starts in reply mode again.
function setNoteMode(on) {
  STATE.noteMode = on;
  show("blank-why", "");
  $("mode-reply").classList.toggle("active", !on);
  $("mode-note").classList.toggle("active", on);
  $("mode-reply").setAttribute("aria-selected", String(!on));
  $("mode-note").setAttribute("aria-selected", String(on));
  $("reply").classList.toggle("note-mode", on);
  $("reply").placeholder = on ? "Заметка для коллег — клиент её не увидит…" : "Ответ клиенту… («/» — шаблоны)";
  $("send").hidden = on;
  $("file-pick").hidden = on;
  $("reply").closest(".composer").classList.toggle("noting", on);
  $("note-send").hidden = !on;
}

// The open conversation opens again after a reload of this tab, as its draft is kept (one per
// operator: another login in this tab starts on the lists).
const OPEN_KEY = `zabota.open.${ME}`;
function keepOpen(id) {
  try {
    if (id === null) sessionStorage.removeItem(OPEN_KEY);
    else sessionStorage.setItem(OPEN_KEY, String(id));
  } catch (error) {
    // storage disabled: a reload starts on the lists
  }
}

// After a reload: the conversation that was open, if it still exists and nothing else has been
// opened meanwhile (a click during the page's start wins).
async function reopen() {
  let id = null;
  try {
    id = Number(sessionStorage.getItem(OPEN_KEY)) || null;
  } catch (error) {
    return;
  }
  if (id === null || STATE.selected !== null) return;
  try {
    await select(id);
  } catch (error) {
    if (STATE.selected !== id) return;  // another conversation was opened meanwhile
    STATE.selected = null;
    $("reply").value = "";
    renderList();
    if (error.data && error.data.error === "network") showError(error.message);  // the next reload tries again
    else keepOpen(null);  // gone: the lists, as before, and no error for it
  }
}

async function select(id) {
  if (id !== STATE.selected) {
    keepDraft(STATE.selected, $("reply").value);
    $("reply").value = DRAFTS[id] || "";
    show("blank-why", "");
    setNoteMode(false);
    $("customer-typing").hidden = true;
    $("kb-q").value = "";  // the knowledge-base search was for the other customer
    $("kb-results").replaceChildren();
    $("kb-none").hidden = true;
    show("warning", "");
  }
  STATE.selected = id;
  keepOpen(id);
  showError("");
  renderList();
  await refreshDetail();
}

async function refreshDetail() {
  if (STATE.selected === null) return;
  const detail = await api("GET", `/conversations/${STATE.selected}`);
  if (detail.id !== STATE.selected) return;  // another was opened meanwhile (e.g. during a reopen)
  // The customer's new message ends their «печатает…» (other refreshes leave it).
  const said = detail.messages.filter((m) => m.author === "customer").map((m) => m.id).pop();
  const before = STATE.detail && STATE.detail.id === detail.id
    ? STATE.detail.messages.filter((m) => m.author === "customer").map((m) => m.id).pop()
    : said;
  if (said !== before) $("customer-typing").hidden = true;
  STATE.detail = detail;
  renderDetail(detail);
}

function renderDetail(c) {
  renderLabels(c);
  $("placeholder").hidden = true;
  $("conversation").hidden = false;
  $("context").hidden = false;
  $("c-title").textContent = `${c.customer.name} · диалог №${c.id}`;
  $("transcript").href = `/api/v1/conversations/${c.id}/transcript.txt`;
  $("c-meta").replaceChildren(
    ...[
      channelBadge(c.channel),
      el("span", { class: `owner owner-${c.owner}`, id: "c-owner" }, OWNERS[c.owner]),
      c.operator ? el("span", { id: "c-operator" }, `Оператор: ${c.operator.name}`) : null,
      c.team ? el("span", { class: "team" }, `Команда: ${c.team_title || c.team}`) : null,
      c.rating ? el("span", { class: "rating" }, `Оценка: ${c.rating}`) : null,
    ].filter(Boolean),
  );
  const mine = c.owner === "operator" && c.operator && c.operator.id === ME;
  $("take").hidden = !["queued", "bot"].includes(c.owner);
  $("transfer-open").hidden = !(mine || c.owner === "queued");
  $("return").hidden = !(mine || c.owner === "queued");
  $("close").hidden = !(mine || c.owner === "queued");
  // Only the conversation's own operator writes to the customer: text and files alike, and the
  // box says why (a note for colleagues is always possible).
  const colleague = c.owner === "operator" && !mine;
  const shut = c.owner === "closed" || colleague;
  $("send").disabled = shut;
  $("file").disabled = shut;
  $("file-pick").classList.toggle("disabled", shut);
  $("file-pick").setAttribute("aria-disabled", String(shut));
  show("send-why", colleague
    ? `Диалог ведёт ${c.operator ? c.operator.name : "другой оператор"} — клиенту отвечает только ведущий оператор. Можно оставить заметку для коллег.`
    : c.owner === "closed" ? "Диалог закрыт — ответить клиенту отсюда нельзя." : "");

  const messages = $("messages");
  const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  const older = c.history_truncated
    ? [el("li", { class: "history-note small", "data-id": "older" }, "Показаны последние 1000 сообщений клиента")]
    : [];
  let page = null;  // «Со страницы: …» where the customer's page changes, not on every message
  const items = [...older, ...c.messages.map((m) => {
    const item = messageItem(m, c.id, page);
    if (m.page) page = m.page.url;
    return item;
  })];
  // Another conversation starts afresh; the same one keeps the messages it shows (refreshKeyed),
  // so a new message does not drop the operator's text selection or reload the photos.
  if (messages.dataset.conv !== String(c.id)) messages.replaceChildren(...items);
  else refreshKeyed(messages, items);
  if (atBottom || messages.dataset.conv !== String(c.id)) messages.scrollTop = messages.scrollHeight;
  messages.dataset.conv = String(c.id);

  const x = c.escalation_context || {};
  $("x-reason").textContent = c.escalation ? c.escalation.title : "Не эскалирован";
  $("x-message").textContent = x.message || "";
  // What the customer wrote for the case besides that message (bot/case_details.py).
  const details = (x.details || []).filter((d) => d !== x.message);
  $("x-details-box").hidden = details.length === 0;
  $("x-details").textContent = details.join("\n");
  refreshKeyed($("guesses"), (c.guesses || []).map(guessItem));
  $("handover").hidden = !c.handover;
  if (c.handover) {
    $("handover-text").textContent = `${c.handover.from}${c.handover.to ? " → " + c.handover.to : ""}${c.handover.team ? " → команда " + (c.handover.team_title || c.handover.team) : ""}: ${c.handover.note || "без заметки"}`;
  }
  const flow = Object.entries(c.flow || {});
  $("flow").hidden = flow.length === 0;
  $("flow-data").replaceChildren(...flow.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, typeof v === "string" ? v : JSON.stringify(v))]));

  const card = c.customer_card;
  renderMerge(card);
  renderNotes(card);
  $("card-name").textContent = card.name;
  $("card-phone").textContent = card.phone ? `Телефон: ${card.phone}` : "";
  $("card-erased").hidden = !card.erased_at;
  $("card-erased").textContent = card.erased_at
    ? `Персональные данные удалены ${new Date(card.erased_at).toLocaleDateString("ru-RU")}`
    : "";
  if ($("forget")) $("forget").hidden = Boolean(card.erased_at);
  $("card-blocked").hidden = !card.blocked_at;
  $("card-blocked").textContent = card.blocked_at
    ? `Заблокирован ${new Date(card.blocked_at).toLocaleDateString("ru-RU")}: бот отвечает, к операторам не попадает`
    : "";
  // The customer blocked the bot in the messenger replies go to (bot/reachability.py).
  $("unreachable").hidden = !card.channels.some((ch) => ch.channel === c.channel && ch.blocked);
  $("block").hidden = Boolean(card.blocked_at || card.erased_at);
  $("unblock").hidden = !card.blocked_at;
  $("card-channels").replaceChildren(...card.channels.map((ch) => el("li", {}, channelBadge(ch.channel), ch.name || "")));
  const earlier = (card.conversations_total || 0) - card.conversations.length;
  refreshKeyed($("card-conversations"), [
    ...card.conversations.map((p) => el("li", {
      class: p.id === c.id ? "current" : "past",
      "data-id": p.id,
      title: p.id === c.id ? null : "Открыть этот диалог",
      tabindex: p.id === c.id ? null : "0",
      role: p.id === c.id ? null : "button",
    },
    `№${p.id} · ${new Date(p.created_at).toLocaleDateString("ru-RU")} · ${OWNERS[p.owner]}`,
    p.owner === "closed" && !p.reason ? " · только бот" : "",
    p.operator ? ` · ${p.operator}` : "",
    (p.labels || []).length ? el("span", { class: "card-labels" }, ` · ${p.labels.join(", ")}`) : null,
    el("span", { class: "rating", title: p.rating_comment || "" }, p.rating ? ` · оценка ${p.rating}` : "",
      p.rating_reason ? ` (${p.rating_reason.toLowerCase()})` : "",
      p.rating_comment ? ` · «${p.rating_comment.length > 80 ? `${p.rating_comment.slice(0, 80).trimEnd()}…` : p.rating_comment}»` : ""))),
    ...(earlier > 0 ? [el("li", { class: "small earlier", "data-id": "earlier" }, `и ещё ${earlier} более ранних — найдите по «№»`)] : []),
  ]);
}

// The customer's other conversations open on a click or Enter; the items are kept between
// redraws (refreshKeyed), so the list listens once and reads which item it is.
function openPastConversation(event) {
  const item = event.target.closest("#card-conversations li.past");
  if (!item) return;
  if (event.type === "keydown") {
    if (event.target !== item || !["Enter", " "].includes(event.key)) return;
    event.preventDefault();  // Space would scroll the list
  }
  select(Number(item.dataset.id));
}
$("card-conversations").addEventListener("click", openPastConversation);
$("card-conversations").addEventListener("keydown", openPastConversation);

// «Закрыть» on a queued customer nobody has answered yet reads to them as «Оператор завершил
// диалог» without a word from a person: asked first.
async function closeConversation() {
  await ACTS.pending;  // «Взять» just pressed: decide on what it made of the conversation
  const c = STATE.detail;
  if (c && c.owner === "queued" && !c.first_response_at && !window.confirm(
    "Клиенту ещё никто не ответил. Закрыть диалог? Клиент прочитает «Оператор завершил диалог».",
  )) return;
  await act("close");
}

// A button that changes the conversation is pressed once: a double click would send the action
// twice, and the second would fail («Диалог уже закрыт.»).
async function once(button, work) {
  if (button.disabled) return;
  button.disabled = true;
  try {
    await work();
  } finally {
    button.disabled = false;
  }
}

// The last action still running: «Закрыть» pressed right after «Взять» waits for it.
const ACTS = { pending: Promise.resolve(true) };
function act(path, body) {
  const running = actNow(path, body);
  ACTS.pending = running;
  return running;
}

async function actNow(path, body) {
  showError("");
  show("warning", "");
  NOTIFY.own(STATE.selected);  // taking or answering it is no news to this operator
  try {
    const done = await api("POST", `/conversations/${STATE.selected}/${path}`, body || {});
    await Promise.all([refreshDetail(), refreshLists()]);
    if (done && done.warning) show("warning", done.warning);  // e.g. nobody else in that team is online
    return true;
  } catch (error) {
    showError(error.message);
    return false;
  }
}

// The box is cleared at once (so the next message can be typed) and restored on failure.
async function submitText(kind) {
  const box = $("reply");
  const text = box.value.trim();
  const id = STATE.selected;
  if (!text) {  // only spaces: nothing goes, and the box says why
    show("blank-why", kind === "notes"
      ? "Заметка пустая — напишите текст, чтобы её сохранить."
      : "Нечего отправлять: ответ пустой. Напишите текст клиенту.");
    box.focus();
    return;
  }
  show("blank-why", "");
  box.value = "";
  keepDraft(id, "");
  if (await act(kind, { text })) return;
  // Not sent: the text goes back to its own conversation's draft, even if another is open now.
  if (STATE.selected === id && !box.value) box.value = text;
  if (!DRAFTS[id]) keepDraft(id, text);
}

// A photo or document for the customer; the text in the box (if any) goes as its caption.
async function submitFile(input) {
  const file = input.files[0];
  input.value = "";  // the same file can be picked again after a failure
  if (!file || !STATE.selected) return;
  const id = STATE.selected;
  const caption = $("reply").value.trim();
  const form = new FormData();
  form.append("file", file, file.name);
  NOTIFY.own(id);
  if (caption) form.append("caption", caption);
  showError("");
  try {
    await api("POST", `/conversations/${id}/files`, form);
  } catch (error) {
    showError(error.message);
    return;
  }
  if (caption && STATE.selected === id && $("reply").value.trim() === caption) $("reply").value = "";
  if (caption) keepDraft(id, "");
  await Promise.all([refreshDetail(), refreshLists()]);
}

// ---- live updates ----------------------------------------------------------------------

// The operator's status as the server has it: changed in another tab, or set to «Не на месте» by
// the server when all consoles were closed, it shows here too (nothing is routed to «away»).
let refreshTimer = null;
function scheduleRefresh(conversationId) {
  clearTimeout(refreshTimer);
  const detail = conversationId === null || conversationId === STATE.selected;
  refreshTimer = setTimeout(() => {
    refreshLists().catch(() => {});
    if (detail) refreshDetail().catch(() => {});
  }, 100);
}

let customerTyping = null;
const EVENTS = { source: null };
function connect() {
  const source = new EventSource("/api/v1/events");
  EVENTS.source = source;
  // (Re)connected: what was missed, the status too (the server's «Не на месте» while away).
  source.addEventListener("hello", () => { $("live").classList.add("on"); refreshLists().catch(() => {}); refreshMe(); });
  source.addEventListener("change", (event) => {
    const data = JSON.parse(event.data);
    if (data.kind === "operator" && data.operator_id === ME) refreshMe();  // another tab's «Не на месте»
    if (data.kind === "receipt") {  // «доставлено», «прочитано»: only the open reply changes
      if (data.conversation_id === STATE.selected) refreshDetail().catch(() => {});
      return;
    }
    if (data.kind === "customer_notes") {  // «Заметки о клиенте»: only that customer's open card
      const card = STATE.detail && STATE.detail.customer_card;
      if (card && card.id === data.customer_id) refreshDetail().catch(() => {});
      return;
    }
    scheduleRefresh(data.conversation_id);
  });
  // The web chat's customer is typing in the open conversation: shown until they send, or 6 s.
  source.addEventListener("typing", (event) => {
    const data = JSON.parse(event.data);
    if (data.conversation_id !== STATE.selected) return;
    $("customer-typing").hidden = false;
    clearTimeout(customerTyping);
    customerTyping = setTimeout(() => { $("customer-typing").hidden = true; }, 6000);
  });
  source.onerror = () => $("live").classList.remove("on");
}

function init() {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => {
      showView(tab.dataset.view);
      $("find").value = "";  // a tab ends the search
      STATE.found = null;
      renderList();
    });
  }
  $("take").addEventListener("click", () => once($("take"), () => act("assign")));
  $("close").addEventListener("click", () => once($("close"), closeConversation));
  if ($("forget")) $("forget").addEventListener("click", forgetCustomer);
  $("block").addEventListener("click", () => blockCustomer(true));
  $("unblock").addEventListener("click", () => blockCustomer(false));
  $("return").addEventListener("click", () => once($("return"), () => act("return")));
  $("transfer-open").addEventListener("click", () => openTransfer().catch((e) => showError(e.message)));
  $("transfer-cancel").addEventListener("click", () => { $("transfer").hidden = true; });
  $("transfer-submit").addEventListener("click", () => once($("transfer-submit"), submitTransfer));
  $("send").addEventListener("click", () => submitText("reply"));
  $("note-send").addEventListener("click", () => submitText("notes"));
  $("file").addEventListener("change", (event) => submitFile(event.target));
  $("mode-reply").addEventListener("click", () => { setNoteMode(false); $("reply").focus(); });
  $("mode-note").addEventListener("click", () => { setNoteMode(true); $("reply").focus(); });
  $("reply").addEventListener("input", typing);
  $("reply").addEventListener("input", offerTemplates);
  $("reply").addEventListener("blur", () => { $("templates").hidden = true; });
  $("replies-open").addEventListener("click", () => {
    $("replies-admin").hidden = false;
    $("reply-shortcut").focus();
    loadReplies().catch((e) => show("replies-error", e.message));
  });
  $("replies-close").addEventListener("click", closeRepliesPanel);
  document.addEventListener("keydown", escapeClosesPanels);
  $("reply-add").addEventListener("click", addReply);
  $("reply").addEventListener("input", () => keepDraft(STATE.selected, $("reply").value));
  $("reply").addEventListener("input", () => { if ($("reply").value.trim()) show("blank-why", ""); });
  $("reply").addEventListener("keydown", (event) => {
    if (templateKey(event)) {  // the «/» list: arrows move, Enter takes, Esc closes
      event.preventDefault();
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      $(STATE.noteMode ? "note-send" : "send").click();
    }
  });
  $("kb-q").addEventListener("input", searchKb);
  $("find").addEventListener("input", findConversations);
  $("status").addEventListener("change", async () => {
    try {
      await chooseStatus($("status").value);
      await refreshLists();
    } catch (error) {
      showError(error.message);
    }
  });
  $("away-auto-back").addEventListener("click", async () => {
    try {
      await chooseStatus("online");
      await refreshLists();
    } catch (error) {
      showError(error.message);
    }
  });
  setInterval(tickSla, 1000);
  setInterval(refreshMe, 60000);
  // Back online: fetch what was missed (and the «Нет связи» notice goes with the answer).
  window.addEventListener("online", () => {
    if (EVENTS.source && EVENTS.source.readyState === EventSource.CLOSED) connect();
    refreshLists().catch(() => {});
    refreshMe();
  });
  loadLabels().then(() => { if (STATE.detail) renderLabels(STATE.detail); });
  refreshLists().then(reopen).catch((e) => showError(e.message));
  connect();
  // A click on a notice opens its conversation, on the tab it is in.
  NOTIFY.init((id, view) => { document.querySelector(`.tab[data-view="${view}"]`).click(); select(id).catch((e) => showError(e.message)); });
}

init();
