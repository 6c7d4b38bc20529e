// The room's board: polls GET /api/board every 2 s with the facilitator's token and draws it.
// Every text a learner sent (names, causes) is set with textContent: shown, never parsed as
// HTML. The one piece of HTML taken from the server is a shared file, escaped there.
"use strict";

const POLL_MS = 2000;
const SYMBOL = { pass: "\u2713", failing: "\u2717", todo: "\u00b7" };
let token = null;
let timer = null;

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function problem(message) {
  const p = document.getElementById("problem");
  p.textContent = message || "";
  p.hidden = !message;
}

async function api(path) {
  const response = await fetch(path, {
    headers: { Authorization: "Bearer " + token },
    cache: "no-store",
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.status);
  return body;
}

function drawGrid(board) {
  const grid = document.getElementById("grid");
  const head = el("tr");
  head.append(el("th", "learner", "name"));
  board.katas.forEach((kata, i) => {
    const th = el("th", String(i + 1), "kata");
    th.title = kata;
    head.append(th);
  });
  head.append(el("th", "min", "kata"));
  grid.tHead.replaceChildren(head);
  const rows = board.learners.map((learner) => {
    const tr = el("tr");
    tr.append(el("td", learner.name, "name"));
    for (const kata of board.katas) {
      const status = learner.cells[kata];
      const td = el("td", status ? SYMBOL[status] : "", "cell" + (status ? " " + status : ""));
      if (kata === learner.current && learner.status !== "pass") td.classList.add("current");
      td.title = kata + (status ? ": " + status : "");
      tr.append(td);
    }
    const minutes = learner.minutes === null ? "" : Math.floor(learner.minutes);
    tr.append(el("td", minutes, "minutes"));
    return tr;
  });
  grid.tBodies[0].replaceChildren(...rows);
  document.getElementById("legend").textContent =
    board.katas.map((kata, i) => i + 1 + " " + kata).join(" \u00b7 ") +
    " \u00b7 min: minutes on the current kata";
}

function drawCauses(board) {
  const items = board.top_causes.map((c) => {
    const li = el("li");
    const who = c.learners === 1 ? "1 learner" : c.learners + " learners";
    li.append(el("span", who + ": ", "count"), el("span", c.cause_text || c.cause, "cause"));
    li.append(el("div", c.kata + (c.concept ? " \u00b7 " + c.concept : ""), "kata-name"));
    return li;
  });
  document.getElementById("causes").replaceChildren(...items);
  document.getElementById("stuck-minutes").textContent =
    "(more than " + board.stuck_minutes + " min on one cause)";
  const stuck = board.stuck.map((s) => {
    const li = el("li");
    li.append(el("span", s.name, "count"), el("span", " " + Math.floor(s.minutes) + " min on "));
    li.append(el("span", s.kata, "kata-name"), el("div", s.cause_text || s.cause, "muted"));
    return li;
  });
  if (!stuck.length) stuck.push(el("li", "nobody", "muted"));
  document.getElementById("stuck").replaceChildren(...stuck);
}

function drawShares(board) {
  const items = board.shares.slice().reverse().map((s) => {
    const li = el("li");
    const button = el("button", s.name + ": " + s.filename);
    button.type = "button";
    button.dataset.share = s.id;
    button.addEventListener("click", () => showShare(s.id));
    li.append(button, el("span", " " + s.lines + " lines", "muted"));
    return li;
  });
  document.getElementById("shares").replaceChildren(...items);
}

function drawRandori(board) {
  const box = document.getElementById("randori");
  const r = board.randori;
  box.hidden = !r;
  if (!r) return;
  document.getElementById("pilot").textContent = r.pilot;
  document.getElementById("copilot").textContent = r.copilot;
  const left = Math.max(0, Math.round(r.seconds_left));
  document.getElementById("countdown").textContent =
    Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
  const verdict = document.getElementById("randori-verdict");
  const last = r.last;
  verdict.className = last ? last.status : "";
  verdict.textContent = last
    ? last.kata + ": " + last.status + (last.cause_text ? " \u2014 " + last.cause_text : "")
    : "waiting for " + r.pilot + "'s first check";
}

async function refresh() {
  try {
    const board = await api("/api/board");
    drawGrid(board);
    drawCauses(board);
    drawShares(board);
    drawRandori(board);
    const n = board.learners.length;
    document.getElementById("counts").textContent =
      n + (n === 1 ? " learner" : " learners") + " \u00b7 " + board.now.slice(11, 16) + " UTC";
    problem("");
    document.body.dataset.state = "live";
    document.body.dataset.updates = String(Number(document.body.dataset.updates) + 1);
  } catch (err) {
    problem("board: " + err.message);
    document.body.dataset.state = "error";
  }
}

async function showShare(id) {
  try {
    const s = await api("/api/share/" + Number(id));
    document.getElementById("viewer-title").textContent =
      s.name + ": " + s.filename + " (" + s.kata + ")";
    document.getElementById("viewer-code").innerHTML = s.html; // escaped on the server
    document.getElementById("viewer").hidden = false;
  } catch (err) {
    problem("share: " + err.message);
  }
}

function cellText(row, values) {
  const tr = el("tr");
  values.forEach((v) => tr.append(el(row, v === null || v === undefined ? "-" : v)));
  return tr;
}

async function showSummary() {
  try {
    const s = await api("/api/summary");
    const katas = [cellText("th", ["kata", "learners", "passed", "median min", "hints", "verdicts"])];
    s.katas.forEach((k) =>
      katas.push(cellText("td", [k.kata, k.learners, k.passed, k.median_minutes, k.hints, k.verdicts])));
    document.getElementById("summary-katas").replaceChildren(...katas);
    const causes = [cellText("th", ["learners", "verdicts", "kata", "cause"])];
    s.causes.forEach((c) =>
      causes.push(cellText("td", [c.learners, c.verdicts, c.kata, c.cause_text || c.cause])));
    document.getElementById("summary-causes").replaceChildren(...causes);
  } catch (err) {
    problem("summary: " + err.message);
  }
}

function showTab(name) {
  document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.getElementById("tab-board").hidden = name !== "board";
  document.getElementById("tab-summary").hidden = name !== "summary";
  if (name === "summary") showSummary();
}

function start(given) {
  token = given;
  sessionStorage.setItem("tfdojo-board-token", token);
  document.getElementById("login").hidden = true;
  clearInterval(timer);
  refresh();
  timer = setInterval(refresh, POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  document.getElementById("viewer-close").addEventListener("click", () => {
    document.getElementById("viewer").hidden = true;
  });
  document.getElementById("use-token").addEventListener("click", () => {
    start(document.getElementById("token").value.trim());
  });
  // The token comes in the address's #fragment (never sent to a server, never logged);
  // it is kept for this tab and taken off the address bar before the projector shows it.
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash) history.replaceState(null, "", location.pathname);
  const saved = fromHash || sessionStorage.getItem("tfdojo-board-token");
  if (saved) start(saved);
  else document.getElementById("login").hidden = false;
});
