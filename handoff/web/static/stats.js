// Manager statistics: numbers from /api/v1/metrics, written into the page as text, the Russian
// way: a decimal comma, long durations in minutes, plural forms, dates as dd.mm.yyyy.
"use strict";

const $ = (id) => document.getElementById(id);
const PLURALS = new Intl.PluralRules("ru-RU");
const missing = (v) => v === null || v === undefined;

// plural(1, ["оценка", "оценки", "оценок"]) → "1 оценка"; 2 → "2 оценки"; 5 → "5 оценок".
function plural(n, [one, few, many]) {
  const forms = { one, few, many };
  return `${n} ${forms[PLURALS.select(n)] || many}`;
}

// 33.8 → "33,8"; 4 → "4,0" with one digit kept (an average score reads as such).
const decimal = (v, minDigits = 0) =>
  v.toLocaleString("ru-RU", { minimumFractionDigits: minDigits, maximumFractionDigits: 1 });

// 33.8 → "33,8 с"; 250 → "4 мин 10 с"; 3900 → "1 ч 5 мин".
function duration(seconds) {
  if (missing(seconds)) return "—";
  if (seconds < 60) return `${decimal(seconds)} с`;
  const whole = Math.round(seconds);
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  if (h) return m ? `${h} ч ${m} мин` : `${h} ч`;
  return s ? `${m} мин ${s} с` : `${m} мин`;
}

const share = (v) => (missing(v) ? "—" : `${Math.round(v * 100)}%`);

// "2024-05-01" (a local day from the API) → "01.05.2024", as in the console's customer card.
const day = (iso) => iso.split("-").reverse().join(".");

function csat(data) {
  if (missing(data.average)) return "—";
  return `${decimal(data.average, 1)} из 5 (${plural(data.ratings, ["оценка", "оценки", "оценок"])})`;
}

function firstResponse(data) {
  $("p50").textContent = duration(data.p50_seconds);
  $("p90").textContent = duration(data.p90_seconds);
  $("within").textContent = share(data.within_goal_share);
  $("goal").textContent = duration(data.goal_seconds);
  $("clock").textContent = data.working_hours_only ? "считается только рабочее время" : "";
  $("answered").textContent = `Отвечено ${data.answered} из ${data.escalated}`;
  $("waiting").textContent = data.waiting
    ? `Ждут ответа: ${data.waiting}, из них дольше цели: ${data.waiting_over_goal}`
    : "";
}

function row(values) {
  const tr = document.createElement("tr");
  for (const value of values) {
    const td = document.createElement("td");
    td.textContent = String(value);
    tr.append(td);
  }
  return tr;
}

// A team lead's per-agent line: who answered how many, how fast the first time, how rated.
function operatorRow(r) {
  const rating = missing(r.csat_average)
    ? "—"
    : `${decimal(r.csat_average, 1)} (${plural(r.ratings, ["оценка", "оценки", "оценок"])})`;
  return row([r.operator, r.conversations, duration(r.first_response_p50_seconds),
    duration(r.reply_p50_seconds), r.resolved || 0, duration(r.resolution_p50_seconds), rating, r.low_ratings]);
}

function perOperatorRow(r) {
  return row([day(r.date), r.operator, r.conversations]);
}

// Why conversations reached a person, and after which question («бот не понял вопрос» is one
// line); a table with no lines gives way to its empty-state text.
function table(id, lines) {
  document.querySelector(`#${id} tbody`).replaceChildren(...lines);
  $(id).hidden = lines.length === 0;
  $(`${id}-empty`).hidden = lines.length !== 0;
}

// Where customers come from and how each messenger goes.
const CHANNEL_NAMES = { telegram: "Telegram", viber: "Viber", webchat: "Веб-чат" };
function channelRow(c) {
  const rating = missing(c.csat_average)
    ? "—"
    : `${decimal(c.csat_average, 1)} (${plural(c.ratings, ["оценка", "оценки", "оценок"])})`;
  return row([CHANNEL_NAMES[c.channel] || c.channel, c.conversations, c.handed_over, share(c.without_person_rate), rating]);
}

function handoffs(data) {
  table("handoff-reasons", data.reasons.map((r) => row([r.title, r.count, share(r.share)])));
  table("handoff-topics", data.topics.map((t) => row([t.title, t.count])));
  $("without-question").textContent = data.without_question
    ? `Без вопроса к боту перед передачей (например, сразу позвали оператора): ${data.without_question}`
    : "";
}

// Said from what customers wrote after the first answer, not only from the replies: no reply
// yet is not «клиенты не писали» when six messages wait.
const MESSAGES = ["сообщение", "сообщения", "сообщений"];
function laterReplies(later) {
  const [answered, written, waiting] = [later.answered || 0, later.written || 0, later.waiting || 0];
  const waits = waiting ? `ждут ответа: ${plural(waiting, MESSAGES)}` : "";
  if (answered) return `90% — за ${duration(later.p90_seconds)}; ответов ${answered}${waits ? `; ${waits}` : ""}`;
  if (waiting) return `ответов ещё не было, ${waits}`;
  if (written) return `клиенты писали после первого ответа (${plural(written, MESSAGES)}), ответов не было`;
  return "после первого ответа клиенты ещё не писали";
}

async function load() {
  // "days=7" (today and the 6 days before, from local midnight) or "month=last" (a calendar month).
  $("csv").href = `/api/v1/metrics.csv?${$("days").value}`;
  const response = await fetch(`/api/v1/metrics?${$("days").value}`, { credentials: "same-origin" });
  const data = await response.json();
  if (!response.ok) {
    $("p50").textContent = data.message || "Ошибка";
    return;
  }
  $("period").textContent = data.period ? `с ${data.period.since_local} до ${data.period.until_local}` : "";
  firstResponse(data.first_response);
  // After the first answer: a customer's next message until a person's reply.
  $("reply").textContent = duration((data.replies || {}).p50_seconds);
  $("reply-note").textContent = laterReplies(data.replies || {});
  // From the handoff until a person closed the conversation or gave it back to the bot.
  const solved = data.resolution || { resolved: 0 };
  $("resolution").textContent = duration(solved.p50_seconds);
  $("resolution-note").textContent = solved.resolved
    ? `90% — за ${duration(solved.p90_seconds)}; решено ${solved.resolved}`
    : "операторы ещё ничего не решили";
  $("csat").textContent = csat(data.csat);
  $("csat45").textContent = share(data.csat.share_4_5);
  const d = data.deflection;
  $("deflection").textContent = missing(d.rate) ? "—" : `${share(d.rate)} (${d.without_person} из ${d.conversations})`;
  const reasons = data.csat.reasons || [];
  $("reasons").replaceChildren(...reasons.map((r) => {
    const li = document.createElement("li");
    li.textContent = `${r.title} — ${r.count}`;
    return li;
  }));
  $("reasons-box").hidden = reasons.length === 0;
  const a = data.answers;
  $("helped").textContent = missing(a.share) ? "—" : share(a.share);
  $("helped-note").textContent = a.rated
    ? `${a.helped} из ${plural(a.rated, ["оценки", "оценок", "оценок"])} «помогло»`
    : "клиенты ещё не оценивали ответы";
  handoffs(data.handoffs || { reasons: [], topics: [], without_question: 0 });
  table("channels", (data.channels || []).map(channelRow));
  const marked = data.labels || { labels: [], unlabelled: 0 };
  table("labels", marked.labels.map((m) => row([m.title, m.count, share(m.share)])));
  $("unlabelled").textContent = marked.unlabelled ? `Без метки: ${marked.unlabelled}` : "";
  document.querySelector("#operators tbody").replaceChildren(...(data.operators || []).map(operatorRow));
  document.querySelector("#per-operator tbody").replaceChildren(...data.per_operator_day.map(perOperatorRow));
}

// «Сейчас»: the queue and the operators at this moment, refreshed every 10 s while the page
// is in view. A wait past the first-response goal is marked, as in the console's lists.
const STATUSES = { online: "В сети", away: "Не на месте", offline: "Не в сети" };
const LIVE_EVERY_MS = 10000;

function cell(text, late = false) {
  const td = document.createElement("td");
  td.textContent = String(text);
  if (late) td.className = "late";
  return td;
}

function liveTeamRow(t, goal) {
  const tr = document.createElement("tr");
  tr.append(
    cell(t.title),
    cell(t.waiting),
    cell(duration(t.oldest_wait_seconds), t.oldest_wait_seconds > goal),
    cell(t.over_goal, t.over_goal > 0),
    cell(t.online, t.waiting > 0 && t.online === 0),
    cell(t.free_slots),
  );
  return tr;
}

function liveOperatorRow(p, goal) {
  const tr = document.createElement("tr");
  tr.className = `status-${p.status}`;
  tr.append(
    cell(p.name),
    cell(STATUSES[p.status] || p.status),
    cell(`${p.active} из ${p.capacity}`),
    cell(p.awaiting_reply),
    cell(duration(p.oldest_unanswered_seconds), p.oldest_unanswered_seconds > goal),
  );
  return tr;
}

// Without the server (the network down, a restart) the figures shown stay, and the line says
// they are not fresh and since when; the next refresh that gets an answer puts it right.
const LIVE = { at: null };
async function loadLive() {
  let response;
  let data;
  try {
    response = await fetch("/api/v1/metrics/live", { credentials: "same-origin" });
    data = await response.json().catch(() => ({}));
  } catch (error) {  // fetch's own English «Failed to fetch»
    $("live-updated").textContent = LIVE.at
      ? `Нет связи с сервером — данные на ${LIVE.at}, обновятся, когда связь вернётся`
      : "Нет связи с сервером. Данные обновятся, когда связь вернётся.";
    $("live-updated").classList.add("stale");
    return;
  }
  if (!response.ok) {
    $("live-updated").textContent = data.message || `Ошибка сервера (${response.status}) — данные не обновлены`;
    $("live-updated").classList.add("stale");
    return;
  }
  table("live-teams", data.teams.map((t) => liveTeamRow(t, data.goal_seconds)));
  table("live-operators", data.operators.map((p) => liveOperatorRow(p, data.goal_seconds)));
  // On the team's clock, as the period line above («до 22:05»), not the browser's.
  LIVE.at = new Date(data.now).toLocaleTimeString("ru-RU", {
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: data.timezone || undefined,
  });
  $("live-updated").textContent = `обновлено в ${LIVE.at}`;
  $("live-updated").classList.remove("stale");
}

setInterval(() => { if (!document.hidden) loadLive(); }, LIVE_EVERY_MS);
document.addEventListener("visibilitychange", () => { if (!document.hidden) loadLive(); });

$("days").addEventListener("change", load);
load();
loadLive();
