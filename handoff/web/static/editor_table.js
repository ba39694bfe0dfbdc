// «Таблица»: the knowledge base as a spreadsheet. The chosen file is checked first (what would
// change, or which rows are wrong); «Применить изменения» imports it through the gated reload.
"use strict";

const TABLE = { file: null };

async function sendTable(check) {
  const response = await fetch(`/api/v1/editor/table${check ? "?check=1" : ""}`, {
    method: "POST",
    headers: { "X-CSRF-Token": CSRF, "Content-Type": "text/csv" },
    credentials: "same-origin",
    body: TABLE.file,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(data.message || `Ошибка ${response.status}`, data);
  return data;
}

function tableChange(row) {
  const parts = [];
  if (row.kind === "new") parts.push(`новая запись в ${row.file}`);
  if (row.title_changed) parts.push("новое название");
  if (row.answer_changed) parts.push("новый ответ");
  if (row.added.length) parts.push(`вопросы: +${row.added.map((q) => `«${q}»`).join(", ")}`);
  if (row.removed.length) parts.push(`убрать: ${row.removed.map((q) => `«${q}»`).join(", ")}`);
  return el("li", { class: `table-row table-${row.kind}` }, `строка ${row.line}: «${row.title}» — ${parts.join("; ")}`);
}

function showPlan(plan) {
  const box = $("table-plan");
  const c = plan.counts;
  if (!plan.ok) {
    box.replaceChildren(
      el("p", { class: "error" }, "В таблице ошибки — исправьте их и загрузите снова; ничего не изменено:"),
      el("ul", {}, ...plan.problems.map((p) => el("li", {}, p))));
  } else {
    box.replaceChildren(
      el("p", { id: "table-counts" }, `Новых записей: ${c.new}, изменённых: ${c.changed}, без изменений: ${c.same}.`),
      el("ul", {}, ...plan.rows.map(tableChange)));
  }
  // e.g. a file saved in Windows-1251: the characters it lost were taken from the base
  for (const notice of plan.notices || []) box.append(el("p", { class: "table-notice" }, notice));
  box.hidden = false;
  $("table-apply").hidden = !(plan.ok && c.new + c.changed > 0);
}

$("table-file").addEventListener("change", async () => {
  TABLE.file = $("table-file").files[0] || null;
  $("table-file-name").textContent = TABLE.file ? TABLE.file.name : "Файл не выбран";
  $("table-result").hidden = true;
  $("table-apply").hidden = true;
  if (!TABLE.file) return;
  try {
    showPlan(await sendTable(true));
  } catch (error) {
    $("table-plan").replaceChildren(el("p", { class: "error" }, error.message));
    $("table-plan").hidden = false;
  }
});

$("table-apply").addEventListener("click", async () => {
  const button = $("table-apply");
  button.disabled = true;
  button.textContent = "Переобучаю бота…";
  try {
    const result = await sendTable(false);
    $("table-plan").hidden = true;
    button.hidden = true;
    $("table-result").replaceChildren(el("p", { class: "ok" }, result.message));
    $("table-result").hidden = false;
    const latest = ENTRY_LOADS.next();
    const listed = await api("GET", "/editor/entries");  // new titles and entries in the pickers
    if (latest()) {  // else a later load of the list (an undo meanwhile) is drawn instead
      STATE.entries = listed.entries;
      answerPicker();
      refreshPickers();  // and every «Бот не понял» item's
    }
    loadHistory();
  } catch (error) {
    refusal($("table-result"), error);
  } finally {
    button.disabled = false;
    button.textContent = "Применить изменения";
    $("table-file").value = "";
    $("table-file-name").textContent = "Файл не выбран";
  }
});
