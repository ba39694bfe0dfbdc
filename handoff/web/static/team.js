// «Сотрудники»: the administrator adds colleagues, changes their role, teams and capacity, sets a
// new password, switches an account off or on (/api/v1/accounts). Text only, never HTML.
"use strict";

const STATUS = { online: "В сети", away: "Не на месте", offline: "Не в сети" };
let known = { teams: [], team_titles: {}, roles: {}, me: null };

function roleSelect(current) {
  const select = el("select", { class: "role" });
  for (const [value, title] of Object.entries(known.roles)) {
    select.append(el("option", { value, selected: value === current }, title));
  }
  return select;
}

function teamBoxes(chosen) {
  const box = el("span", { class: "teams" });
  for (const team of known.teams) {
    const input = el("input", { type: "checkbox", value: team, checked: chosen.includes(team) });
    box.append(el("label", {}, input, ` ${known.team_titles[team] || team}`));
  }
  return box;
}

const checkedTeams = (box) =>
  [...box.querySelectorAll("input[type=checkbox]:checked")].map((input) => input.value);

function tell(message, ok) {
  show("team-notice", ok ? message : "");
  show("team-error", ok ? "" : message);
}

async function act(work, done) {
  try {
    await work();
    tell(done, true);
    await load();
  } catch (err) {
    tell(err.message, false);
  }
}

function accountRow(a) {
  const name = el("input", { class: "name", value: a.display_name, maxLength: 64 });
  const role = roleSelect(a.role);
  const teams = teamBoxes(a.teams);
  const capacity = el("input", { class: "capacity", type: "number", min: 1, max: 50, value: a.capacity });
  const password = el("input", {
    class: "password", type: "password", placeholder: "Новый пароль", autocomplete: "new-password",
  });
  const save = el("button", { type: "button", class: "save" }, "Сохранить");
  save.addEventListener("click", () => act(
    () => api("PATCH", `/accounts/${a.id}`, {
      display_name: name.value, role: role.value, teams: checkedTeams(teams),
      capacity: Number(capacity.value),
    }),
    `Сохранено: ${name.value}`,
  ));
  const setPassword = el("button", { type: "button", class: "set-password" }, "Сменить пароль");
  setPassword.addEventListener("click", async () => {
    try {
      const done = await api("POST", `/accounts/${a.id}/password`, { password: password.value });
      if (done.relogin) { window.location.href = "/console/login?next=/console/team"; return; }
      tell(`Пароль изменён: ${a.display_name}. Открытые сеансы завершены.`, true);
      password.value = "";
    } catch (err) {
      tell(err.message, false);
    }
  });
  const toggle = el("button", { type: "button", class: "toggle" }, a.active ? "Отключить" : "Включить");
  toggle.addEventListener("click", async () => {
    if (a.active && !(await switchOffConfirmed(a))) return;
    act(
      () => api("PATCH", `/accounts/${a.id}`, { active: !a.active }),
      a.active ? `Отключён доступ: ${a.display_name}` : `Доступ включён: ${a.display_name}`,
    );
  });
  const status = a.active ? STATUS[a.status] || a.status : "Отключён";
  const row = el("tr", { "data-id": a.id, class: a.active ? "" : "inactive" },
    el("td", {}, name), el("td", { class: "login" }, a.username), el("td", {}, role),
    el("td", {}, teams), el("td", {}, capacity), el("td", { class: "status" }, status),
    el("td", { class: "actions" }, save, password, setPassword, a.id === known.me ? null : toggle));
  return row;
}

// «Отключить» ends the colleague's sessions and sends the conversations they hold back to the
// queue: asked first, with how many (counted now, not when the page was loaded).
async function switchOffConfirmed(a) {
  let held = a.conversations || 0;
  try {
    const fresh = (await api("GET", "/accounts")).accounts.find((x) => x.id === a.id);
    if (fresh) held = fresh.conversations || 0;
  } catch (err) {
    // the count the page has
  }
  const back = held
    ? ` ${held} ${plural(held, "диалог вернётся", "диалога вернутся", "диалогов вернутся")} в очередь.`
    : " Диалогов у сотрудника сейчас нет.";
  return window.confirm(`Отключить доступ: ${a.display_name}? Сотрудник не сможет войти в консоль.${back}`);
}

function plural(n, one, few, many) {
  const [d10, d100] = [n % 10, n % 100];
  if (d10 === 1 && d100 !== 11) return one;
  return d10 >= 2 && d10 <= 4 && (d100 < 12 || d100 > 14) ? few : many;
}

async function load() {
  const data = await api("GET", "/accounts");
  known = data;
  const body = document.querySelector("#accounts tbody");
  body.replaceChildren(...data.accounts.map(accountRow));
  const role = $("add-role");
  if (!role.options.length) {
    for (const [value, title] of Object.entries(data.roles)) {
      role.append(el("option", { value, selected: value === "operator" }, title));
    }
    $("add-teams").append(teamBoxes([]));
  }
}

$("add").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const name = $("add-name").value;
  act(async () => {
    await api("POST", "/accounts", {
      username: $("add-username").value, display_name: name, role: $("add-role").value,
      teams: checkedTeams($("add-teams")), capacity: Number($("add-capacity").value),
      password: $("add-password").value,
    });
    $("add").reset();
  }, `Добавлен сотрудник: ${name}`);
});

load().catch((err) => tell(err.message, false));
