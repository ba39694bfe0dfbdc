// «Удалить запись» in the answer form. The page first asks the server what deleting would change
// (the questions the bot stops recognising, how often it answered with the entry, the customers'
// questions that go back to «Бот не понял») and what still refers to the entry (buttons, flows,
// the bot's phrases): an entry something refers to is not offered for deletion, the reason is
// shown instead. The confirmation names the entry; the deletion is the same validated, gated,
// journaled change as any, and «Отменить» in the journal brings the entry back.
"use strict";

function deletionRefused(box, plan) {
  box.replaceChildren(
    el("p", { class: "error" }, `Запись «${plan.title}» нельзя удалить: на неё ссылается`),
    el("ul", { class: "references" }, ...plan.references.map((r) => el("li", { "data-kind": r.kind }, r.text))),
    el("p", { class: "small" }, "Сначала уберите или перенаправьте эти ссылки (в файлах контента) — иначе кнопка или сценарий вели бы в никуда."));
  box.hidden = false;
}

// After a deletion: the entry leaves the pickers, the form closes, and what it changed shows —
// the journal's line, the customers' questions back in «Бот не понял», the ratings.
async function afterDeletion(entryId) {
  $("ans-text").base = $("ans-text").value;  // the entry is gone: nothing of it is a draft
  $("q-new").base = $("q-new").value;
  ANSWER.entry = null;
  ANSWER.wanted = null;
  ANSWER.loads.drop();  // a load still on its way is of no use now
  ANSWER.data = null;
  $("ans-form").hidden = true;
  STATE.entries = STATE.entries.filter((e) => e.id !== entryId);
  answerPicker();
  loadHistory();
  loadHelpfulness();
  await load(false);
}

async function deleteEntry() {
  const entry = ANSWER.data;
  const box = $("delete-result");
  if (!entry) return;
  const button = $("entry-delete");
  button.disabled = true;
  box.hidden = true;
  try {
    const plan = await api("GET", `/editor/entries/${encodeURIComponent(entry.id)}/deletion`);
    // Another entry chosen while the plan loaded: nothing is asked or said under that one.
    if (ANSWER.wanted !== entry.id || ANSWER.entry !== entry.id) return;
    if (plan.blocked) {
      deletionRefused(box, plan);
      return;
    }
    const drafts = answerDraft();
    const lost = drafts.length ? `\n\nНе сохранено: ${drafts.join("; ")} — с записью пропадёт и эта правка.` : "";
    if (!window.confirm(`${plan.message}${lost}`)) return;
    box.replaceChildren(el("p", { class: "small" }, "Удаляю запись, переобучаю бота и проверяю качество…"));
    box.hidden = false;
    const data = await api("POST", "/editor/delete-entry", { entry_id: entry.id, version: plan.version });
    box.replaceChildren(el("p", { class: "ok" }, data.message));
    await afterDeletion(entry.id);
  } catch (error) {
    refusal(box, error);
    if ((error.data || {}).error === "changed_meanwhile" && ANSWER.wanted === entry.id) {
      loadHistory();  // who changed it
      ANSWER.entry = null;  // shown again as it is now (the editor agreed to lose the draft)
      await openAnswer(entry.id, true);
      box.hidden = false;  // openAnswer hides only its own boxes
    }
  } finally {
    button.disabled = false;
  }
}
$("entry-delete").addEventListener("click", deleteEntry);
