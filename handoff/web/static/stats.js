// Manager statistics: numbers from /api/v1/metrics, written into the page as text.
"use strict";

const $ = (id) => document.getElementById(id);
const seconds = (v) => (v === null || v === undefined ? "—" : `${v} с`);
const share = (v) => (v === null || v === undefined ? "—" : `${Math.round(v * 100)}%`);

async function load() {
  const response = await fetch(`/api/v1/metrics?days=${$("days").value}`, { credentials: "same-origin" });
  const data = await response.json();
  if (!response.ok) {
    $("p50").textContent = data.message || "Ошибка";
    return;
  }
  $("p50").textContent = seconds(data.first_response.p50_seconds);
  $("p90").textContent = seconds(data.first_response.p90_seconds);
  $("within").textContent = share(data.first_response.within_goal_share);
  $("csat").textContent = data.csat.average === null ? "—" : `${data.csat.average} (${data.csat.ratings})`;
  $("csat45").textContent = share(data.csat.share_4_5);
  $("deflection").textContent = `${share(data.deflection.rate)} из ${data.deflection.conversations}`;
  const rows = data.per_operator_day.map((r) => {
    const tr = document.createElement("tr");
    for (const value of [r.date, r.operator, r.conversations]) {
      const td = document.createElement("td");
      td.textContent = String(value);
      tr.append(td);
    }
    return tr;
  });
  document.querySelector("#per-operator tbody").replaceChildren(...rows);
}

$("days").addEventListener("change", load);
load();
