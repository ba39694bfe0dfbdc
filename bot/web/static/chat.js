// Zabota web chat: a customer's window to the bot and the operators.
// Customer and operator text is only ever inserted with textContent (never innerHTML).
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("input");
  const errorBox = document.getElementById("error");
  const AUTHORS = { bot: "Бот", operator: "Оператор", system: "", customer: "" };
  let session = null;
  let lastId = 0;
  let counter = 0;

  // In a company's site (/widget.js frames /chat?embed=1&host=<the site's origin>) the chat
  // talks to that page only, by postMessage: the page tells which of its pages the customer
  // reads and whether the chat is on screen; the chat tells how many replies came while it
  // was not, and asks to be closed.
  const params = new URLSearchParams(location.search);
  const site = params.get("embed") === "1" && window.parent !== window ? params.get("host") : null;
  let sitePage = null;  // {url, title}: sent with each message, the operator sees it
  let onScreen = !site;
  let unread = 0;
  let historyShown = false;  // replies after the first load count as unread
  function toSite(message) {
    if (!site) return;
    try { window.parent.postMessage(message, site); } catch (e) { /* not an origin: no site */ }
  }
  function pageFields() {
    return sitePage ? { page: sitePage.url, page_title: sitePage.title } : {};
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  async function ensureSession() {
    const saved = localStorage.getItem("zabota.chat");
    if (saved) { session = JSON.parse(saved); return false; }
    const r = await fetch("/webchat/api/session", { method: "POST" });
    session = await r.json();
    localStorage.setItem("zabota.chat", JSON.stringify(session));
    return true;
  }

  // Links in a message become clickable: https://…, and — as Telegram and Viber show them —
  // www.… and a bare site (volt-shop.ru/delivery, магазин.рф), the links the content rule
  // (knowledge_base/quality.py _LINK) accepts as «the exact link»; an e-mail address
  // (privacy@volt-shop.ru) opens the mail program instead of the site. A dot, comma or bracket
  // right after a link ends the sentence, not the link.
  const NAME = "[\\p{L}\\p{N}_-]+";
  const LINK = new RegExp(
    "(https?:\\/\\/[^\\s]+)" +
    "|(" + NAME + "(?:\\." + NAME + ")*@" + NAME + "(?:\\." + NAME + ")+)" +
    "|((?:www\\." + NAME + "(?:\\." + NAME + ")+" +
    "|" + NAME + "(?:\\." + NAME + ")*\\.(?:ru|рф|com|net|org)(?![\\p{L}\\p{N}_]))(?:\\/[^\\s]*)?)",
    "giu");
  const TRAILING = /[.,;:!?)\]»"']+$/u;
  function linkify(el, text) {
    let last = 0;
    for (const match of text.matchAll(LINK)) {
      const before = match.index > 0 ? text[match.index - 1] : "";
      if (/[\p{L}\p{N}_@.\/-]/u.test(before)) continue;  // inside a word, a path or an address
      const link = match[0].replace(TRAILING, "");
      const a = document.createElement("a");
      a.href = match[2] ? "mailto:" + link : match[3] ? "https://" + link : link;
      a.textContent = link; a.target = "_blank"; a.rel = "noopener noreferrer";
      el.appendChild(document.createTextNode(text.slice(last, match.index)));
      el.appendChild(a);
      last = match.index + link.length;
    }
    el.appendChild(document.createTextNode(text.slice(last)));
  }

  // A file from the operator: a picture is shown, anything else is a link that downloads it.
  function fileView(file) {
    const a = document.createElement("a");
    a.className = "msg__file";
    a.href = file.url; a.target = "_blank"; a.rel = "noopener noreferrer";
    if (file.picture) {
      const img = document.createElement("img");
      img.src = file.url; img.alt = file.name;
      a.appendChild(img);
    } else {
      a.textContent = "📎 " + file.name + " · " + sizeText(file.size);
      a.setAttribute("download", file.name);
    }
    return a;
  }

  function sizeText(bytes) {
    if (bytes < 1024) return bytes + " Б";
    if (bytes < 1024 * 1024) return Math.round(bytes / 1024) + " КБ";
    return (bytes / 1024 / 1024).toFixed(1).replace(".", ",") + " МБ";
  }

  function render(m) {
    // Buttons answer the bot's latest messages: once the customer has said something since
    // (a closed survey, a finished scenario — also after a reload) they are shown but no
    // longer pressable. Links stay links. One exception: «Отменить вызов оператора» on the
    // bot's newest message stays pressable while the customer writes on in the queue (not
    // once pressed: the press comes back as the customer's message with its title).
    if (m.author === "customer") {
      const bots = log.querySelectorAll("li.msg--bot");
      const newest = bots.length ? bots[bots.length - 1] : null;
      const keep = newest && newest.querySelector('.buttons button[data-payload="/cancel_handoff"]');
      log.querySelectorAll(".buttons").forEach((r) => { r.dataset.closed = "1"; });
      log.querySelectorAll(".buttons button").forEach((x) => {
        x.disabled = x !== keep || m.text === x.textContent;
      });
    }
    const li = document.createElement("li");
    li.className = "msg msg--" + m.author;
    li.dataset.id = m.id;
    li.dataset.author = m.author;
    if (AUTHORS[m.author]) {
      const who = document.createElement("span");
      who.className = "msg__author";
      who.textContent = m.author === "operator" && m.operator ? AUTHORS.operator + " " + m.operator : AUTHORS[m.author];
      li.appendChild(who);
    }
    if (m.file) li.appendChild(fileView(m.file));
    if (m.text) {
      const body = document.createElement("span");
      body.className = "msg__text";
      linkify(body, m.text);
      li.appendChild(body);
    }
    if (m.buttons && m.buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      // A rating (1–5, or why it was low) stays shown as chosen, and can be changed for as long
      // as the server lets it (bot/rating.py's CHANGE_WINDOW), from this browser even after a reload.
      const rating = m.buttons.some((b) => RATING.test(b.payload || ""));
      const choice = rating ? chosen()[m.id] : null;
      for (const b of m.buttons) {
        let el;
        if (b.url) {
          el = document.createElement("a");
          el.href = b.url; el.target = "_blank"; el.rel = "noopener noreferrer";
        } else {
          el = document.createElement("button");
          el.type = "button";
          el.dataset.payload = b.payload || "";
          el.addEventListener("click", async (ev) => {
            // Pressed from the keyboard (Enter/Space: no pointer, detail 0): the disabled button
            // would drop the focus to the page; it goes back to the message box instead.
            const byKeyboard = ev.detail === 0;
            const was = Array.from(row.querySelectorAll("button"), (x) => x.disabled);
            row.querySelectorAll("button").forEach((x) => { x.disabled = true; });
            if (!(await send({ payload: b.payload, title: b.title }))) {
              row.querySelectorAll("button").forEach((x, i) => { x.disabled = was[i]; });
              if (byKeyboard) el.focus();
              return;
            }
            if (byKeyboard) input.focus();
            markChosen(row, b.payload);
            if (rating) {
              const first = (chosen()[m.id] || {}).at || Date.now();
              choose(m.id, b.payload, first);
              openWhile(row, first);
            }
          });
        }
        el.textContent = b.title;
        row.appendChild(el);
      }
      li.appendChild(row);
      if (choice) {
        markChosen(row, choice.payload);
        openWhile(row, choice.at);
      }
    }
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  // The buttons a customer chose, by message id: {payload, at (the first press, ms)}.
  const RATING = /^rate(_reason)?:/;
  const CHANGE_MS = 10 * 60 * 1000;
  const CHOSEN = "zabota.chat.chosen";
  function chosen() {
    try { return JSON.parse(localStorage.getItem(CHOSEN) || "{}") || {}; } catch (e) { return {}; }
  }
  function choose(messageId, payload, at) {
    const all = chosen();
    all[messageId] = { payload: payload, at: at };
    const kept = Object.keys(all).sort((a, b) => b - a).slice(0, 20);  // the newest few are enough
    try {
      localStorage.setItem(CHOSEN, JSON.stringify(Object.fromEntries(kept.map((k) => [k, all[k]]))));
    } catch (e) { /* storage full or blocked: the choice shows until a reload */ }
  }
  function markChosen(row, payload) {
    row.querySelectorAll("button").forEach((x) => {
      x.setAttribute("aria-pressed", String(x.dataset.payload === payload));
    });
  }
  // The other scores stay pressable until the window closes or the customer writes on.
  function openWhile(row, first) {
    const left = first + CHANGE_MS - Date.now();
    const pressable = left > 0 && !row.dataset.closed;
    row.querySelectorAll("button").forEach((x) => {
      x.disabled = !pressable || x.getAttribute("aria-pressed") === "true";
    });
    if (pressable) {
      setTimeout(() => row.querySelectorAll("button").forEach((x) => { x.disabled = true; }), left);
    }
  }

  // Returns whether the server took the message. The id is the server's dedupe key: a
  // message that may have arrived although the answer was lost keeps its id when resent.
  async function send(body, id) {
    counter += 1;
    id = id || Date.now() + "-" + counter;
    let r;
    try {
      r = await fetch("/webchat/api/send", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ visitor: session.visitor, token: session.token, id: id }, pageFields(), body)),
      });
    } catch (e) {
      showError("Нет связи с сервером. Сообщение не отправлено — попробуйте ещё раз.");
      return false;
    }
    if (r.status === 403) {
      localStorage.removeItem("zabota.chat");
      showError("Сессия чата устарела — обновите страницу.");
      return false;
    }
    if (!r.ok) {
      const data = await r.json().catch(() => ({}));
      showError(data.message || "Не удалось отправить сообщение, попробуйте ещё раз.");
      return false;
    }
    showError("");
    poll(0);
    return true;
  }

  // «Печатает…» while someone prepares a reply: until it arrives, or 6 s after the last sign.
  const typingBox = document.getElementById("typing");
  let typingTimer = null;
  function showTyping() {
    typingBox.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 6000);
  }
  function hideTyping() {
    clearTimeout(typingTimer);
    typingBox.hidden = true;
  }

  let polling = false;
  async function poll(wait) {
    if (polling && wait > 0) return;
    const mine = wait > 0;
    if (mine) polling = true;
    try {
      const url = "/webchat/api/messages?visitor=" + encodeURIComponent(session.visitor) +
        "&token=" + encodeURIComponent(session.token) + "&after=" + lastId + "&wait=" + wait;
      const r = await fetch(url);
      if (r.ok) {
        const data = await r.json();
        const before = unread;
        for (const m of data.messages) {
          if (m.id > lastId && !log.querySelector('[data-id="' + m.id + '"]')) {
            render(m);
            lastId = m.id;
            if (historyShown && !onScreen && m.author !== "customer") unread += 1;
          }
        }
        historyShown = true;
        if ("operator_in_chat" in data) operatorInChat(data.operator_in_chat);
        if (unread !== before) toSite({ type: "zabota:unread", count: unread });
        if (data.typing) showTyping();
        else if (data.messages.length) hideTyping();
      } else if (mine) {
        await new Promise((res) => setTimeout(res, 2000));
      }
    } catch (e) {
      if (mine) await new Promise((res) => setTimeout(res, 2000));
    } finally {
      if (mine) { polling = false; setTimeout(() => poll(20), 0); }
    }
  }

  // The longest message the server takes (bot/channels/webchat.py MAX_TEXT, put into the page):
  // a longer one is not cut silently — the customer is told by how much, and it is not sent.
  // Counted as Python counts (code points), so an emoji is one character here as there.
  const MAX_TEXT = Number(input.dataset.max) || 4000;
  const FORMS = { one: "символ", few: "символа", many: "символов" };
  const plural = new Intl.PluralRules("ru-RU");
  const chars = (n) => n.toLocaleString("ru-RU") + " " + (FORMS[plural.select(n)] || FORMS.many);
  function tooLong(text) {
    const length = Array.from(text).length;
    if (length <= MAX_TEXT) return "";
    return "Сообщение слишком длинное: " + chars(length) + ", а можно не больше " + chars(MAX_TEXT) +
      ". Сократите его на " + chars(length - MAX_TEXT) + " или отправьте частями.";
  }
  let lengthShown = false;  // the box's own notice, taken away once the text fits
  function checkLength() {
    const why = tooLong(input.value.trim());
    if (why || lengthShown) showError(why);
    lengthShown = Boolean(why);
    input.setAttribute("aria-invalid", String(lengthShown));
    return !why;
  }
  input.addEventListener("input", checkLength);

  // A text that did not reach the server goes back into the box (unless the customer has
  // started typing another), and is resent under the same id.
  let unsent = null;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text || !checkLength()) return;
    const id = unsent && unsent.text === text ? unsent.id : Date.now() + "-" + (counter += 1);
    input.value = "";
    unsent = { text: text, id: id };
    if (await send({ text }, id)) {
      if (unsent && unsent.id === id) unsent = null;
    } else if (!input.value.trim()) {
      input.value = text;
    }
  });
  // A photo or document for the operator; what is typed in the box goes along as its caption.
  const fileInput = document.getElementById("file");
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    fileInput.value = "";  // the same file can be picked again after a failure
    if (!file) return;
    const text = input.value.trim();
    if (!checkLength()) return;  // the text would be the file's caption: the same limit
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("text", text);
    form.append("id", Date.now() + "-" + (counter += 1));
    for (const [key, value] of Object.entries(pageFields())) form.append(key, value);
    const url = "/webchat/api/upload?visitor=" + encodeURIComponent(session.visitor) +
      "&token=" + encodeURIComponent(session.token);
    let r;
    try {
      r = await fetch(url, { method: "POST", body: form });
    } catch (e) {
      showError("Нет связи с сервером. Файл не отправлен — попробуйте ещё раз.");
      return;
    }
    if (!r.ok) {
      const data = await r.json().catch(() => ({}));
      showError(data.message || "Не удалось отправить файл, попробуйте ещё раз.");
      return;
    }
    showError("");
    if (text && input.value.trim() === text) input.value = "";
    poll(0);
  });

  // An operator reading the conversation sees «Клиент печатает…» (the server passes it on only
  // while a person has the conversation, at most every few seconds).
  let typingSent = 0;
  input.addEventListener("input", () => {
    const now = Date.now();
    if (!session || !input.value.trim() || now - typingSent < 4000) return;
    typingSent = now;
    fetch("/webchat/api/typing", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ visitor: session.visitor, token: session.token }),
    }).catch(() => {});
  });

  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
  });

  if (site) {
    document.body.classList.add("embed");
    const close = document.getElementById("close");
    close.hidden = false;
    close.addEventListener("click", () => toSite({ type: "zabota:close" }));
    document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") toSite({ type: "zabota:close" }); });
    window.addEventListener("message", (ev) => {
      if (ev.source !== window.parent || ev.origin !== site || !ev.data) return;
      if (ev.data.type === "zabota:page" && typeof ev.data.url === "string") {
        sitePage = { url: ev.data.url, title: String(ev.data.title || "") };
      } else if (ev.data.type === "zabota:shown") {
        onScreen = !!ev.data.shown;
        if (onScreen) {
          unread = 0;
          toSite({ type: "zabota:unread", count: 0 });
          log.scrollTop = log.scrollHeight;
          input.focus();
        }
      }
    });
  }

  // The header says what a person's answer looks like now (handoff/web/availability.py):
  // «операторы на связи», «оператор — примерно через 6 минут», «операторы — завтра в 9:00».
  // While a person has this customer's conversation it says so instead («Оператор Анна в
  // чате», from the messages' poll): the team's hours mean nothing to someone being answered.
  const subtitleEl = document.getElementById("subtitle");
  const header = {
    page: { text: subtitleEl.textContent, state: subtitleEl.dataset.state || "" },
    team: null,  // the last availability answer
    operator: null,  // the name of the person in the chat
  };
  function showHeader() {
    const shown = header.operator
      ? { text: "Оператор " + header.operator + " в чате", state: "operator" }
      : header.team || header.page;
    subtitleEl.textContent = shown.text;
    subtitleEl.dataset.state = shown.state;
  }
  function operatorInChat(name) {
    const now = typeof name === "string" && name ? name : null;
    if (now === header.operator) return;
    header.operator = now;
    showHeader();
  }
  async function availability() {
    try {
      const r = await fetch("/webchat/api/availability");
      if (!r.ok) return;
      const data = await r.json();
      if (typeof data.text === "string" && data.text) {
        header.team = { text: data.text, state: String(data.state || "") };
        showHeader();
      }
    } catch (err) {
      // The page's own line stays: the chat works without it.
    }
  }
  availability();
  setInterval(() => { if (!document.hidden) availability(); }, 60000);

  // The chat opened on its own page is ready to type in (not on a touch screen, where the
  // keyboard would cover the greeting; the widget focuses when the site shows it).
  if (!site && !window.matchMedia("(pointer: coarse)").matches) input.focus();

  ensureSession().then((fresh) => {
    if (fresh) send({ start: true, text: "" });
    poll(0).then(() => poll(20));
  });
})();
