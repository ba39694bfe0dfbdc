// Zabota's chat on a company's own site. One line in the site's pages:
//   <script src="https://support.example.ru/widget.js" async></script>
// (optional: data-label="Вопрос о заказе?" — the button's text). A button in the corner opens
// the chat (/chat?embed=1) in a frame; the site's address must be listed in config.yml under
// channels.webchat.embed_origins, or the chat refuses to be framed. The chat says how many
// replies came while it was closed (a badge on the button); it stays open from page to page
// in the same tab; the site's own links can call window.zabotaWidget.open().
// Everything is in a shadow root, so the site's styles and ours leave each other alone.
(function () {
  "use strict";
  if (window.zabotaWidget) return;  // the line was pasted twice
  const script = document.currentScript;
  if (!script || !script.src) return;
  const base = new URL(script.src, location.href).origin;
  const label = script.getAttribute("data-label") || "Чат поддержки";
  const OPEN = "zabota.widget.open";  // sessionStorage: open on the next page of this tab too
  const USED = "zabota.widget.used";  // localStorage: has chatted, so count replies at once

  const CSS = `
    :host { all: initial; }
    .launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex;
      align-items: center; gap: 8px; border: 0; border-radius: 28px; padding: 12px 18px;
      background: #1f6feb; color: #fff; font: 600 15px/1.2 system-ui, -apple-system, "Segoe UI",
      Roboto, sans-serif; box-shadow: 0 6px 20px rgba(0,0,0,.2); cursor: pointer; }
    .launcher:focus-visible { outline: 3px solid #9ec1ff; outline-offset: 2px; }
    .badge { min-width: 20px; height: 20px; padding: 0 6px; border-radius: 10px; background: #e5484d;
      color: #fff; font-size: 12px; line-height: 20px; text-align: center; }
    .panel { position: fixed; right: 20px; bottom: 84px; z-index: 2147483000;
      width: min(380px, calc(100vw - 40px)); height: min(600px, calc(100vh - 104px));
      border-radius: 14px; overflow: hidden; background: #fff; box-shadow: 0 10px 40px rgba(0,0,0,.25); }
    .panel iframe { display: block; width: 100%; height: 100%; border: 0; }
    [hidden] { display: none !important; }
    @media (max-width: 480px) {
      .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; border-radius: 0; }
      /* The chat fills the screen and has its own «Свернуть чат»: the button would cover its
         input and «Отправить». */
      .launcher[aria-expanded="true"] { display: none; }
    }`;

  const host = document.createElement("div");
  host.setAttribute("data-zabota-widget", "");
  const root = host.attachShadow({ mode: "open" });
  try {  // a stylesheet built in script is not an inline style: sites with a strict CSP allow it
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    const style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);
  }
  const launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "launcher";
  launcher.setAttribute("aria-expanded", "false");
  const icon = document.createElement("span");
  icon.textContent = "💬";
  icon.setAttribute("aria-hidden", "true");
  const text = document.createElement("span");
  text.textContent = label;
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.hidden = true;
  launcher.append(icon, text, badge);
  const panel = document.createElement("div");
  panel.className = "panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", label);
  root.append(panel, launcher);

  let frame = null;
  let toldUrl = null;

  function post(message) {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage(message, base);
  }
  function tellPage() {
    toldUrl = location.href;
    post({ type: "zabota:page", url: location.href, title: document.title });
  }
  function tellShown() {
    post({ type: "zabota:shown", shown: !panel.hidden });
  }
  function ensureFrame() {
    if (frame) return;
    frame = document.createElement("iframe");
    frame.title = label;
    frame.src = base + "/chat?embed=1&host=" + encodeURIComponent(location.origin);
    frame.addEventListener("load", () => { tellPage(); tellShown(); });
    panel.appendChild(frame);
  }
  function remember(storage, key, on) {
    try { if (on) storage.setItem(key, "1"); else storage.removeItem(key); } catch (e) { /* blocked */ }
  }
  function recalled(storage, key) {
    try { return storage.getItem(key) === "1"; } catch (e) { return false; }
  }
  function setOpen(open) {
    if (open) ensureFrame();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    remember(sessionStorage, OPEN, open);
    if (open) remember(localStorage, USED, true);
    tellShown();
    if (open) tellPage();
    else launcher.focus();
  }
  function showUnread(count) {
    const n = Math.max(0, Math.floor(Number(count) || 0));
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0 || !panel.hidden;
    launcher.setAttribute("aria-label", n && panel.hidden ? label + ": новых сообщений — " + n : label);
  }

  launcher.addEventListener("click", () => setOpen(panel.hidden));
  window.addEventListener("message", (ev) => {
    if (!frame || ev.source !== frame.contentWindow || ev.origin !== base || !ev.data) return;
    if (ev.data.type === "zabota:close") setOpen(false);
    else if (ev.data.type === "zabota:unread") showUnread(ev.data.count);
  });
  // Sites that change pages without loading one (single-page apps): tell the new address.
  setInterval(() => { if (frame && location.href !== toldUrl) tellPage(); }, 1000);

  function mount() {
    document.body.appendChild(host);
    if (recalled(sessionStorage, OPEN)) setOpen(true);
    else if (recalled(localStorage, USED)) ensureFrame();  // closed, but counting new replies
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.zabotaWidget = { open: () => setOpen(true), close: () => setOpen(false) };
})();
