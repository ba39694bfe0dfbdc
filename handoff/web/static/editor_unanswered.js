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
      answeredElsewhere(result, error, createAs, done);
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

// The bot already answers one of the new questions confidently with another entry: name it, and
// offer to teach it that question (one click, usually what the editor wants) before creating a
// second entry for the same thing.
function answeredElsewhere(result, error, createAs, done) {
  const data = error.data || {};
  if (data.error !== "answered_elsewhere" || !data.entry_id) {
    refusal(result, error, { label: "Всё равно создать новую запись", retry: () => createAs(true) });
    return;
  }
  refusal(result, error);
  const teach = el("button", { class: "teach-btn add-to-entry", type: "button" }, `Добавить вопрос в «${data.entry_title}»`);
  const create = el("button", { class: "move-btn create-anyway", type: "button" }, "Всё равно создать новую запись");
  teach.addEventListener("click", async () => {
    teach.disabled = create.disabled = true;
    result.replaceChildren(el("p", { class: "small" }, "Переобучаю бота и проверяю качество…"));
    try {
      done(await api("POST", "/editor/teach", { text: data.question, entry_id: data.entry_id }));
    } catch (again) {
      refusal(result, again);
    }
  });
  create.addEventListener("click", () => createAs(true));
  result.append(el("div", { class: "choices" }, teach, create));
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

let searchTimer = null;
$("un-q").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => load(false), 250);
});
$("un-days").addEventListener("change", () => load(false));
$("un-more").addEventListener("click", () => load(true));
