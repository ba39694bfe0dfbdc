// Shared by the console and the editor: building the page from data (text only, never HTML,
// so a customer's <img onerror=…> stays text) and calling the JSON API with the CSRF token.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const CHANNELS = { telegram: "Telegram", viber: "Viber", webchat: "Веб-чат", test: "Тест", terminal: "Терминал" };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, String(value));
    else if (key === "title") node.title = String(value);
    else if (key in node) node[key] = value;  // a property: value, disabled, type, rows…
    else node.setAttribute(key, String(value));  // an attribute only: aria-label, maxlength…
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A list refreshed from new data keeps the elements it already shows (matched by data-id)
// and changes only their attributes and content: Chromium drops a click whose pressed element
// left the page, even for a moment, so a list replaced on every refresh (the console's, on each
// server event) would lose the operator's click now and then.
// An item that did not change is not touched at all, so a button inside it (a guess's
// «Вставить») keeps its click too.
function refreshKeyed(list, fresh) {
  const shown = new Map([...list.children].map((node) => [node.dataset.id, node]));
  fresh.forEach((node, index) => {
    const kept = shown.get(node.dataset.id);
    if (kept) {
      if (!kept.isEqualNode(node)) {
        for (const name of kept.getAttributeNames()) if (!node.hasAttribute(name)) kept.removeAttribute(name);
        for (const name of node.getAttributeNames()) kept.setAttribute(name, node.getAttribute(name));
        kept.replaceChildren(...node.childNodes);
      }
      shown.delete(node.dataset.id);
      node = kept;
    }
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  for (const gone of shown.values()) gone.remove();
}

// A message box that hides itself when empty.
function show(id, message) {
  const box = $(id);
  box.textContent = message || "";
  box.hidden = !message;
}

class ApiError extends Error {
  constructor(message, data) {
    super(message);
    this.data = data;
  }
}

async function api(method, path, body) {
  const init = { method, headers: { "X-CSRF-Token": CSRF }, credentials: "same-origin" };
  if (body instanceof FormData) {
    init.body = body;  // the browser sets multipart/form-data with its boundary
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch (error) {  // offline, the server down or restarting: fetch's own English «Failed to fetch»
    throw new ApiError(method === "GET" ? NO_CONNECTION_READ : NO_CONNECTION, { error: "network" });
  }
  if (response.status === 401) {
    // An account the administrator switched off is told so on the login page.
    const why = await response.clone().json().catch(() => ({}));
    const disabled = why.error === "account_disabled" ? "disabled=1&" : "";
    window.location.href = `/console/login?${disabled}next=${encodeURIComponent(window.location.pathname)}`;
    throw new ApiError(why.message || "Сессия истекла", why);
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    // A proxy's or a crashed server's page has no message of ours: say what happened in Russian.
    throw new ApiError(data.message || (response.status >= 500
      ? `Сервер не смог выполнить запрос (ошибка ${response.status}). Попробуйте ещё раз.`
      : `Запрос не выполнен (ошибка ${response.status}). Обновите страницу и попробуйте ещё раз.`), data);
  }
  connectionBack();
  return data;
}

// The connection's own errors leave the page by themselves once the server answers again.
const NO_CONNECTION = "Нет связи с сервером. Ничего не отправлено — попробуйте ещё раз.";
const NO_CONNECTION_READ = "Нет связи с сервером. Данные обновятся, когда связь вернётся.";
function connectionBack() {
  for (const box of document.querySelectorAll('[role="alert"]')) {
    if (box.textContent === NO_CONNECTION || box.textContent === NO_CONNECTION_READ) {
      box.textContent = "";
      box.hidden = true;
    }
  }
}
