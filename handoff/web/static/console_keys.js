// Operator console from the keyboard (loaded before console.js; $ and the rest are common.js's):
// list items and the card's past conversations open with Enter or Space like buttons, Esc
// closes the «Шаблоны» panel, and in the «/» list the arrows move and Enter takes the
// highlighted ready reply.
"use strict";

// A list item that opens something: reachable with Tab, announced as a button, opened by a
// click, Enter or Space.
function openable(item, open) {
  item.tabIndex = 0;
  item.setAttribute("role", "button");
  item.addEventListener("click", open);
  item.addEventListener("keydown", (event) => {
    if (event.target !== item || !["Enter", " "].includes(event.key)) return;
    event.preventDefault();  // Space would scroll the list
    open();
  });
  return item;
}

function closeRepliesPanel() {
  $("replies-admin").hidden = true;
  $("replies-open").focus();
}

function escapeClosesPanels(event) {
  if (event.key !== "Escape" || event.defaultPrevented) return;
  if (!$("replies-admin").hidden) closeRepliesPanel();
}

// ---- the «/» list of ready replies ------------------------------------------------------

const PICK = { index: 0 };

function offeredTemplates() {
  return [...$("templates").querySelectorAll("li[data-shortcut]")];
}

function highlightTemplate(index) {
  const items = offeredTemplates();
  if (!items.length) return;
  PICK.index = (index + items.length) % items.length;
  items.forEach((item, i) => {
    item.classList.toggle("active", i === PICK.index);
    item.setAttribute("aria-selected", String(i === PICK.index));
  });
  items[PICK.index].scrollIntoView({ block: "nearest" });
  $("reply").setAttribute("aria-activedescendant", items[PICK.index].id);
}

// A key pressed in the reply box while the list is open; true when the list used it.
function templateKey(event) {
  if ($("templates").hidden) return false;
  if (event.key === "Escape") {
    $("templates").hidden = true;
    return true;
  }
  const items = offeredTemplates();
  if (!items.length) return false;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    highlightTemplate(PICK.index + (event.key === "ArrowDown" ? 1 : -1));
    return true;
  }
  if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
    items[Math.min(PICK.index, items.length - 1)].dispatchEvent(new MouseEvent("mousedown"));
    return true;
  }
  return false;
}
