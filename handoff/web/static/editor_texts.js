// «Сценарии» and «Фразы бота»: the texts customers read in flows and the bot's own phrases, edited
// in place (structure, buttons and placeholders the bot fills in stay in the files).
"use strict";

// «Сценарии»: each text a customer reads in a flow, editable in place (the step's structure
// stays in the file). A refused text (a {placeholder} nobody collects) says why; the file is
// left as it was.
const FLOWS = { list: [], shown: "" };

// A step's Russian name: its place and how its first text begins («Шаг 2 · «Статус вашего
// заказа…»»), not the id in the file («link»).
function stepLabel(step, index) {
  const first = (step.texts[0] || {}).text || "";
  const start = first.split(/\s+/).join(" ").trim();
  const short = start.length > 60 ? `${start.slice(0, 60).trimEnd()}…` : start;
  return short ? `Шаг ${index + 1} · «${short}»` : `Шаг ${index + 1}`;
}

function renderFlow() {
  const wanted = $("flow-pick").value;
  const busy = saving($("flow-steps"));
  if (FLOWS.shown && wanted !== FLOWS.shown && !discardOk(unsaved($("flow-steps")), "Открыть другой сценарий", busy)) {
    $("flow-pick").value = FLOWS.shown;
    return;
  }
  if (FLOWS.shown && wanted !== FLOWS.shown) stillSaving($("flow-pick").closest("label"), busy);
  FLOWS.shown = wanted;
  const flow = FLOWS.list.find((f) => f.id === wanted);
  $("flow-steps").replaceChildren(...(flow ? flow.steps : []).map((step, index) =>
    el("li", { class: "flow-step", "data-step": step.id },
      el("p", { class: "small step-label" }, stepLabel(step, index)),
      ...step.texts.map((t) => flowText(flow, step, t)))));
}

// The flow texts and phrases being saved: their key (``flow:<flow>/<step>/<field>``,
// ``phrase:<name>/<index>``) → the text sent. A save belongs to its text, not to the box that
// sent it: the flow or phrase may be redrawn or left meanwhile.
const SAVING_TEXTS = new Map();

// A text box with «Сохранить» for a flow text or a phrase: ``send(text, base)`` saves it.
// ``key``: which text it is; ``anchor()``: where a result goes when no box shows that text any
// more (another flow or phrase opened while it saved). Text typed during the save stays.
function savedBox(label, base, what, send, source, busy, anchor, key) {
  const box = autosize(draftable(el("textarea", { rows: "3", "aria-label": label }), base, what));
  box.value = base;
  box.dataset.key = key;
  const save = el("button", { type: "button", class: "plain" }, "Сохранить");
  const result = el("div", { class: "result", hidden: true });
  box.result = result;
  box.saveButton = save;
  const pending = SAVING_TEXTS.get(key);
  if (pending !== undefined) {  // redrawn while its save is on the way
    box.value = box.saving = pending;
    save.disabled = true;
    result.replaceChildren(el("p", { class: "small" }, busy));
    result.hidden = false;
  }
  // the box that shows this text now (this one, one redrawn since, or none)
  const current = () => [...document.querySelectorAll(".draftable")].find((b) => b.dataset.key === key) || null;
  save.addEventListener("click", async () => {
    const sent = box.value;
    SAVING_TEXTS.set(key, sent);
    save.disabled = true;
    box.saving = sent;
    result.replaceChildren(el("p", { class: "small" }, busy));
    result.hidden = false;
    try {
      const data = await send(sent, box.base);
      loadHistory();
      const now = current();
      if (now) {
        now.result.replaceChildren(el("p", { class: "ok" }, data.message));
        now.result.hidden = false;
        if (now.value === sent) now.value = data.text;  // typed meanwhile: kept
        now.base = data.text;
        now.recount();
        now.fit();
      } else {
        aside(anchor(), el("p", { class: "ok" }, data.message));
      }
    } catch (error) {
      const now = current();
      if (now) conflict(now.result, error, now);
      else asideRefusal(anchor(), error, what, sent);
    } finally {
      SAVING_TEXTS.delete(key);
      savingDone(anchor(), what);
      box.saving = undefined;
      save.disabled = false;
      const now = current();
      if (now) {
        now.saving = undefined;
        now.saveButton.disabled = false;
      }
    }
  });
  const wrap = el("div", { class: "flow-text" },
    el("label", { class: "small" }, `${label} · ${source}`), box,
    el("p", { class: "save-row" }, save, " ", counter(box)), result);
  return { wrap, box };
}

function flowText(flow, step, t) {
  const index = flow.steps.indexOf(step);
  const { wrap, box } = savedBox(t.label, t.text, `сценарий «${flow.title}», шаг ${index + 1}`,
    async (text, base) => {
      const data = await api("POST", "/editor/flow-text", { flow_id: flow.id, step_id: step.id, field: t.field, text, base });
      t.text = data.text;
      return data;
    }, t.source, "Сохраняю и проверяю сценарии…", () => $("flow-pick").closest("label"),
    `flow:${flow.id}/${step.id}/${t.field}`);
  box.dataset.field = t.field;
  return wrap;
}

// Reloaded after each undo: an older load answering after a newer one is dropped.
const FLOW_LOADS = latestLoad();
async function loadFlows() {
  const latest = FLOW_LOADS.next();
  const data = await api("GET", "/editor/flows");
  if (!latest()) return;
  FLOWS.list = data.flows;
  const shown = FLOWS.shown;
  $("flow-pick").replaceChildren(...data.flows.map((f) => el("option", { value: f.id }, f.title)));
  if (data.flows.some((f) => f.id === shown)) $("flow-pick").value = shown;
  FLOWS.shown = "";  // redrawn as it is now (an undo asked about drafts already)
  renderFlow();
}
$("flow-pick").addEventListener("change", renderFlow);

// «Фразы бота»: the bot's own phrases from domain.yml, one response at a time; each variant
// (per channel) editable in place. A new {placeholder} is refused with the reason.
const PHRASES = { list: [], shown: "" };

function renderPhrase() {
  const wanted = $("phrase-pick").value;
  const busy = saving($("phrase-variants"));
  if (PHRASES.shown && wanted !== PHRASES.shown && !discardOk(unsaved($("phrase-variants")), "Открыть другую фразу", busy)) {
    $("phrase-pick").value = PHRASES.shown;
    return;
  }
  if (PHRASES.shown && wanted !== PHRASES.shown) stillSaving($("phrase-pick").closest("label"), busy);
  PHRASES.shown = wanted;
  const phrase = PHRASES.list.find((p) => p.name === wanted);
  $("phrase-variants").replaceChildren(...(phrase ? phrase.variants : []).map((v) => phraseText(phrase, v)));
}

function phraseText(phrase, v) {
  const label = v.channel ? `Вариант для канала «${v.channel_title}»` : "Текст";
  const hints = v.placeholders.length ? ` · подстановки: ${v.placeholders.map((p) => `{${p}}`).join(", ")}` : "";
  const { wrap, box } = savedBox(label, v.text, `фраза «${phrase.title}»`,
    async (text, base) => {
      const data = await api("POST", "/editor/phrase", { name: phrase.name, index: v.index, text, base });
      v.text = data.text;
      return data;
    }, `${v.source}${hints}`, "Сохраняю и проверяю…", () => $("phrase-pick").closest("label"),
    `phrase:${phrase.name}/${v.index}`);
  box.dataset.index = v.index;
  wrap.classList.add("phrase-text");
  return wrap;
}

const PHRASE_LOADS = latestLoad();
async function loadPhrases() {
  const latest = PHRASE_LOADS.next();
  const data = await api("GET", "/editor/phrases");
  if (!latest()) return;
  PHRASES.list = data.phrases;
  const shown = PHRASES.shown;
  $("phrase-pick").replaceChildren(...data.phrases.map((p) => el("option", { value: p.name }, p.title)));
  if (data.phrases.some((p) => p.name === shown)) $("phrase-pick").value = shown;
  PHRASES.shown = "";
  renderPhrase();
}
$("phrase-pick").addEventListener("change", renderPhrase);
