// «Ответы бота»: an entry's answer rewritten, its questions added or taken out, a new entry, and
// the answers customers said did not help. Texts only ever go in with textContent.
"use strict";

// ``saving``: the answers being saved, by entry id (the text sent); ``adding``: the entries a
// question is being added to. A save belongs to its entry, whatever the form shows meanwhile.
// ``entry``: the entry the form shows; ``wanted``: the one chosen last (being loaded while it
// differs); ``loads``: the entry's loads (``latestLoad``) — only the latest one's response is put
// in the form, an older entry's response that arrives later is dropped. ``landed``: results of saves that ended
// while their entry was being loaded into the form (see ``land``).
const ANSWER = { entry: null, wanted: null, data: null, loads: latestLoad(), landed: [], saving: new Map(), adding: new Set() };

// A save's result goes to its entry: under it when the form shows it; when the entry is being
// loaded into the form, under it as soon as it is drawn; otherwise next to the picker.
// ``apply``: puts the result in the form; ``elsewhere``: says it next to the picker.
function land(entryId, apply, elsewhere) {
  if (ANSWER.wanted === entryId && ANSWER.entry === entryId) apply();
  else if (ANSWER.wanted === entryId) ANSWER.landed.push({ entryId, apply, elsewhere });
  else elsewhere();
}

// The results waiting for their entry's load: applied if ``drawn`` is their entry (it is in the
// form now), said next to the picker otherwise (another entry was chosen, or the load failed).
function flushLanded(drawn) {
  const waiting = ANSWER.landed;
  ANSWER.landed = [];
  for (const r of waiting) (r.entryId === drawn ? r.apply : r.elsewhere)();
}

function answerDraft() {
  return unsaved($("ans-form"));
}

// What of the shown entry is being saved: «ответ записи «…»», «вопрос «…» для записи «…»».
function answerBusy() {
  const busy = saving($("ans-form"));
  if (ANSWER.data && ANSWER.adding.has(ANSWER.entry)) busy.push(`вопрос для записи «${ANSWER.data.title}»`);
  return busy;
}

function answerPicker() {
  const { search, select } = picker("");
  select.id = "ans-entry";
  search.id = "ans-search";
  const note = el("span", { class: "small pick-note", id: "ans-pick-note", hidden: true });
  select.addEventListener("change", () => openAnswer(select.value));
  search.addEventListener("input", () => {
    // With an unsaved answer, typing only filters the list: opening another entry is a choice
    // in the list, and the page asks first.
    if (ANSWER.entry && answerDraft().length) {
      select.value = ANSWER.entry;
      note.textContent = "Ответ не сохранён — чтобы открыть другую запись, выберите её в списке.";
      note.hidden = false;
      return;
    }
    note.hidden = true;
    openAnswer(select.value);
  });
  $("ans-pick").replaceChildren(search, select, note);
}

// ``asked``: the editor already agreed to lose the draft (an undo reloads the page).
// Entries chosen quickly one after another: only the last one's response fills the form (each
// choice is a new load in ``ANSWER.loads``), whatever order the responses arrive in.
async function openAnswer(entryId, asked) {
  if (entryId && entryId === ANSWER.entry) {
    ANSWER.loads.drop();  // back at the entry shown: a load of another one still on its way is dropped
    ANSWER.wanted = entryId;
    flushLanded(entryId);
    $("ans-form").hidden = false;
    return;
  }
  const busy = answerBusy();
  // While another entry loads, the editor has already agreed to leave the one in the form.
  const leaving = ANSWER.wanted === ANSWER.entry;
  if (!asked && leaving && !discardOk(answerDraft(), "Открыть другую запись", busy)) {
    $("ans-entry").value = ANSWER.wanted || "";
    return;
  }
  if (ANSWER.entry && leaving) stillSaving($("ans-pick"), busy);
  $("ans-pick-note").hidden = true;
  const latest = ANSWER.loads.next();
  ANSWER.wanted = entryId || null;
  flushLanded(null);  // what waited for an entry no longer chosen goes next to the picker
  if (!entryId) {
    $("ans-form").hidden = true;
    ANSWER.entry = null;
    $("ans-text").base = $("ans-text").value;
    return;
  }
  try {
    const entry = await api("GET", `/editor/entries/${encodeURIComponent(entryId)}`);
    if (!latest()) return;  // another entry was chosen meanwhile: this one is stale
    ANSWER.entry = entry.id;
    ANSWER.data = entry;
    // An answer still being saved shows the text sent (its result lands here when it is in).
    const sent = ANSWER.saving.get(entry.id);
    draftable($("ans-text"), entry.answer, `ответ записи «${entry.title}»`);
    $("ans-text").value = sent === undefined ? entry.answer : sent;
    $("ans-text").saving = sent;
    $("ans-save").disabled = sent !== undefined;
    $("q-add").disabled = ANSWER.adding.has(entry.id);
    $("q-new").value = "";
    draftable($("q-new"), "", `вопрос для записи «${entry.title}»`);
    $("ans-source").textContent = entry.source;
    flowNote(entry.id);
    orderNote(entry.id);
    $("ans-variants").textContent = entry.channel_variants.length
      ? `Свой вариант ответа есть для: ${entry.channel_variants.map((c) => CHANNELS[c] || c).join(", ")} — он правится в файле.`
      : "";
    $("ans-result").replaceChildren(el("p", { class: "small" }, "Сохраняю, переобучаю бота и проверяю качество…"));
    $("ans-result").hidden = sent === undefined;
    $("delete-result").hidden = true;
    $("q-result").replaceChildren(el("p", { class: "small" }, "Добавляю, переобучаю бота и проверяю качество…"));
    $("q-result").hidden = !ANSWER.adding.has(entry.id);
    renderQuestions(entry);
    $("ans-text").recount();
    $("ans-form").hidden = false;
    show("ans-error", "");
    flushLanded(entry.id);
  } catch (error) {
    if (!latest()) return;
    flushLanded(null);
    show("ans-error", error.message);
  }
}

// An entry whose questions start a flow: customers asking them get the flow, not this answer,
// so editing the answer alone changes nothing they see. Said above the text, with a link to
// the flow in «Сценарии».
function flowNote(entryId) {
  let note = $("ans-flow");
  if (!note) {
    note = el("p", { class: "ans-flow", id: "ans-flow", role: "note" });
    $("ans-text").before(note);
  }
  const listed = STATE.entries.find((e) => e.id === entryId);
  const flow = listed && listed.flow;
  note.hidden = !flow;
  if (!flow) {
    note.replaceChildren();
    return;
  }
  const link = el("a", { href: "#flows-title" }, `сценарий «${flow.title}»`);
  link.addEventListener("click", () => {
    const pick = $("flow-pick");
    if (pick && [...pick.options].some((o) => o.value === flow.id) && pick.value !== flow.id) {
      pick.value = flow.id;
      pick.dispatchEvent(new Event("change"));
    }
  });
  note.replaceChildren(el("span", { class: "decision d-clarify" }, "Сценарий"), " Клиенты, которые спрашивают об этом, получают ", link,
    ", а не этот ответ: то, что они увидят, меняется в «Сценариях».");
}

// An entry whose answer asks for the order number (asks_order_number: true in its file): the
// number a customer sends after it goes to a person with this topic (bot/order_topic.py), not
// to «Где мой заказ». Said above the text, so an editor who drops the request knows the mark.
function orderNote(entryId) {
  let note = $("ans-order");
  if (!note) {
    note = el("p", { class: "ans-flow", id: "ans-order", role: "note" });
    $("ans-text").before(note);
  }
  const listed = STATE.entries.find((e) => e.id === entryId);
  note.hidden = !(listed && listed.asks_order_number);
  note.replaceChildren(...(note.hidden ? [] : [
    el("span", { class: "decision d-clarify" }, "Номер заказа"),
    " Ответ просит номер заказа (asks_order_number в файле записи): номер, который клиент пришлёт после него, бот передаёт сотруднику с этой темой. Убрали просьбу из текста — уберите и пометку в файле.",
  ]));
}

// The entry's questions, each with «×»: a wrong «Научить» is taken back the same validated,
// gated way it was made (the file is put back if the reload refuses).
function renderQuestions(entry) {
  $("ans-questions").replaceChildren(...entry.questions.map((q) => {
    const remove = el("button", { type: "button", class: "plain remove-q", title: "Убрать вопрос" }, "×");
    remove.addEventListener("click", async () => {
      if (!window.confirm(`Убрать вопрос «${q}» из записи?`)) return;
      remove.disabled = true;
      const box = $("q-result");
      box.replaceChildren(el("p", { class: "small" }, "Убираю, переобучаю бота и проверяю качество…"));
      box.hidden = false;
      try {
        const data = await api("POST", "/editor/remove-question", { entry_id: entry.id, question: q });
        box.replaceChildren(el("p", { class: "ok" }, data.message));
        entry.questions = entry.questions.filter((x) => x !== q);
        renderQuestions(entry);
        loadHistory();
      } catch (error) {
        refusal(box, error);
        remove.disabled = false;
        entryGone(error);
      }
    });
    return el("li", { "data-question": q }, el("span", {}, q), " ", remove);
  }));
}

// «Добавить вопрос»: one more way customers ask, taught to the open entry (the same «Научить»
// as from «Бот не понял»: validated, retrained, gated). One at a time per entry: a second Enter
// while the first is saving does nothing (it would only be told «уже есть»). What is typed into
// the box meanwhile stays; the result goes to the entry it was for (``aside`` if another is
// shown by then). ``text``: the question to send (a retry sends the refused one again).
async function addQuestion(force, text) {
  const entry = ANSWER.data;
  const box = $("q-result");
  const input = $("q-new");
  if (!entry || ANSWER.adding.has(entry.id)) return;
  const sent = text === undefined ? input.value : text;
  const shown = () => ANSWER.entry === entry.id;
  ANSWER.adding.add(entry.id);
  $("q-add").disabled = true;
  box.replaceChildren(el("p", { class: "small" }, "Добавляю, переобучаю бота и проверяю качество…"));
  box.hidden = false;
  try {
    const data = await api("POST", "/editor/teach", { text: sent, entry_id: entry.id, force });
    loadHistory();
    land(entry.id, () => {
      box.replaceChildren(el("p", { class: "ok" }, data.message));
      box.hidden = false;
      if (!ANSWER.data.questions.includes(data.text)) ANSWER.data.questions.push(data.text);
      renderQuestions(ANSWER.data);
      if (input.value.trim() === sent.trim()) input.value = "";  // typed meanwhile: kept
      input.base = "";
    }, () => aside($("ans-pick"), el("p", { class: "ok" }, data.message)));
  } catch (error) {
    land(entry.id,
      () => refusal(box, error, { label: "Всё равно добавить", retry: () => addQuestion(true, sent) }),
      () => asideRefusal($("ans-pick"), error, `вопрос для записи «${entry.title}»`, sent));
    entryGone(error);
  } finally {
    ANSWER.adding.delete(entry.id);
    savingDone($("ans-pick"), `вопрос для записи «${entry.title}»`);
    if (shown()) $("q-add").disabled = false;
  }
}
$("q-add").addEventListener("click", () => addQuestion(false));
$("q-new").addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    if (!$("q-add").disabled) addQuestion(false);
  }
});

// «Новая запись» without a «Бот не понял» item: e.g. for a question the bot answers confidently
// but wrongly (it never reaches that list). Once created, the entry opens in the answer form.
function newEntryButton() {
  const result = $("new-entry-result");
  const form = newEntryForm(null, result, async (data) => {
    result.replaceChildren(el("p", { class: "ok" }, data.message));
    form.reset();
    form.hidden = true;
    loadHistory();
    answerPicker();
    $("ans-entry").value = data.entry_id;
    await openAnswer(data.entry_id);
  });
  form.id = "new-entry-form";
  $("new-entry-box").replaceChildren(form);
  $("new-entry-btn").onclick = () => {
    form.hidden = !form.hidden;
    if (!form.hidden) form.querySelector("[name=title]").focus();
  };
  $("new-entry-btn").disabled = false;  // disabled in the page until the sections are known
}

// Answers customers said did not help, the least helpful first: one click opens the answer.
// An entry deleted since keeps its title (from the journal) and has no answer left to edit.
const HELPFUL_LOADS = latestLoad();
async function loadHelpfulness() {
  const latest = HELPFUL_LOADS.next();
  try {
    const data = await api("GET", "/editor/helpfulness?days=30");
    if (!latest()) return;  // a later load (after another change) is drawn instead
    $("helpful-list").replaceChildren(...data.entries.map((h) => {
      let edit = el("span", { class: "small gone" }, "(запись удалена)");
      if (!h.deleted) {
        edit = el("button", { class: "plain edit-answer", type: "button" }, "Править ответ");
        edit.addEventListener("click", async () => {
          $("ans-entry").value = h.entry_id;
          await openAnswer(h.entry_id);
          if (ANSWER.entry === h.entry_id) $("ans-text").focus();
        });
      }
      return el("li", { class: `helpful-item${h.deleted ? " deleted" : ""}`, "data-entry": h.entry_id },
        el("span", { class: "title" }, h.title),
        el("span", { class: "votes" }, ` 👎 ${h.not_helped} · 👍 ${h.helped} `),
        edit);
    }));
    $("helpful").hidden = data.entries.length === 0;
  } catch (error) {
    if (latest()) show("ans-error", error.message);
  }
}

counter($("ans-text"), $("ans-count"));
// «Сохранить ответ»: the save belongs to the entry it was made for. Another entry opened
// meanwhile keeps its own text; the result is said next to the picker (``aside``), and shown
// under the entry only while it is the one in the form. What is typed into the box during the
// save stays (a draft over the saved text), instead of being replaced by it.
$("ans-save").addEventListener("click", async () => {
  const box = $("ans-result");
  const text = $("ans-text");
  const entry = ANSWER.data;
  if (!entry || ANSWER.saving.has(entry.id)) return;
  const sent = text.value;
  const shown = () => ANSWER.entry === entry.id;
  ANSWER.saving.set(entry.id, sent);
  text.saving = sent;
  $("ans-save").disabled = true;
  box.replaceChildren(el("p", { class: "small" }, "Сохраняю, переобучаю бота и проверяю качество…"));
  box.hidden = false;
  try {
    const data = await api("POST", "/editor/answer", { entry_id: entry.id, answer: sent, base: text.base });
    loadHistory();
    const drawn = shown();  // in the form all along (else drawn again from a load: the sent text)
    land(entry.id, () => {
      box.replaceChildren(el("p", { class: "ok" }, data.message));
      box.hidden = false;
      if (!drawn || text.value === sent) text.value = data.text;  // typed meanwhile: kept
      text.base = data.text;
      text.recount();
    }, () => aside($("ans-pick"), el("p", { class: "ok" }, data.message)));
  } catch (error) {
    const drawn = shown();
    land(entry.id, () => {
      if (!drawn) text.value = sent;  // the text sent stays in the box, to copy
      conflict(box, error, text);
      text.recount();
    }, () => asideRefusal($("ans-pick"), error, `ответ записи «${entry.title}»`, sent));
    entryGone(error);
  } finally {
    ANSWER.saving.delete(entry.id);
    savingDone($("ans-pick"), `ответ записи «${entry.title}»`);
    if (shown()) {
      text.saving = undefined;
      $("ans-save").disabled = false;
    }
  }
});
