// «Бот не понял»: the customers' questions the bot did not answer, each taught to an entry in one
// click, dismissed, or made a new entry of. Customer text only ever goes in with textContent.
"use strict";

function renderItem(item) {
  // Preselected only when the bot was fairly sure; otherwise the editor chooses on purpose.
  const { search, select } = picker(item.suggested || "");
  const teach = el("button", { class: "teach-btn", type: "button" }, "Научить");
  const dismiss = el("button", { class: "plain dismiss-btn", type: "button" }, "Не вопрос к FAQ");
  const create = el("button", { class: "plain create-btn", type: "button" }, "Новая запись");
  const result = el("div", { class: "result", hidden: true });
  // The bot answers the text by now: one click takes it out of the list.
  const answered = item.decision_now === "answer" && item.decision !== "answer";
  const resolve = el("button", { class: "resolve-btn", type: "button", hidden: !answered }, "Убрать");
  const done = (data) => {
    show("notice", data.message);
    show("error", "");
    removed(li);
  };
  const form = newEntryForm(item, result, done);
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
      ...itemBadges(item),
      ` · ${times(item.count)} · ${when(item.last_at)} · `,
      item.channels.map((c) => CHANNELS[c] || c).join(", "),
    ),
    item.guesses.length
      ? el("ol", { class: "guesses" }, ...item.guesses.map((g) => el("li", {}, `${g.title} — ${percent(g.confidence)}`)))
      : el("p", { class: "small" }, "Догадок нет"),
    el("div", { class: "teach" }, ...(answered ? [resolve] : []), search, select, teach, dismiss, create),
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
      teach.disabled = dismiss.disabled = false;
      teach.textContent = "Научить";
      // The chosen entry already has the question: nothing to teach, the item is resolved.
      if ((error.data || {}).error === "duplicate") return resolveItem();
      refusal(result, error, { label: "Перенести вопрос", retry: () => teachAs(true) });
      entryGone(error);  // deleted meanwhile: no picker offers it any more
    }
  };
  const resolveItem = async () => {
    resolve.disabled = teach.disabled = true;
    try {
      done(await api("POST", "/editor/resolve", { text: item.text }));
    } catch (error) {
      refusal(result, error);
      resolve.disabled = teach.disabled = false;
    }
  };
  resolve.addEventListener("click", resolveItem);
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
  const fields = { title, category, questions, answer };
  const createAs = async (force) => {
    submit.disabled = true;
    fieldProblems(fields, []);
    result.replaceChildren(el("p", { class: "small" }, "Создаю запись, переобучаю бота и проверяю качество…"));
    result.hidden = false;
    try {
      const data = await api("POST", "/editor/entries", {
        title: title.value, category: category.value, answer: answer.value, force,
        questions: questions.value.split("\n").filter((q) => q.trim()),
      });
      STATE.entries.push({ id: data.entry_id, title: title.value.trim(), category: category.value, flow: null });
      refreshPickers();  // the new entry in every «выберите запись» at once, not after a reload
      for (const box of [title, questions, answer]) box.base = box.value;  // saved: no draft
      done(data);
    } catch (error) {
      answeredElsewhere(result, error, { item, questions, createAs, done });
      fieldProblems(fields, (error.data || {}).fields || []);
    }
    submit.disabled = false;
  };
  submit.addEventListener("click", () => createAs(false));
  form.reset = () => {
    fieldProblems(fields, []);
    for (const box of [title, answer]) box.value = box.base = "";
    questions.value = questions.base = first;
    category.value = "";
    answer.recount();
  };
  return form;
}

// Every problem of a new entry's form at once, each under its field (a question's names the
// question): the title, the section, the questions, the answer. ``problems`` empty: none shown.
function fieldProblems(fields, problems) {
  for (const box of Object.values(fields)) {
    box.removeAttribute("aria-invalid");
    const next = box.fieldNote;
    if (next) next.remove();
    box.fieldNote = null;
  }
  const byField = new Map();
  for (const p of problems) {
    if (!fields[p.field]) continue;
    const text = p.question && !p.message.includes(p.question) ? `«${p.question}» — ${p.message}` : p.message;
    if (!byField.has(p.field)) byField.set(p.field, []);
    byField.get(p.field).push(text);
  }
  for (const [name, texts] of byField) {
    const box = fields[name];
    const note = el("ul", { class: "field-problem error", "data-field": name }, ...texts.map((t) => el("li", {}, t)));
    box.setAttribute("aria-invalid", "true");
    box.after(note);
    box.fieldNote = note;
  }
}

// The bot already answers one of the new questions confidently with another entry. When it is
// the item's own question (the customer's words), offer to teach it to that entry — that
// answers the item — before creating a second entry for the same thing. When it is another of
// the new entry's phrases, teaching that phrase elsewhere would answer nothing the item asked
// (and lose the form): offer to create the entry without it, to create it anyway, or to cancel;
// the form and the item stay either way.
function answeredElsewhere(result, error, form) {
  const { item, questions, createAs, done } = form;
  const data = error.data || {};
  if (data.error !== "answered_elsewhere" || !data.entry_id) {
    refusal(result, error, { label: "Всё равно создать новую запись", retry: () => createAs(true) });
    return;
  }
  refusal(result, error);
  const create = el("button", { class: "move-btn create-anyway", type: "button" }, "Всё равно создать новую запись");
  create.addEventListener("click", () => createAs(true));
  if (item && questionKey(data.question) === questionKey(item.text)) {
    const teach = el("button", { class: "teach-btn add-to-entry", type: "button" }, `Добавить вопрос в «${data.entry_title}»`);
    teach.addEventListener("click", async () => {
      teach.disabled = create.disabled = true;
      result.replaceChildren(el("p", { class: "small" }, "Переобучаю бота и проверяю качество…"));
      try {
        done(await api("POST", "/editor/teach", { text: item.text, entry_id: data.entry_id }));
      } catch (again) {
        refusal(result, again);
      }
    });
    result.append(el("div", { class: "choices" }, teach, create));
    return;
  }
  const phrase = questionKey(data.question);
  const rest = questions.value.split("\n").filter((q) => q.trim() && questionKey(q) !== phrase);
  result.firstChild.textContent = `На «${data.question}» бот уже уверенно отвечает записью «${data.entry_title}». ` +
    "Если эта фраза о том же, уберите её из новой записи; если ответ на неё должен быть другим — создайте запись всё равно.";
  const choices = [];
  if (rest.length) {
    const without = el("button", { class: "teach-btn create-without", type: "button" }, `Убрать «${data.question}» и создать запись`);
    without.addEventListener("click", () => {
      questions.value = rest.join("\n");
      createAs(false);
    });
    choices.push(without);
  }
  const cancel = el("button", { class: "plain cancel-create", type: "button" }, "Отмена");
  cancel.addEventListener("click", () => {
    result.replaceChildren();
    result.hidden = true;
  });
  result.append(el("div", { class: "choices" }, ...choices, create, cancel));
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
  $("nav-un-total").textContent = String(STATE.total);
  $("un-empty").hidden = $("un-list").children.length > 0;
}

// A search typed on, a period changed, «Показать ещё»: only the latest load is drawn. A new
// search hides «Показать ещё» until its first page is in (a next page of the old results
// appended to the new ones would be neither).
const UNANSWERED_LOADS = latestLoad();
async function load(append) {
  if (!append) {
    STATE.offset = 0;
    $("un-more").hidden = true;
  }
  const latest = UNANSWERED_LOADS.next();
  const params = new URLSearchParams({ q: $("un-q").value, days: $("un-days").value, limit: String(PAGE), offset: String(STATE.offset) });
  try {
    const data = await api("GET", `/editor/unanswered?${params}`);
    if (!latest()) return;
    const items = data.items.map(renderItem);
    if (append) $("un-list").append(...items);
    else $("un-list").replaceChildren(...items);
    STATE.total = data.total;
    STATE.offset += data.items.length;
    $("un-more").hidden = STATE.offset >= data.total;
    updateCount();
    show("error", "");
  } catch (error) {
    if (latest()) show("error", error.message);
  }
}

let searchTimer = null;
$("un-q").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => load(false), 250);
});
$("un-days").addEventListener("change", () => load(false));
$("un-more").addEventListener("click", () => load(true));
