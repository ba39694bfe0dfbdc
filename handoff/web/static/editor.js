// Content editor: what the bot did not understand, and teaching it in one click.
// Customer text is only ever put into the page with textContent (never innerHTML).
"use strict";

const DECISIONS = { answer: "ответит", clarify: "переспросит", reject: "не понял" };
const PAGE = 20;
const STATE = { entries: [], categories: [], offset: 0, total: 0 };

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

// The unsaved drafts (their «what»s) inside ``root`` (the whole page by default).
function unsaved(root) {
  const boxes = [...(root || document).querySelectorAll(".draftable")];
  const what = boxes.filter((b) => b.value.trim() !== (b.base || "").trim()).map((b) => b.dataset.what);
  return [...new Set(what)];
}

// Whether to go on with ``action`` that would throw ``drafts`` away: true when there are none.
function discardOk(drafts, action) {
  if (!drafts.length) return true;
  return window.confirm(`Не сохранено: ${drafts.join("; ")}.\n${action} — и эта правка пропадёт. Продолжить?`);
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
  return { search, select };
}

// -- the list -------------------------------------------------------------------------------

// Why a change was refused. ``force`` ({ label, retry }): for «the bot already answers this
// with another entry», a button to do it anyway.
function refusal(box, error, force) {
  const data = error.data || {};
  const list = el("ul");
  for (const problem of data.problems || []) list.append(el("li", {}, problem));
  for (const f of data.failures || []) {
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

function renderItem(item) {
  // Preselected only when the bot was fairly sure; otherwise the editor chooses on purpose.
  const { search, select } = picker(item.suggested || "");
  const teach = el("button", { class: "teach-btn", type: "button" }, "Научить");
  const dismiss = el("button", { class: "plain dismiss-btn", type: "button" }, "Не вопрос к FAQ");
  const create = el("button", { class: "plain create-btn", type: "button" }, "Новая запись");
  const result = el("div", { class: "result", hidden: true });
  const form = newEntryForm(item, result, (data) => {
    show("notice", data.message);
    show("error", "");
    removed(li);
  });
  create.addEventListener("click", () => {
    form.hidden = !form.hidden;
    if (!form.hidden) form.querySelector("[name=title]").focus();
  });
  const li = el(
    "li",
    { class: "un-item" },
    el("div", { class: "text" }, item.text),
    el(
      "div",
      { class: "meta" },
      decisionBadge(item.decision),
      ` · ${times(item.count)} · ${when(item.last_at)} · `,
      item.channels.map((c) => CHANNELS[c] || c).join(", "),
    ),
    item.guesses.length
      ? el("ol", { class: "guesses" }, ...item.guesses.map((g) => el("li", {}, `${g.title} — ${percent(g.confidence)}`)))
      : el("p", { class: "small" }, "Догадок нет"),
    el("div", { class: "teach" }, search, select, teach, dismiss, create),
    form,
    result,
  );
  // «force»: the editor confirmed moving a question the bot answers with another entry.
  const teachAs = async (force) => {
    teach.disabled = dismiss.disabled = true;
    teach.textContent = "Учу…";
    result.replaceChildren(el("p", { class: "small" }, "Переобучаю бота и проверяю качество…"));
    result.hidden = false;
    try {
      const data = await api("POST", "/editor/teach", { text: item.text, entry_id: select.value, force });
      const p = data.prediction || {};
      show("notice", `${data.message} На «${data.text}» бот: ${DECISIONS[p.decision] || p.decision} («${p.title || p.intent}», ${percent(p.confidence)}).`);
      show("error", "");
      removed(li);
    } catch (error) {
      refusal(result, error, { label: "Перенести вопрос", retry: () => teachAs(true) });
      teach.disabled = dismiss.disabled = false;
      teach.textContent = "Научить";
    }
  };
  teach.addEventListener("click", () => {
    if (!select.value) {
      refusal(result, new ApiError("Выберите запись базы знаний.", {}));
      return;
    }
    teachAs(false);
  });
  dismiss.addEventListener("click", async () => {
    dismiss.disabled = true;
    try {
      await api("POST", "/editor/dismiss", { text: item.text });
      removed(li);
    } catch (error) {
      refusal(result, error);
      dismiss.disabled = false;
    }
  });
  return li;
}

// «Новая запись»: a question no entry fits gets its own entry (title, section, the ways customers
// ask it — the item's text first — and the answer), written to the section's file and reloaded.
// Without an ``item`` (the button in «Ответы бота») the questions start empty.
function newEntryForm(item, result, done) {
  const first = item ? item.text : "";
  const what = item ? `новая запись для «${first.slice(0, 40)}»` : "новая запись";
  const title = draftable(el("input", { name: "title", type: "text", placeholder: "Название записи — его увидят клиенты в кнопках" }), "", what);
  const category = el("select", { name: "category" },
    el("option", { value: "" }, "— раздел —"),
    ...STATE.categories.map((c) => el("option", { value: c }, c)));
  const questions = draftable(el("textarea", { name: "questions", rows: 3, placeholder: "Как спрашивают клиенты — по одному вопросу в строке" }), first, what);
  questions.setAttribute("aria-label", "Вопросы клиентов, по одному в строке");
  questions.value = first;
  const answer = draftable(el("textarea", { name: "answer", rows: 4, placeholder: "Конкретный ответ: факты и точная ссылка (https://…)" }), "", what);
  const submit = el("button", { class: "create-submit", type: "button" }, "Создать запись");
  const form = el("div", { class: "new-entry", hidden: true },
    el("p", { class: "small" }, "Вопросы клиентов — по одному в строке; чем больше вариантов, тем увереннее бот."),
    title, category, questions, answer, counter(answer), submit);
  const createAs = async (force) => {
    submit.disabled = true;
    result.replaceChildren(el("p", { class: "small" }, "Создаю запись, переобучаю бота и проверяю качество…"));
    result.hidden = false;
    try {
      const data = await api("POST", "/editor/entries", {
        title: title.value, category: category.value, answer: answer.value, force,
        questions: questions.value.split("\n").filter((q) => q.trim()),
      });
      STATE.entries.push({ id: data.entry_id, title: title.value.trim(), category: category.value });
      for (const box of [title, questions, answer]) box.base = box.value;  // saved: no draft
      done(data);
    } catch (error) {
      refusal(result, error, { label: "Всё равно создать", retry: () => createAs(true) });
    }
    submit.disabled = false;
  };
  submit.addEventListener("click", () => createAs(false));
  form.reset = () => {
    for (const box of [title, answer]) box.value = box.base = "";
    questions.value = questions.base = first;
    category.value = "";
    answer.recount();
  };
  return form;
}

// An item taught or dismissed leaves the server's list too: the next page starts one earlier.
function removed(li) {
  loadHistory();
  li.remove();
  STATE.total = Math.max(0, STATE.total - 1);
  STATE.offset = Math.max(0, STATE.offset - 1);
  updateCount();
}

function updateCount() {
  $("un-total").textContent = String(STATE.total);
  $("un-empty").hidden = $("un-list").children.length > 0;
}

async function load(append) {
  if (!append) STATE.offset = 0;
  const params = new URLSearchParams({ q: $("un-q").value, days: $("un-days").value, limit: String(PAGE), offset: String(STATE.offset) });
  try {
    const data = await api("GET", `/editor/unanswered?${params}`);
    const items = data.items.map(renderItem);
    if (append) $("un-list").append(...items);
    else $("un-list").replaceChildren(...items);
    STATE.total = data.total;
    STATE.offset += data.items.length;
    $("un-more").hidden = STATE.offset >= data.total;
    updateCount();
    show("error", "");
  } catch (error) {
    show("error", error.message);
  }
}

// -- «Проверить бота» ------------------------------------------------------------------------

$("try-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const data = await api("POST", "/editor/try", { text: $("try-text").value });
    $("try-decision").replaceChildren(decisionBadge(data.decision));
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

// -- «Ответы бота»: rewrite an entry's answer ------------------------------------------------

const ANSWER = { entry: null, data: null };

function answerDraft() {
  return unsaved($("ans-form"));
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
async function openAnswer(entryId, asked) {
  if (entryId && entryId === ANSWER.entry) {
    $("ans-form").hidden = false;
    return;
  }
  if (!asked && !discardOk(answerDraft(), "Открыть другую запись")) {
    $("ans-entry").value = ANSWER.entry || "";
    return;
  }
  $("ans-pick-note").hidden = true;
  if (!entryId) {
    $("ans-form").hidden = true;
    ANSWER.entry = null;
    $("ans-text").base = $("ans-text").value;
    return;
  }
  try {
    const entry = await api("GET", `/editor/entries/${encodeURIComponent(entryId)}`);
    ANSWER.entry = entry.id;
    ANSWER.data = entry;
    draftable($("ans-text"), entry.answer, `ответ записи «${entry.title}»`);
    $("ans-text").value = entry.answer;
    $("q-new").value = "";
    draftable($("q-new"), "", `вопрос для записи «${entry.title}»`);
    $("ans-source").textContent = entry.source;
    $("ans-variants").textContent = entry.channel_variants.length
      ? `Свой вариант ответа есть для: ${entry.channel_variants.map((c) => CHANNELS[c] || c).join(", ")} — он правится в файле.`
      : "";
    $("ans-result").hidden = true;
    $("q-result").hidden = true;
    renderQuestions(entry);
    $("ans-text").recount();
    $("ans-form").hidden = false;
    show("ans-error", "");
  } catch (error) {
    show("ans-error", error.message);
  }
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
      }
    });
    return el("li", { "data-question": q }, el("span", {}, q), " ", remove);
  }));
}

// «Добавить вопрос»: one more way customers ask, taught to the open entry (the same «Научить»
// as from «Бот не понял»: validated, retrained, gated).
async function addQuestion(force) {
  const entry = ANSWER.data;
  const box = $("q-result");
  if (!entry) return;
  $("q-add").disabled = true;
  box.replaceChildren(el("p", { class: "small" }, "Добавляю, переобучаю бота и проверяю качество…"));
  box.hidden = false;
  try {
    const data = await api("POST", "/editor/teach", { text: $("q-new").value, entry_id: entry.id, force });
    box.replaceChildren(el("p", { class: "ok" }, data.message));
    entry.questions.push(data.text);
    renderQuestions(entry);
    $("q-new").value = $("q-new").base = "";
    loadHistory();
  } catch (error) {
    refusal(box, error, { label: "Всё равно добавить", retry: () => addQuestion(true) });
  }
  $("q-add").disabled = false;
}
$("q-add").addEventListener("click", () => addQuestion(false));
$("q-new").addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    addQuestion(false);
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
async function loadHelpfulness() {
  try {
    const data = await api("GET", "/editor/helpfulness?days=30");
    $("helpful-list").replaceChildren(...data.entries.map((h) => {
      const edit = el("button", { class: "plain edit-answer", type: "button" }, "Править ответ");
      edit.addEventListener("click", async () => {
        $("ans-entry").value = h.entry_id;
        await openAnswer(h.entry_id);
        if (ANSWER.entry === h.entry_id) $("ans-text").focus();
      });
      return el("li", { class: "helpful-item", "data-entry": h.entry_id },
        el("span", { class: "title" }, h.title),
        el("span", { class: "votes" }, ` 👎 ${h.not_helped} · 👍 ${h.helped} `),
        edit);
    }));
    $("helpful").hidden = data.entries.length === 0;
  } catch (error) {
    show("ans-error", error.message);
  }
}

counter($("ans-text"), $("ans-count"));
$("ans-save").addEventListener("click", async () => {
  const box = $("ans-result");
  const text = $("ans-text");
  $("ans-save").disabled = true;
  box.replaceChildren(el("p", { class: "small" }, "Сохраняю, переобучаю бота и проверяю качество…"));
  box.hidden = false;
  try {
    const data = await api("POST", "/editor/answer", { entry_id: ANSWER.entry, answer: text.value, base: text.base });
    box.replaceChildren(el("p", { class: "ok" }, data.message));
    loadHistory();
    text.value = text.base = data.text;
    text.recount();
  } catch (error) {
    conflict(box, error, text);  // the draft stays in the box
  }
  $("ans-save").disabled = false;
});

// «Сценарии»: each text a customer reads in a flow, editable in place (the step's structure
// stays in the file). A refused text (a {placeholder} nobody collects) says why; the file is
// left as it was.
const FLOWS = { list: [], shown: "" };

// A step's Russian name: its place and how its first text begins («Шаг 2 · «Статус вашего
// заказа…»»), not the id in the file («link»).
function stepLabel(step, index) {
  const first = (step.texts[0] || {}).text || "";
  const start = first.split(/\s+/).join(" ").trim();
  const short = start.length > 60 ? `${start.slice(0, 60).trimEnd()}…` : start;
  return short ? `Шаг ${index + 1} · «${short}»` : `Шаг ${index + 1}`;
}

function renderFlow() {
  const wanted = $("flow-pick").value;
  if (FLOWS.shown && wanted !== FLOWS.shown && !discardOk(unsaved($("flow-steps")), "Открыть другой сценарий")) {
    $("flow-pick").value = FLOWS.shown;
    return;
  }
  FLOWS.shown = wanted;
  const flow = FLOWS.list.find((f) => f.id === wanted);
  $("flow-steps").replaceChildren(...(flow ? flow.steps : []).map((step, index) =>
    el("li", { class: "flow-step", "data-step": step.id },
      el("p", { class: "small step-label" }, stepLabel(step, index)),
      ...step.texts.map((t) => flowText(flow, step, t)))));
}

// A text box with «Сохранить» for a flow text or a phrase: ``send(text, base)`` saves it.
function savedBox(label, base, what, send, source, busy) {
  const box = autosize(draftable(el("textarea", { rows: "3", "aria-label": label }), base, what));
  box.value = base;
  const save = el("button", { type: "button", class: "plain" }, "Сохранить");
  const result = el("div", { class: "result", hidden: true });
  save.addEventListener("click", async () => {
    save.disabled = true;
    result.replaceChildren(el("p", { class: "small" }, busy));
    result.hidden = false;
    try {
      const data = await send(box.value, box.base);
      result.replaceChildren(el("p", { class: "ok" }, data.message));
      box.value = box.base = data.text;
      box.recount();
      box.fit();
      loadHistory();
    } catch (error) {
      conflict(result, error, box);
    }
    save.disabled = false;
  });
  const wrap = el("div", { class: "flow-text" },
    el("label", { class: "small" }, `${label} · ${source}`), box,
    el("p", { class: "save-row" }, save, " ", counter(box)), result);
  return { wrap, box };
}

function flowText(flow, step, t) {
  const index = flow.steps.indexOf(step);
  const { wrap, box } = savedBox(t.label, t.text, `сценарий «${flow.title}», шаг ${index + 1}`,
    async (text, base) => {
      const data = await api("POST", "/editor/flow-text", { flow_id: flow.id, step_id: step.id, field: t.field, text, base });
      t.text = data.text;
      return data;
    }, t.source, "Сохраняю и проверяю сценарии…");
  box.dataset.field = t.field;
  return wrap;
}

async function loadFlows() {
  const data = await api("GET", "/editor/flows");
  FLOWS.list = data.flows;
  const shown = FLOWS.shown;
  $("flow-pick").replaceChildren(...data.flows.map((f) => el("option", { value: f.id }, f.title)));
  if (data.flows.some((f) => f.id === shown)) $("flow-pick").value = shown;
  FLOWS.shown = "";  // redrawn as it is now (an undo asked about drafts already)
  renderFlow();
}
$("flow-pick").addEventListener("change", renderFlow);

// «Фразы бота»: the bot's own phrases from domain.yml, one response at a time; each variant
// (per channel) editable in place. A new {placeholder} is refused with the reason.
const PHRASES = { list: [], shown: "" };

function renderPhrase() {
  const wanted = $("phrase-pick").value;
  if (PHRASES.shown && wanted !== PHRASES.shown && !discardOk(unsaved($("phrase-variants")), "Открыть другую фразу")) {
    $("phrase-pick").value = PHRASES.shown;
    return;
  }
  PHRASES.shown = wanted;
  const phrase = PHRASES.list.find((p) => p.name === wanted);
  $("phrase-variants").replaceChildren(...(phrase ? phrase.variants : []).map((v) => phraseText(phrase, v)));
}

function phraseText(phrase, v) {
  const label = v.channel ? `Вариант для канала «${v.channel_title}»` : "Текст";
  const hints = v.placeholders.length ? ` · подстановки: ${v.placeholders.map((p) => `{${p}}`).join(", ")}` : "";
  const { wrap, box } = savedBox(label, v.text, `фраза «${phrase.title}»`,
    async (text, base) => {
      const data = await api("POST", "/editor/phrase", { name: phrase.name, index: v.index, text, base });
      v.text = data.text;
      return data;
    }, `${v.source}${hints}`, "Сохраняю и проверяю…");
  box.dataset.index = v.index;
  wrap.classList.add("phrase-text");
  return wrap;
}

async function loadPhrases() {
  const data = await api("GET", "/editor/phrases");
  PHRASES.list = data.phrases;
  const shown = PHRASES.shown;
  $("phrase-pick").replaceChildren(...data.phrases.map((p) => el("option", { value: p.name }, p.title)));
  if (data.phrases.some((p) => p.name === shown)) $("phrase-pick").value = shown;
  PHRASES.shown = "";
  renderPhrase();
}
$("phrase-pick").addEventListener("change", renderPhrase);

let searchTimer = null;
$("un-q").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => load(false), 250);
});
$("un-days").addEventListener("change", () => load(false));
$("un-more").addEventListener("click", () => load(true));

// Everything on the page from the server: at the start, and after an undo in the journal (which
// may change any of it). An open answer form shows its entry as it is now, or closes if it is gone.
async function loadPage() {
  try {
    const listed = await api("GET", "/editor/entries");
    STATE.entries = listed.entries;
    STATE.categories = listed.categories || [];
    const open = ANSWER.entry;
    ANSWER.entry = null;
    answerPicker();
    newEntryButton();
    if (open && STATE.entries.some((e) => e.id === open)) {
      $("ans-entry").value = open;
      await openAnswer(open, true);
    } else {
      $("ans-form").hidden = true;
      if ($("ans-text").base !== undefined) $("ans-text").base = $("ans-text").value;  // gone
    }
    loadHelpfulness();
    loadHistory();
    loadFlows();
    loadPhrases();
  } catch (error) {
    show("error", error.message);
  }
  await load(false);
}

loadPage();
