// Operator console: the waiting timers of the lists (loaded before console.js; STATE, GOAL,
// WARN, el and time are the console's).
"use strict";

// How long the customer has waited for a person, on the goal's clock: the server measured
// ``seconds`` at ``at`` and says whether the clock is ``running`` (working hours, with
// handoff.sla_in_working_hours) and when that changes — closing time stops it, the next
// opening starts it — so a question asked at night is not red all night.
//
// After the first reply the customer waits again whenever they wrote after the operator's last
// message: ``awaiting_reply_since`` (the server's one rule, the live floor's too — the bot's
// «Оператор Анна уже читает…» is no reply), counted on the wall clock as the floor counts it.
function waitedSeconds(conv) {
  const s = conv.sla;
  const now = Date.now() + STATE.clockOffset;
  if (!s || !["ok", "warn", "late"].includes(s.state)) {
    if (!conv.awaiting_reply_since) return null;
    return Math.max((now - new Date(conv.awaiting_reply_since).getTime()) / 1000, 0);
  }
  const at = new Date(s.at).getTime();
  const change = s.changes_at ? new Date(s.changes_at).getTime() : null;
  let waited = s.seconds;
  if (s.running) waited += (Math.min(now, change === null ? now : change) - at) / 1000;
  else if (change !== null && now > change) waited += (now - change) / 1000;
  return Math.max(waited, 0);
}

// A customer is waiting for a person: the same notion in the tab's title, the list's timer and
// the live floor (handoff/live.py).
function awaitsReply(conv) {
  return conv.owner === "queued" || Boolean(conv.awaiting_reply_since);
}

function clockPaused(conv) {
  const s = conv.sla;
  if (!s || s.running === undefined || !["ok", "warn", "late"].includes(s.state)) return false;
  const now = Date.now() + STATE.clockOffset;
  const passed = s.changes_at !== null && now > new Date(s.changes_at).getTime();
  return s.running === passed;  // stopped, or stopped since at closing time
}

function slaClass(seconds) {
  if (seconds === null) return "";
  return seconds > GOAL ? "sla-late" : seconds > WARN ? "sla-warn" : "sla-ok";
}

function formatWait(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} ч ${Math.floor((s % 3600) / 60)} мин`;
  return s < 60 ? `${s} с` : `${Math.floor(s / 60)} мин ${s % 60} с`;
}

// The page counts past one change of the clock by itself (closing time, or the opening); once
// a change has passed, the lists are fetched again so the next one is known too.
let clockChangeSeen = 0;
function refetchAfterClockChange() {
  const now = Date.now() + STATE.clockOffset;
  const changes = Object.values(STATE.lists).flat()
    .map((c) => (c.sla && c.sla.changes_at ? new Date(c.sla.changes_at).getTime() : null))
    .filter((t) => t !== null && t > clockChangeSeen && t <= now);
  if (!changes.length) return;
  clockChangeSeen = Math.max(...changes);
  refreshLists().catch(() => {});
}

function tickSla() {
  refetchAfterClockChange();
  for (const item of document.querySelectorAll("#list li.conv")) {
    const shown = STATE.found !== null ? STATE.found : STATE.lists[STATE.view] || [];
    const conv = shown.find((c) => c.id === Number(item.dataset.id));
    if (!conv) continue;
    const waited = waitedSeconds(conv);
    item.classList.remove("sla-ok", "sla-warn", "sla-late");
    const cls = slaClass(waited);
    if (cls) item.classList.add(cls);
    const timer = item.querySelector(".timer");
    if (timer) timer.replaceWith(timerNode(conv, waited));
  }
}

function timerNode(conv, waited) {
  const paused = waited !== null && clockPaused(conv);
  return el("span", {
    class: paused ? "timer paused" : "timer",
    "data-escalated": conv.escalated_at || "",
    title: waited === null ? "" : timerTitle(conv, paused),
  }, waited === null ? "" : (paused ? "⏸ " : "") + formatWait(waited));
}

// The timer counts the goal's clock; what the customer lived is in its hint.
function timerTitle(conv, paused) {
  const first = conv.sla && ["ok", "warn", "late"].includes(conv.sla.state);
  if (!first) return `Ждёт ответа с ${time(conv.awaiting_reply_since)}`;
  const since = new Date(conv.escalated_at);
  const lived = (Date.now() + STATE.clockOffset - since.getTime()) / 1000;
  const day = since.toLocaleDateString("ru-RU", { day: "numeric", month: "long" });
  const today = new Date(Date.now() + STATE.clockOffset).toLocaleDateString("ru-RU", { day: "numeric", month: "long" });
  const hint = `Ждёт с ${day === today ? "" : day + " "}${time(conv.escalated_at)} (${formatWait(lived)})`;
  if (paused) return `${hint}. Нерабочее время: цель по первому ответу считается с открытия`;
  return conv.sla && conv.sla.changes_at ? `${hint}; цель считается только в рабочее время` : hint;
}
