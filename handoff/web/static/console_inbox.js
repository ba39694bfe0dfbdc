// Operator console, administrators only: customers' messages the bot gave up on after repeated
// failures (handoff/failed_inbox.py). A notice in the header counts them; its list shows each
// (channel, customer, when, what failed, the message) to retry or dismiss. Loaded after
// console.js; checked on load and every minute.
"use strict";

const INBOX_POLL_MS = 60000;

function inboxWord(n) {
  const tens = n % 100, ones = n % 10;
  if (tens >= 11 && tens <= 14) return "сообщений";
  if (ones === 1) return "сообщение";
  if (ones >= 2 && ones <= 4) return "сообщения";
  return "сообщений";
}

function inboxWhen(iso) {
  return new Date(iso).toLocaleString("ru-RU", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

function inboxItem(event) {
  const who = event.customer_name || `пользователь ${event.user_id}`;
  const retry = el("button", { type: "button", class: "retry" }, "Повторить");
  const dismiss = el("button", { type: "button", class: "plain dismiss" }, "Убрать");
  retry.addEventListener("click", () => inboxAct(event, "retry", [retry, dismiss]));
  dismiss.addEventListener("click", () => {
    if (!window.confirm(`Убрать сообщение от «${who}» без обработки? Клиент не получит ответа.`)) return;
    inboxAct(event, "dismiss", [retry, dismiss]);
  });
  return el("li", { "data-id": event.id },
    el("div", { class: "meta small" },
      `${CHANNELS[event.channel] || event.channel} · ${who} · ${inboxWhen(event.received_at)}`),
    el("p", { class: "quote" }, event.text),
    el("p", { class: "small why" }, `Ошибка: ${event.error || "неизвестна"} (попыток: ${event.attempts})`),
    el("p", { class: "actions" }, retry, dismiss));
}

async function inboxAct(event, action, buttons) {
  for (const b of buttons) b.disabled = true;
  show("inbox-failed-error", "");
  show("inbox-failed-notice", "");
  try {
    const done = await api("POST", `/inbox/failed/${event.id}/${action}`);
    if (action === "dismiss") show("inbox-failed-notice", "Сообщение убрано.");
    else if (done.outcome === "processed") show("inbox-failed-notice", "Обработано: сообщение дошло до бота.");
    else show("inbox-failed-error", `Снова не удалось: ${done.error || "ошибка"}. Сообщение осталось в списке.`);
  } catch (error) {
    show("inbox-failed-error", error.message);
  }
  await refreshFailedInbox();
}

async function refreshFailedInbox() {
  let data;
  try {
    data = await api("GET", "/inbox/failed");
  } catch (error) {
    return;  // offline: the next round tries again; the connection notice says the rest
  }
  const open = $("inbox-failed-open");
  open.hidden = data.total === 0;
  $("inbox-failed-count").textContent = `Бот не обработал ${data.total} ${inboxWord(data.total)}`;
  $("inbox-failed-list").replaceChildren(...data.events.map(inboxItem));
  if (data.total === 0 && !$("inbox-failed").hidden && !$("inbox-failed-notice").textContent) {
    $("inbox-failed").hidden = true;
  }
}

function initFailedInbox() {
  $("inbox-failed-open").addEventListener("click", () => {
    show("inbox-failed-notice", "");
    show("inbox-failed-error", "");
    $("inbox-failed").hidden = false;
    refreshFailedInbox();
  });
  $("inbox-failed-close").addEventListener("click", () => { $("inbox-failed").hidden = true; });
  refreshFailedInbox();
  setInterval(refreshFailedInbox, INBOX_POLL_MS);
}

initFailedInbox();
