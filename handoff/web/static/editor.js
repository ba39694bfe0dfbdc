// Content editor: what the bot did not understand, and teaching it in one click.
// Customer text is only ever put into the page with textContent (never innerHTML).
"use strict";

const DECISIONS = { answer: "ответит", clarify: "переспросит", reject: "не понял" };
// What «Проверить бота» says the customer gets, coloured like the decision it is closest to.
const OUTCOME_STYLE = { flow: "answer", handoff: "clarify" };
const PAGE = 20;
const STATE = { entries: [], categories: [], offset: 0, total: 0 };

// Loads of one thing started one after another (a search typed on, quick undos each redrawing
// the page, entries chosen quickly): only the latest one's response is used, whatever order the
// responses arrive in. ``next()`` numbers a new load and gives a test that stays true while it is
// the latest; ``drop()`` makes a load still on its way stale without starting another.
function latestLoad() {
  let started = 0;
  return {
    next() {
      const mine = ++started;
      return () => mine === started;
    },
    drop() {
      started += 1;
    },
  };
}
// The page as a whole (one per undo) and the list of entries (the page's, or a refresh after an
// entry turned out deleted).
const PAGE_LOADS = latestLoad();
const ENTRY_LOADS = latestLoad();

function times(n) {
  const tens = n % 100, ones = n % 10;
  const word = ones >= 2 && ones <= 4 && (tens < 12 || tens > 14) ? "раза" : "раз";
  return `${n} ${word}`;
}

const percent = (value) => `${Math.round((value || 0) * 100)}%`;

function when(iso) {
  const date = new Date(iso);
  return date.toLocaleString("ru-RU", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

function decisionBadge(decision) {
  return el("span", { class: `decision d-${decision}` }, DECISIONS[decision] || decision);
}

// What the customer got then and, when the bot answers the text by now (the table import, a
// hand edit, another teaching), that it does: «уже отвечает: «Адреса магазинов…»».
function itemBadges(item) {
  if (item.decision_now !== "answer" || item.decision === "answer") return [decisionBadge(item.decision)];
  const then = `тогда: ${DECISIONS[item.decision] || item.decision}`;
  return [
    el("span", { class: "decision d-answer now-answers", title: then }, "уже отвечает"),
    item.answered_by ? ` — «${item.answered_by}» (${then})` : ` (${then})`,
  ];
}

// -- unsaved drafts and the length limit ---------------------------------------------------
// Every box an editor writes into is «draftable»: it remembers the text it was loaded with
// (``box.base``) and what it is (``data-what``). A box whose text differs is an unsaved draft:
// the page asks before anything throws it away (another entry, an undo, leaving the page).

const LIMIT = 4000;  // the server's limit for an answer, a flow text, a phrase

function draftable(box, base, what) {
  box.classList.add("draftable");
  box.base = base;
  box.dataset.what = what;
  return box;
}

// A box whose save is on its way has ``box.saving`` (the text sent): that text is no draft to
// lose — the save goes on whatever the page shows next, and its result is applied to its own
// text only (see ``aside``). Only what was typed into the box after it was sent is a draft.

// The unsaved drafts (their «what»s) inside ``root`` (the whole page by default).
function unsaved(root) {
  const boxes = [...(root || document).querySelectorAll(".draftable")];
  const what = boxes.filter((b) => b.value.trim() !== (b.base || "").trim()
    && (b.saving === undefined || b.value.trim() !== b.saving.trim())).map((b) => b.dataset.what);
  return [...new Set(what)];
}

// The texts inside ``root`` being saved right now (their «what»s).
function saving(root) {
  const boxes = [...(root || document).querySelectorAll(".draftable")];
  return [...new Set(boxes.filter((b) => b.saving !== undefined).map((b) => b.dataset.what))];
}

// Whether to go on with ``action`` that would throw ``drafts`` away: true when there are none.
// ``busy``: the texts being saved — their saves go on, and the question says so.
function discardOk(drafts, action, busy) {
  if (!drafts.length) return true;
  const going = busy && busy.length ? `\nСохранение уже отправленного текста продолжится (${busy.join("; ")}); пропадёт только то, что дописано после.` : "";
  return window.confirm(`Не сохранено: ${drafts.join("; ")}.\n${action} — и эта правка пропадёт.${going} Продолжить?`);
}

// A result that belongs to something the page no longer shows (a save that finished after the
// editor opened another entry, flow or phrase): said next to that section's picker, never under
// what is shown now. Also «… ещё сохраняется» when the editor switches away from a save.
function aside(anchor, ...nodes) {
  let box = anchor.nextElementSibling;
  if (!box || !box.classList.contains("aside-result")) {
    box = el("div", { class: "result aside-result", role: "status" });
    anchor.after(box);
  }
  box.replaceChildren(...nodes);
  box.hidden = false;
  return box;
}

// «… сохраняется — сохранение продолжится»: said when the editor leaves a text being saved.
function stillSaving(anchor, busy) {
  if (!busy.length) return;
  const note = el("p", { class: "small still-saving" }, stillSavingText(busy));
  note.busy = [...busy];
  aside(anchor, note);
}

function stillSavingText(busy) {
  return `Сохраняется: ${busy.join("; ")} — сохранение продолжится, результат появится здесь.`;
}

// A save that finished (or was refused) is no longer «Сохраняется» next to the picker: the
// editor may have come back to its text, and its result is under it, not here. ``what``: the
// text as ``stillSaving`` named it; the note keeps naming the saves still on their way.
function savingDone(anchor, what) {
  const box = anchor.nextElementSibling;
  const note = box && box.classList.contains("aside-result") ? box.querySelector(".still-saving") : null;
  if (!note) return;
  note.busy = note.busy.filter((w) => w !== what);
  if (note.busy.length) {
    note.textContent = stillSavingText(note.busy);
    return;
  }
  note.remove();
  if (!box.children.length) box.hidden = true;
}

// A refused save of a text no longer shown: the reason and the text that was sent, to copy.
function asideRefusal(anchor, error, what, sent) {
  const box = aside(anchor);
  refusal(box, error);
  box.prepend(el("p", { class: "small" }, `Не сохранено: ${what}.`));
  box.append(el("p", { class: "small" }, "Отправленный текст:"), el("p", { class: "quote my-draft" }, sent));
}

window.addEventListener("beforeunload", (event) => {
  if (!unsaved().length) return;
  event.preventDefault();
  event.returnValue = "";  // the browser's own «Покинуть сайт? Изменения могут не сохраниться»
});

// A live «1234 / 4000» next to a box, red over the limit: nothing cuts the text silently (no
// ``maxlength``); a save over it is refused by the server in Russian and the text stays.
function counter(box, label) {
  const count = label || el("span", { class: "small char-count" });
  const update = () => {
    const n = box.value.trim().length;
    count.textContent = n > LIMIT ? `${n} / ${LIMIT} — на ${n - LIMIT} больше, чем помещается в одно сообщение` : `${n} / ${LIMIT}`;
    count.classList.toggle("over", n > LIMIT);
  };
  box.addEventListener("input", update);
  box.recount = update;
  update();
  return count;
}

// A text box as tall as its text (flows and phrases hold a few lines; none is cut off).
function autosize(box) {
  const fit = () => {
    if (!box.isConnected) return;
    box.style.height = "auto";
    box.style.height = `${box.scrollHeight + 2}px`;
  };
  box.addEventListener("input", fit);
  box.fit = fit;
  requestAnimationFrame(fit);
  return box;
}

// -- the entry picker: a select with every entry, filtered by a search box --------------------

function picker(preselected) {
  const select = el("select", { class: "entry", "data-role": "entry" });
  const fill = (filter) => {
    const wanted = filter.trim().toLowerCase();
    const current = select.value || preselected;
    const options = STATE.entries
      .filter((e) => !wanted || e.title.toLowerCase().includes(wanted) || e.id.includes(wanted) || e.id === current)
      .map((e) => el("option", { value: e.id, selected: e.id === current }, e.title));
    select.replaceChildren(el("option", { value: "" }, "— выберите запись —"), ...options);
    select.value = STATE.entries.some((e) => e.id === current) ? current : "";
  };
  const search = el("input", { type: "search", placeholder: "Найти запись…", class: "entry-search" });
  search.addEventListener("input", () => {
    fill(search.value);
    const first = [...select.options].find((o) => o.value && o.textContent.toLowerCase().includes(search.value.trim().toLowerCase()));
    if (search.value.trim() && first) select.value = first.value;
  });
  fill("");
  select.refill = () => fill(search.value);  // entries added or renamed: see refreshPickers
  return { search, select };
}

// Every entry picker on the page (the answer form's, each «Бот не понял» item's) lists
// ``STATE.entries`` as it is now, keeping what each has chosen.
function refreshPickers() {
  STATE.entries.sort((a, b) => a.title.toLowerCase().localeCompare(b.title.toLowerCase()) || a.id.localeCompare(b.id));
  for (const select of document.querySelectorAll("select[data-role=entry]")) {
    if (select.refill) select.refill();
  }
}

// A 404 «Запись … удалена»: a colleague deleted the entry while this page showed it (the
// message says who and when, and that «Отменить» in the journal brings it back). Every picker
// is refreshed from the server, so the entry is offered nowhere any more. True for such an error.
async function entryGone(error) {
  if ((error.data || {}).error !== "entry_not_found") return false;
  const latest = ENTRY_LOADS.next();
  try {
    const listed = await api("GET", "/editor/entries");
    if (!latest()) return true;  // a later load of the list is drawn instead
    STATE.entries = listed.entries;
    STATE.categories = listed.categories || [];
    refreshPickers();
  } catch (ignored) {
    // the message already says what happened; the lists refresh with the next change
  }
  loadHistory();
  loadHelpfulness();
  return true;
}

// How two questions are compared (knowledge_base/loader.py question_key): case, ё and
// punctuation ignored.
function questionKey(text) {
  return text.toLowerCase().replaceAll("ё", "е").replace(/[^\p{L}\p{N}_\s]+/gu, " ").split(/\s+/).filter(Boolean).join(" ");
}

// -- refusals and conflicts, shown under what the editor did ---------------------------------

// Why a change was refused. ``force`` ({ label, retry }): for «the bot already answers this
// with another entry», a button to do it anyway.
function refusal(box, error, force) {
  const data = error.data || {};
  const list = el("ul");
  for (const problem of data.problems || []) list.append(el("li", {}, problem));
  for (const f of data.failures || []) {
    if (f.message) { list.append(el("li", {}, f.message)); continue; }  // accuracy, explained
    const got = f.got_title || f.got || "ничего";
    list.append(el("li", {}, `«${f.text}»: ожидалось «${f.expected_title || f.expected}», бот выбрал «${got}»`));
  }
  box.replaceChildren(el("p", { class: "error" }, error.message), ...(list.children.length ? [list] : []));
  box.hidden = false;
  if (force && (error.data || {}).error === "answered_elsewhere") {
    const again = el("button", { class: "move-btn", type: "button" }, force.label);
    again.addEventListener("click", force.retry);
    box.append(again);
  }
}

// «Пока вы редактировали, этот текст изменили»: the draft stays in ``textBox``; «Загрузить
// текущий текст» puts the text as it is now there (the new base) and keeps the draft below it
// to copy from, so nothing the editor wrote is lost.
function conflict(box, error, textBox) {
  refusal(box, error);
  if ((error.data || {}).error !== "changed_meanwhile") return;
  loadHistory();  // the journal says who changed it
  const current = error.data.current || "";
  const load = el("button", { class: "plain reload-current", type: "button" }, "Загрузить текущий текст");
  load.addEventListener("click", () => {
    const draft = textBox.value;
    textBox.value = current;
    textBox.base = current;
    if (textBox.recount) textBox.recount();
    if (textBox.fit) textBox.fit();
    box.replaceChildren(el("p", { class: "small" }, "Загружен текущий текст. Ваш вариант — ниже: перенесите из него нужное и сохраните снова."),
      el("p", { class: "quote my-draft" }, draft));
  });
  box.append(load);
}

// -- «Проверить бота» ------------------------------------------------------------------------

$("try-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const data = await api("POST", "/editor/try", { text: $("try-text").value });
    // What the customer gets (a flow, a person, «не понял» with nothing to offer), not only
    // the NLU's reading of the text.
    const outcome = data.outcome || data.decision;
    $("try-decision").replaceChildren(el("span", { class: `decision d-${OUTCOME_STYLE[outcome] || outcome}` },
      data.outcome_title || DECISIONS[outcome] || outcome));
    $("try-decision").className = "";
    $("try-intent").textContent = data.title || data.intent || "";
    $("try-confidence").textContent = percent(data.confidence);
    $("try-answer").textContent = data.answer || "";
    $("try-result").hidden = false;
    show("try-error", "");
  } catch (error) {
    $("try-result").hidden = true;  // the previous question's result must not look like this one's
    show("try-error", error.message);  // next to the form, not in «Бот не понял» far below
  }
});

// Everything on the page from the server: at the start, and after an undo in the journal (which
// may change any of it). An open answer form shows its entry as it is now, or closes if it is gone.
async function loadPage() {
  const page = PAGE_LOADS.next();
  const entries = ENTRY_LOADS.next();
  try {
    const listed = await api("GET", "/editor/entries");
    if (!page()) return;  // a later undo redraws the page
    if (entries()) {  // else a later refresh of the list (an entry deleted) is newer than this one
      STATE.entries = listed.entries;
      STATE.categories = listed.categories || [];
    }
    const open = ANSWER.wanted;  // the entry chosen last, even if still loading
    ANSWER.entry = null;
    answerPicker();
    newEntryButton();
    if (open && STATE.entries.some((e) => e.id === open)) {
      $("ans-entry").value = open;
      await openAnswer(open, true);
    } else {
      ANSWER.wanted = null;
      ANSWER.loads.drop();
      $("ans-form").hidden = true;
      if ($("ans-text").base !== undefined) $("ans-text").base = $("ans-text").value;  // gone
    }
    loadHelpfulness();
    loadHistory();
    loadFlows();
    loadPhrases();
  } catch (error) {
    if (!page()) return;
    show("error", error.message);
  }
  await load(false);
}


// Every editor*.js script is in by now (they run in order, before DOMContentLoaded).
document.addEventListener("DOMContentLoaded", loadPage);
