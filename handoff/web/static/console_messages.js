// Operator console: one message of the conversation as the operator sees it — who wrote it,
// from which channel, its delivery state, attachments, the page it came from and what the bot
// understood (loaded before console.js; el and time are the console's). All text goes in via
// textContent.
"use strict";

const AUTHORS = { customer: "Клиент", bot: "Бот", operator: "Оператор", system: "Система" };
const DECISIONS = { answer: "понял", clarify: "не уверен", reject: "не понял" };
const ATTACHMENT_KINDS = {
  photo: "Фото", document: "Документ", audio: "Аудио", video: "Видео", sticker: "Стикер", file: "Файл",
};

function channelBadge(channel) {
  return el("span", { class: `badge ch-${channel}` }, CHANNELS[channel] || channel);
}

// What the bot understood, by name: an entry's title or a service intent's Russian name (the
// server adds them). Without one the intent is an entry deleted since: said so, not its raw id.
const GONE_ENTRY = "(запись удалена)";
function guessTitle(g) {
  return g.title || (g.intent ? GONE_ENTRY : "—");
}

function pct(value) {
  return value === null || value === undefined ? "" : `${Math.round(value * 100)}%`;
}

function messageItem(m, currentId, lastPage) {
  const who = m.author === "operator" && m.operator ? `${AUTHORS.operator} ${m.operator}` : AUTHORS[m.author] || m.author;
  const item = el(
    "li",
    { class: `msg author-${m.author} kind-${m.kind} ${m.conversation_id === currentId ? "" : "other-conv"}`, "data-id": m.id },
    el("div", { class: "msg-head" },
      el("span", { class: "who" }, m.kind === "note" ? `${who} · заметка (клиент не видит)` : who),
      channelBadge(m.channel),
      el("span", { class: "at" }, time(m.at)),
      m.edited ? el("span", { class: "edited", title: "Клиент исправил сообщение в мессенджере" }, "✏️ исправлено") : null,
      m.delivery
        ? el("span", { class: `delivery delivery-${m.delivery.state}`, title: m.delivery.reason || "" },
          m.delivery.reason ? `${m.delivery.label}: ${m.delivery.reason}` : m.delivery.label)
        : null,
      m.conversation_id === currentId ? null : el("span", { class: "conv-ref" }, `диалог №${m.conversation_id}`)),
    m.erased
      ? el("div", { class: "text erased" }, "(текст удалён)")
      : m.text || m.author !== "customer" || (m.attachments || []).length
        ? el("div", { class: "text" }, m.text)
        : el("div", { class: "text opened" }, "(открыл чат)"),  // the web chat's silent start
  );
  if (m.buttons && m.buttons.length) item.append(el("div", { class: "buttons" }, ...m.buttons.map((b) => el("span", { class: "chip" }, b))));
  (m.attachments || []).forEach((a, i) => {
    const geo = a.kind === "location" && /^geo:(-?[\d.]+),(-?[\d.]+)$/.exec(a.url || "");
    if (geo) {  // a point on the map, not a file
      item.append(el("div", { class: "attachment location" }, el("a", {
        href: `https://yandex.ru/maps/?pt=${geo[2]},${geo[1]}&z=16&l=map`, target: "_blank", rel: "noopener noreferrer",
      }, `Геопозиция: ${geo[1]}, ${geo[2]}`)));
      return;
    }
    const href = `/api/v1/messages/${m.id}/attachments/${i}`;
    const label = ATTACHMENT_KINDS[a.kind] || "Вложение";
    const box = el("div", { class: "attachment" },
      el("a", { href, target: "_blank", rel: "noopener noreferrer" }, a.name ? `${label}: ${a.name}` : label));
    if (a.kind === "photo") box.append(el("img", { src: href, alt: a.name || "фото клиента", class: "attachment-preview", loading: "lazy" }));
    item.append(box);
  });
  if (m.file) {
    const link = el("a", { href: m.file.url, target: "_blank", rel: "noopener noreferrer" }, `Файл: ${m.file.name}`);
    const box = el("div", { class: "attachment sent-file" }, link);
    if (m.file.picture) box.append(el("img", { src: m.file.url, alt: m.file.name, class: "attachment-preview", loading: "lazy" }));
    item.append(box);
  }
  if (m.page && m.page.url !== lastPage) {  // the site's page the customer wrote from
    item.append(el("div", { class: "from-page small" }, "Со страницы: ",
      el("a", { href: m.page.url, target: "_blank", rel: "noopener noreferrer", title: m.page.url }, m.page.title || m.page.url)));
  }
  if (m.faq) item.append(el("div", { class: "faq small", title: m.faq }, `Ответ из базы знаний: ${m.faq_title || GONE_ENTRY}`));
  if (m.nlu) {
    const guesses = (m.nlu.ranking || []).map((g) => `${guessTitle(g)} ${pct(g.confidence)}`).join(", ");
    const decision = DECISIONS[m.nlu.decision] || m.nlu.decision;
    item.append(el("div", { class: `nlu small decision-${m.nlu.decision}` }, `Бот ${decision}: ${guesses}`));
    if ((m.nlu.parts || []).length) {
      item.append(el("ol", { class: "nlu-parts small" }, ...m.nlu.parts.map((q) =>
        el("li", { class: `decision-${q.decision}` },
          `«${q.text}» — ${DECISIONS[q.decision] || q.decision}: ${guessTitle(q)} ${pct(q.confidence)}`))));
    }
  }
  return item;
}
