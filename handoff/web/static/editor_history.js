// «Журнал изменений»: who changed what, newest first (refreshed after each change here), and
// «Отменить»: a change's files go back to what they were before it, through the same validation
// and regression gate as any change. Texts only ever go in with textContent.
"use strict";

const UNDO_NOTES = {
  later_changes: "Файл изменён позже (более поздней правкой или вручную): сначала отмените более поздние правки.",
  too_old: "Правка слишком старая: её файлы больше не хранятся.",
};

// A long answer would crowd the journal: its beginning, the whole text on hover (the API sends an
// edited answer in full) and the line that changed after it.
const clip = (text) => (text.length > 200 ? `${text.slice(0, 200).trimEnd()}…` : text);

function historyLine(h) {
  const line = el("li", { class: `hist-item a-${h.action}${h.undo === "reverted" ? " undone" : ""}`, "data-id": String(h.id) },
    el("span", { class: "small" }, `${when(h.at)} · `),
    el("strong", {}, h.who), ` ${h.action_title}`,
    h.entry_title ? ` «${h.entry_title}»` : "",
    ...(h.text ? [": ", el("span", { class: "hist-text", title: h.text }, clip(h.text))] : []),
    // what an answer edit changed, so that two edits of one answer never read the same
    h.change ? el("span", { class: "small hist-change" }, ` (${h.change})`) : "");
  if (h.undo === "reverted") {
    line.append(el("span", { class: "undone-mark" }, " · отменено"));
  } else if (h.undo === "too_old") {
    line.append(" ", el("span", { class: "small undo-note" }, UNDO_NOTES.too_old));
  } else if (h.undo === "ready" || h.undo === "later_changes") {
    const button = el("button", { class: "plain undo-btn", type: "button" }, "Отменить");
    button.addEventListener("click", () => undo(h, button));
    line.append(" ", button);
    if (h.undo === "later_changes") {
      button.disabled = true;
      button.title = UNDO_NOTES.later_changes;
      // said on the line too: a tooltip is invisible on a touch screen
      line.append(" ", el("span", { class: "small undo-note" }, UNDO_NOTES.later_changes));
    }
    if (h.undo === "ready") {
      const show = el("button", { class: "plain diff-btn", type: "button" }, "Что изменилось");
      show.addEventListener("click", () => toggleDiff(h, line, show));
      line.append(" ", show);
    }
  }
  return line;
}

// The change as a diff of its files (before it → now): what «Отменить» would take back.
async function toggleDiff(h, line, button) {
  const shown = line.querySelector(".diff");
  if (shown) {
    shown.remove();
    button.textContent = "Что изменилось";
    return;
  }
  try {
    const data = await api("GET", `/editor/revisions/${h.id}`);
    const box = el("div", { class: "diff" });
    if (data.message) box.append(el("p", { class: "small" }, data.message));
    for (const file of data.files) {
      box.append(el("pre", {}, ...file.diff.map((text) => el("span", {
        class: text.startsWith("+++") || text.startsWith("---") ? "d-file"
          : text.startsWith("@@") ? "d-hunk" : text.startsWith("+") ? "d-add"
            : text.startsWith("-") ? "d-del" : "d-same",
      }, `${text}\n`))));
    }
    line.append(box);
    button.textContent = "Скрыть изменения";
  } catch (error) {
    refusal($("hist-result"), error);
  }
}

// Reloaded after every change: an older load answering after a newer one is dropped.
const HISTORY_LOADS = latestLoad();
async function loadHistory() {
  const latest = HISTORY_LOADS.next();
  try {
    const data = await api("GET", "/editor/history?limit=30");
    if (!latest()) return;
    $("hist-list").replaceChildren(...data.items.map(historyLine));
    $("hist-empty").hidden = data.items.length > 0;
  } catch (error) {
    if (latest()) refusal($("hist-result"), error);
  }
}

async function undo(h, button) {
  const what = `${h.action_title}${h.entry_title ? ` «${h.entry_title}»` : ""}${h.text ? `: ${h.text}` : ""}`;
  // The undo redraws the whole page from the server: unsaved drafts would be lost, so say so.
  const drafts = unsaved();
  const lost = drafts.length ? `\n\nНе сохранено: ${drafts.join("; ")} — после отмены страница обновится, и эти правки пропадут. Сначала сохраните их или нажмите «Отмена».` : "";
  if (!window.confirm(`Отменить правку «${what}»?\nФайлы вернутся к тому, что было до неё; бот переобучится и пройдёт проверку качества.${lost}`)) return;
  const box = $("hist-result");
  button.disabled = true;
  box.replaceChildren(el("p", { class: "small" }, "Отменяю, переобучаю бота и проверяю качество…"));
  box.hidden = false;
  try {
    const data = await api("POST", "/editor/revert", { action_id: h.id });
    box.replaceChildren(el("p", { class: "ok" }, data.message));
    show("error", "");
    await loadPage();
  } catch (error) {
    refusal(box, error);
    loadHistory();
  }
}
