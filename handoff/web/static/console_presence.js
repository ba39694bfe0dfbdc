// The operator's own status as the server has it, and why when the server changed it.
// Every console window closed or without a connection for `handoff.presence_grace_seconds`
// makes an online operator «Не на месте» (handoff/web/sse.py): back at the desk, she reads
// why and how to come back, until she chooses a status herself (`auto_away` in GET /me).

function awayFor(seconds) {
  return seconds < 60 ? `${Math.round(seconds)} с` : `${Math.round(seconds / 60)} мин`;
}

function showAutoAway(away) {
  const box = $("away-auto");
  if (!away) {
    box.hidden = true;
    return;
  }
  const since = new Date(away.at).toLocaleTimeString("ru-RU", { hour: "2-digit", minute: "2-digit" });
  $("away-auto-text").textContent =
    `Консоль была закрыта или без связи дольше ${awayFor(away.after_seconds)} — с ${since} ` +
    "у вас статус «Не на месте». Новые диалоги вам не назначаются. Вернуться: «В сети».";
  box.hidden = false;
}

async function refreshMe() {
  try {
    const data = await api("GET", "/me");
    const select = $("status");
    if (document.activeElement !== select && select.value !== data.operator.status) {
      select.value = data.operator.status;
    }
    showAutoAway(data.auto_away);
  } catch (error) {
    // the next poll or event tries again
  }
}

async function chooseStatus(status) {
  $("status").value = status;
  await api("POST", "/me/status", { status });
  showAutoAway(null);  // she chose: nothing to explain any more
}
