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

function renderItem(item) {
  // Preselected only when the bot was fairly sure; otherwise the editor chooses on purpose.
  const { search, select } = picker(item.suggested || "");
  const teach = el("button", { class: "teach-btn", type: "button" }, "Научить");
  const dismiss = el("button", { class: "plain dismiss-btn", type: "button" }, "Не вопрос к FAQ");
  const create = el("button", { class: "plain create-btn", type: "button" }, "Новая запись");
  const result = el("div", { class: "result", hidden: true });
  const form = newEntryForm(item, result, () => removed(li));
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
function newEntryForm(item, result, done) {
  const title = el("input", { name: "title", type: "text", maxLength: 80, placeholder: "Название записи — его увидят клиенты в кнопках" });
  const category = el("select", { name: "category" },
    el("option", { value: "" }, "— раздел —"),
    ...STATE.categories.map((c) => el("option", { value: c }, c)));
  const questions = el("textarea", { name: "questions", rows: 3 });
  questions.setAttribute("aria-label", "Вопросы клиентов, по одному в строке");
  questions.value = item.text;
  const answer = el("textarea", { name: "answer", rows: 4, maxLength: 4000, placeholder: "Конкретный ответ: факты и точная ссылка (https://…)" });
  const submit = el("button", { class: "create-submit", type: "button" }, "Создать запись");
  const form = el("div", { class: "new-entry", hidden: true },
    el("p", { class: "small" }, "Вопросы клиентов — по одному в строке; чем больше вариантов, тем увереннее бот."),
    title, category, questions, answer, submit);
  const createAs = async (force) => {
    submit.disabled = true;
    result.replaceChildren(el("p", { class: "small" }, "Создаю запись, переобучаю бота и проверяю качество…"));
    result.hidden = false;
    try {
      const data = await api("POST", "/editor/entries", {
        title: title.value, category: category.value, answer: answer.value, force,
        questions: questions.value.split("\n").filter((q) => q.trim()),
      });
      show("notice", data.message);
      show("error", "");
      STATE.entries.push({ id: data.entry_id, title: title.value.trim(), category: category.value });
      done();
    } catch (error) {
      refusal(result, error, { label: "Всё равно создать", retry: () => createAs(true) });
    }
    submit.disabled = false;
  };
  submit.addEventListener("click", () => createAs(false));
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
    show("error", "");
  } catch (error) {
    $("try-result").hidden = true;  // the previous question's result must not look like this one's
    show("error", error.message);
  }
});

// -- «Ответы бота»: rewrite an entry's answer ------------------------------------------------

const ANSWER = { entry: null };

function answerPicker() {
  const { search, select } = picker("");
  select.id = "ans-entry";
  search.id = "ans-search";
  select.addEventListener("change", () => openAnswer(select.value));
  search.addEventListener("input", () => openAnswer(select.value));
  $("ans-pick").replaceChildren(search, select);
}

async function openAnswer(entryId) {
  if (!entryId || entryId === ANSWER.entry) {
    if (!entryId) $("ans-form").hidden = true;
    return;
  }
  try {
    const entry = await api("GET", `/editor/entries/${encodeURIComponent(entryId)}`);
    ANSWER.entry = entry.id;
    $("ans-text").value = entry.answer;
    $("ans-source").textContent = entry.source;
    $("ans-variants").textContent = entry.channel_variants.length
      ? `Свой вариант ответа есть для: ${entry.channel_variants.map((c) => CHANNELS[c] || c).join(", ")} — он правится в файле.`
      : "";
    $("ans-result").hidden = true;
    $("q-result").hidden = true;
    renderQuestions(entry);
    countAnswer();
    $("ans-form").hidden = false;
  } catch (error) {
    show("error", error.message);
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

// Answers customers said did not help, the least helpful first: one click opens the answer.
async function loadHelpfulness() {
  try {
    const data = await api("GET", "/editor/helpfulness?days=30");
    $("helpful-list").replaceChildren(...data.entries.map((h) => {
      const edit = el("button", { class: "plain edit-answer", type: "button" }, "Править ответ");
      edit.addEventListener("click", () => {
        $("ans-entry").value = h.entry_id;
        openAnswer(h.entry_id);
        $("ans-text").focus();
      });
      return el("li", { class: "helpful-item", "data-entry": h.entry_id },
        el("span", { class: "title" }, h.title),
        el("span", { class: "votes" }, ` 👎 ${h.not_helped} · 👍 ${h.helped} `),
        edit);
    }));
    $("helpful").hidden = data.entries.length === 0;
  } catch (error) {
    show("error", error.message);
  }
}

function countAnswer() {
  $("ans-count").textContent = `${$("ans-text").value.length} из 4000 символов`;
}

$("ans-text").addEventListener("input", countAnswer);
$("ans-save").addEventListener("click", async () => {
  const box = $("ans-result");
  $("ans-save").disabled = true;
  box.replaceChildren(el("p", { class: "small" }, "Сохраняю, переобучаю бота и проверяю качество…"));
  box.hidden = false;
  try {
    const data = await api("POST", "/editor/answer", { entry_id: ANSWER.entry, answer: $("ans-text").value });
    box.replaceChildren(el("p", { class: "ok" }, data.message));
    loadHistory();
    $("ans-text").value = data.text;
    countAnswer();
    show("error", "");
  } catch (error) {
    refusal(box, error);
  }
  $("ans-save").disabled = false;
});

// «Сценарии»: each text a customer reads in a flow, editable in place (the step's structure
// stays in the file). A refused text (a {placeholder} nobody collects) says why; the file is
// left as it was.
const FLOWS = { list: [] };

function renderFlow() {
  const flow = FLOWS.list.find((f) => f.id === $("flow-pick").value);
  $("flow-steps").replaceChildren(...(flow ? flow.steps : []).map((step) =>
    el("li", { class: "flow-step", "data-step": step.id },
      el("p", { class: "small" }, `Шаг «${step.id}»`),
      ...step.texts.map((t) => flowText(flow, step, t)))));
}

function flowText(flow, step, t) {
  const box = el("textarea", { rows: "3", maxlength: "4000", "aria-label": t.label, "data-field": t.field });
  box.value = t.text;
  const save = el("button", { type: "button", class: "plain" }, "Сохранить");
  const result = el("div", { class: "result", hidden: true });
  save.addEventListener("click", async () => {
    save.disabled = true;
    result.replaceChildren(el("p", { class: "small" }, "Сохраняю и проверяю сценарии…"));
    result.hidden = false;
    try {
      const data = await api("POST", "/editor/flow-text", { flow_id: flow.id, step_id: step.id, field: t.field, text: box.value });
      result.replaceChildren(el("p", { class: "ok" }, data.message));
      t.text = data.text;
      box.value = data.text;
      loadHistory();
    } catch (error) {
      refusal(result, error);
    }
    save.disabled = false;
  });
  return el("div", { class: "flow-text" },
    el("label", { class: "small" }, `${t.label} · ${t.source}`), box, save, result);
}

async function loadFlows() {
  const data = await api("GET", "/editor/flows");
  FLOWS.list = data.flows;
  $("flow-pick").replaceChildren(...data.flows.map((f) => el("option", { value: f.id }, f.title)));
  renderFlow();
}
$("flow-pick").addEventListener("change", renderFlow);

// «Фразы бота»: the bot's own phrases from domain.yml, one response at a time; each variant
// (per channel) editable in place. A new {placeholder} is refused with the reason.
const PHRASES = { list: [] };

function renderPhrase() {
  const phrase = PHRASES.list.find((p) => p.name === $("phrase-pick").value);
  $("phrase-variants").replaceChildren(...(phrase ? phrase.variants : []).map((v) => phraseText(phrase, v)));
}

function phraseText(phrase, v) {
  const label = v.channel ? `Вариант для канала «${v.channel_title}»` : "Текст";
  const box = el("textarea", { rows: "3", maxlength: "4000", "aria-label": label, "data-index": v.index });
  box.value = v.text;
  const save = el("button", { type: "button", class: "plain" }, "Сохранить");
  const result = el("div", { class: "result", hidden: true });
  save.addEventListener("click", async () => {
    save.disabled = true;
    result.replaceChildren(el("p", { class: "small" }, "Сохраняю и проверяю…"));
    result.hidden = false;
    try {
      const data = await api("POST", "/editor/phrase", { name: phrase.name, index: v.index, text: box.value });
      result.replaceChildren(el("p", { class: "ok" }, data.message));
      v.text = data.text;
      box.value = data.text;
      loadHistory();
    } catch (error) {
      refusal(result, error);
    }
    save.disabled = false;
  });
  const hints = v.placeholders.length ? ` · подстановки: ${v.placeholders.map((p) => `{${p}}`).join(", ")}` : "";
  return el("div", { class: "flow-text phrase-text" },
    el("label", { class: "small" }, `${label} · ${v.source}${hints}`), box, save, result);
}

async function loadPhrases() {
  const data = await api("GET", "/editor/phrases");
  PHRASES.list = data.phrases;
  $("phrase-pick").replaceChildren(...data.phrases.map((p) => el("option", { value: p.name }, p.title)));
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
    if (open && STATE.entries.some((e) => e.id === open)) {
      $("ans-entry").value = open;
      await openAnswer(open);
    } else {
      $("ans-form").hidden = true;
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
