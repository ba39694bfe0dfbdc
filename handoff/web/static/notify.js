// The console calls the operator back from another tab or window: a desktop notification and
// a short sound when a customer enters the queue, writes in one of the operator's own
// conversations, or a conversation is assigned or transferred to them. Our goal is a human
// answer within a minute, and the tab's «(2) …» title alone is easy to miss.
//
// Everything is worked out from the lists the console fetches anyway (console.js calls
// NOTIFY.lists after each refresh): what is new since the previous refresh, by conversation
// ids and the id of the customer's newest message. The first refresh only records what there
// is, nothing is told twice, and the operator's own actions (NOTIFY.own) are not told at all.
// Only while the tab is hidden or the window is not focused: a focused console shows it anyway.
"use strict";

const NOTIFY = (() => {
  const KEYS = { notify: "zabota.notify", sound: "zabota.sound" };  // "on" / "off", per browser
  const PREVIEW = 100;  // characters of the customer's text in a notice
  const OWN_MS = 30000;  // what the operator did here this recently is not told back to them
  const TITLES = {
    queued: "Новый клиент в очереди",
    assigned: "Вам передан диалог",
    message: "Новое сообщение от клиента",
  };
  const supported = "Notification" in window;
  const own = new Map();  // conversation id → when the operator acted on it in this tab
  const shown = new Set();  // notices still on the screen, closed when the operator is back
  let known = null;  // what the previous refresh saw; null before the first
  let open = () => {};
  let audio = null;

  const stored = (key) => { try { return localStorage.getItem(key); } catch (error) { return null; } };
  const store = (key, value) => { try { localStorage.setItem(key, value); } catch (error) { /* private mode */ } };
  const permission = () => (supported ? Notification.permission : "unsupported");
  const notifying = () => stored(KEYS.notify) === "on" && permission() === "granted";
  const sounding = () => stored(KEYS.sound) !== "off";
  const away = () => document.hidden || !document.hasFocus();

  // The header's two buttons say what is really on: «заблокированы в браузере» when the
  // browser refuses (only its site settings can undo that; the page cannot ask again).
  function render() {
    const button = $("notify-toggle");
    const state = permission() === "unsupported" ? "unsupported" : permission() === "denied" ? "blocked" : notifying() ? "on" : "off";
    const label = { on: "вкл", off: "выкл", blocked: "заблокированы в браузере", unsupported: "не поддерживаются" }[state];
    button.textContent = `🔔 Уведомления: ${label}`;
    button.dataset.state = state;
    button.setAttribute("aria-pressed", String(state === "on"));
    button.disabled = state === "unsupported";
    button.title = state === "blocked"
      ? "Разрешите уведомления для этого сайта в настройках браузера (значок слева от адреса)"
      : "Уведомления на рабочем столе, когда консоль в другой вкладке или окне";
    const sound = $("sound-toggle");
    sound.textContent = `🔊 Звук: ${sounding() ? "вкл" : "выкл"}`;
    sound.dataset.state = sounding() ? "on" : "off";
    sound.setAttribute("aria-pressed", String(sounding()));
  }

  // Old Safari takes a callback instead of returning a promise.
  function ask() {
    return new Promise((resolve) => {
      const asked = Notification.requestPermission(resolve);
      if (asked && typeof asked.then === "function") asked.then(resolve, resolve);
    });
  }

  async function toggleNotify() {
    if (!supported) return;
    if (notifying()) {
      store(KEYS.notify, "off");
    } else if (permission() !== "denied") {
      if (permission() === "default") {
        try { await ask(); } catch (error) { /* refused: shown as it is */ }
      }
      store(KEYS.notify, permission() === "granted" ? "on" : "off");
    }
    render();
  }

  function toggleSound() {
    store(KEYS.sound, sounding() ? "off" : "on");
    unlock();
    render();
  }

  // Browsers may start sound only after the person has clicked or typed in the page: a click
  // starts the audio context, and until then (or if the browser refuses) it stays quiet.
  function unlock() {
    if (!sounding()) return;
    try {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume().catch(() => {});
    } catch (error) {
      audio = null;
    }
  }

  // Two short rising tones, made here: no sound file to serve. Not played later if the
  // browser holds the sound back now (a late beep would say nothing).
  function beep() {
    unlock();
    if (!sounding() || !audio || audio.state !== "running") return;
    try {
      const at = audio.currentTime;
      const gain = audio.createGain();
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.35);
      gain.connect(audio.destination);
      const tone = audio.createOscillator();
      tone.type = "sine";
      tone.frequency.setValueAtTime(660, at);
      tone.frequency.setValueAtTime(990, at + 0.15);
      tone.connect(gain);
      tone.start(at);
      tone.stop(at + 0.36);
    } catch (error) {
      // no sound this time; the notice still shows
    }
  }

  // The customer's words, shortened: a notice may be seen by anyone near the screen.
  function preview(conv) {
    const text = ((conv.last_customer_message && conv.last_customer_message.text) || "").replace(/\s+/g, " ").trim();
    const chars = Array.from(text);
    return chars.length > PREVIEW ? `${chars.slice(0, PREVIEW - 1).join("")}…` : text;
  }

  function tell(conv, what, view) {
    if (!notifying()) return;
    const text = preview(conv);
    const body = `${conv.customer.name} · ${CHANNELS[conv.channel] || conv.channel}${text ? `: ${text}` : ""}`;
    let note;
    try {
      // One tag per conversation: a second message replaces the first notice.
      note = new Notification(TITLES[what], { body, tag: `zabota-conversation-${conv.id}`, renotify: true, lang: "ru" });
    } catch (error) {
      return;  // e.g. a phone's browser, which shows notices only from a service worker
    }
    shown.add(note);
    note.onclose = () => shown.delete(note);
    note.onclick = () => {
      window.focus();
      note.close();
      open(conv.id, view);
    };
  }

  function closeAll() {
    for (const note of shown) {
      try { note.close(); } catch (error) { /* already gone */ }
    }
    shown.clear();
  }

  const said = (conv) => (conv.last_customer_message ? conv.last_customer_message.id : 0);
  const ownRecently = (id) => Date.now() - (own.get(id) || 0) < OWN_MS;

  // The console's lists after a refresh ({queued: [...], mine: [...], ...}). They are read one
  // after another, so one refresh can see a conversation before a message in one list and
  // after it in another: what counts is the newest message any list shows (and its text).
  function lists(views) {
    const queued = views.queued || [];
    const mine = views.mine || [];
    const newest = new Map();
    for (const conv of Object.values(views).flat()) {
      if (!newest.has(conv.id) || said(conv) > said(newest.get(conv.id))) newest.set(conv.id, conv);
    }
    const before = known;
    known = {
      queued: new Set(queued.map((c) => c.id)),
      mine: new Set(mine.map((c) => c.id)),
      said: new Map([...newest].map(([id, conv]) => [id, said(conv)])),
    };
    if (!before) return;  // the first refresh: what is there was there before the console
    const notices = [];
    for (const { id } of mine) {
      const conv = newest.get(id);
      if (!before.mine.has(id)) {
        if (!ownRecently(id)) notices.push([conv, "assigned", "mine"]);
      } else if (said(conv) > (before.said.get(id) || 0)) {
        notices.push([conv, "message", "mine"]);
      }
    }
    // Not the operator's own conversations coming back when they step away.
    for (const conv of queued) {
      if (!before.queued.has(conv.id) && !before.mine.has(conv.id)) notices.push([conv, "queued", "queued"]);
    }
    if (!notices.length || !away()) return;
    notices.forEach(([conv, what, view]) => tell(conv, what, view));
    beep();
  }

  function init(opener) {
    open = opener;
    $("notify-toggle").addEventListener("click", toggleNotify);
    $("sound-toggle").addEventListener("click", toggleSound);
    document.addEventListener("pointerdown", unlock, true);
    document.addEventListener("keydown", unlock, true);
    window.addEventListener("focus", () => { closeAll(); render(); });
    document.addEventListener("visibilitychange", render);
    try {  // the operator may allow or block it in the browser's settings meanwhile
      navigator.permissions.query({ name: "notifications" }).then((status) => { status.onchange = render; }, () => {});
    } catch (error) {
      // no Permissions API: the label is brought up to date on focus
    }
    render();
  }

  return { init, lists, own: (id) => own.set(id, Date.now()) };
})();
