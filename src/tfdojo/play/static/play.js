// tfdojo play: draw on the pad; while you draw and after each stroke the page sends the
// pad as a PNG to POST /api/play and shows every run's answer. Plain JavaScript, no
// framework, no build step, nothing loaded from elsewhere.
"use strict";

const LETTERS = "ABCDEFGHIJ";
const MAX_UNDO = 50;
const PAD_MARGIN = 24; // pixels of black around an image loaded into the pad

const state = {
  runs: [], // GET /api/runs
  busy: false, // a request is in flight
  queued: false, // the pad changed while it was
  answers: 0,
  undo: [], // ImageData snapshots, one per change
  stroke: null, // {id, x, y} while a pointer draws
  mistakes: {}, // run index -> GET /api/mistakes
  mistakesRun: 0,
};

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmt(v, digits = 3) {
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return v.toFixed(digits);
}

// ---------------------------------------------------------------- pictures of numbers

// Draw uint8 rows (H x W, 0 = black, 255 = white) into a canvas of that size.
function drawGrey(canvas, rows) {
  const h = rows.length, w = rows[0].length;
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  rows.flat().forEach((v, i) => {
    img.data.set([v, v, v, 255], 4 * i);
  });
  ctx.putImageData(img, 0, 0);
}

// Draw signed values (flat, row-major, w x h) red for positive, blue for negative,
// white for zero, on the scale [-limit, limit]: the reports' weight colours.
function drawSigned(canvas, values, w, h, limit) {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  const scale = limit > 0 ? limit : 1;
  values.forEach((v, i) => {
    const t = Math.max(-1, Math.min(1, v / scale));
    const rgb = t >= 0
      ? [255, 255 * (1 - t), 255 * (1 - t)]
      : [255 * (1 + t), 255 * (1 + t), 255];
    img.data.set([...rgb, 255], 4 * i);
  });
  ctx.putImageData(img, 0, 0);
}

function maxAbs(values) {
  return values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

function pixelCanvas() {
  return el("canvas", "pixels");
}

// ---------------------------------------------------------------- the drawing pad

const pad = $("pad");
const ctx = pad.getContext("2d", { willReadFrequently: true });

function fillBlack() {
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, pad.width, pad.height);
}

function snapshot() {
  state.undo.push(ctx.getImageData(0, 0, pad.width, pad.height));
  if (state.undo.length > MAX_UNDO) state.undo.shift();
}

function isBlank() {
  const data = ctx.getImageData(0, 0, pad.width, pad.height).data;
  for (let i = 0; i < data.length; i += 4) if (data[i] > 0) return false;
  return true;
}

function padPoint(event) {
  const box = pad.getBoundingClientRect();
  return {
    x: ((event.clientX - box.left) * pad.width) / box.width,
    y: ((event.clientY - box.top) * pad.height) / box.height,
  };
}

function strokeWidth(event) {
  const width = Number($("width").value);
  // A pen draws thinner or thicker with pressure; mouse and finger report 0.5.
  return event.pointerType === "pen" && event.pressure > 0 ? width * (0.4 + event.pressure) : width;
}

function line(from, to, width) {
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = width;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.lineTo(to.x, to.y);
  ctx.stroke();
}

pad.addEventListener("pointerdown", (event) => {
  if (event.pointerType === "mouse" && event.button !== 0) return;
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  snapshot();
  const p = padPoint(event);
  state.stroke = { id: event.pointerId, ...p };
  line(p, p, strokeWidth(event)); // a dot: a click draws
  ask();
});

pad.addEventListener("pointermove", (event) => {
  if (!state.stroke || event.pointerId !== state.stroke.id) return;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  for (const e of events.length ? events : [event]) {
    const p = padPoint(e);
    line(state.stroke, p, strokeWidth(e));
    Object.assign(state.stroke, p);
  }
  ask(); // live: at most one request in flight, the latest pad queued behind it
});

function endStroke(event) {
  if (!state.stroke || event.pointerId !== state.stroke.id) return;
  state.stroke = null;
  ask();
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

// Put a 28x28 image (rows of uint8) into the pad, to draw on it.
function loadIntoPad(rows) {
  snapshot();
  fillBlack();
  const small = document.createElement("canvas");
  drawGrey(small, rows);
  ctx.imageSmoothingEnabled = true;
  const size = pad.width - 2 * PAD_MARGIN;
  ctx.drawImage(small, PAD_MARGIN, PAD_MARGIN, size, size);
}

$("undo").addEventListener("click", undo);
$("clear").addEventListener("click", () => {
  snapshot();
  fillBlack();
  ask();
});
$("width").addEventListener("input", () => {
  $("width-value").textContent = $("width").value;
});
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === "z") {
    event.preventDefault();
    undo();
  }
});

function undo() {
  const last = state.undo.pop();
  if (!last) return;
  ctx.putImageData(last, 0, 0);
  ask();
}

// ---------------------------------------------------------------- asking the server

function setBusy(busy) {
  state.busy = busy;
  document.body.dataset.busy = busy ? "1" : "0";
}

// Send the pad; if a request is in flight, send the latest pad when it returns.
function ask() {
  if (state.busy) {
    state.queued = true;
    return;
  }
  if (isBlank()) {
    showBlank();
    return;
  }
  setBusy(true);
  pad.toBlob((blob) => send(blob, false), "image/png");
}

async function send(body, loadAnswerIntoPad) {
  const started = performance.now();
  try {
    const response = await fetch("/api/play", {
      method: "POST",
      headers: { "Content-Type": body.type || "application/octet-stream" },
      body,
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || `${response.status} ${response.statusText}`);
    $("error").textContent = "";
    if (loadAnswerIntoPad) loadIntoPad(answer.input);
    showAnswer(answer);
    const ms = performance.now() - started;
    $("latency").textContent = `Answered in ${ms.toFixed(0)} ms (request, framing, every model).`;
  } catch (error) {
    $("error").textContent = error.message;
  } finally {
    setBusy(false);
    if (state.queued) {
      state.queued = false;
      ask();
    }
  }
}

$("upload").addEventListener("change", () => {
  const file = $("upload").files[0];
  if (!file) return;
  setBusy(true);
  send(file, true); // the framed image then goes into the pad, to draw on
  $("upload").value = "";
});

// ---------------------------------------------------------------- one panel per run

function buildPanels() {
  const panels = $("panels");
  panels.replaceChildren();
  for (const run of state.runs) {
    const panel = el("article", "panel");
    panel.dataset.run = run.index;
    const title = el("h2", "", `${run.folder} `);
    const facts = [run.name, `${run.params.toLocaleString("en")} parameters`];
    if (run.test_accuracy != null) {
      facts.push(`${(100 * run.test_accuracy).toFixed(1)}% right on ${run.test_n.toLocaleString("en")} test images`);
    }
    title.append(el("small", "", facts.filter(Boolean).join(" · ")));
    title.title = [run.path, ...run.layers].join("\n");
    panel.append(title);

    const answer = el("div", "answer");
    answer.append(el("span", "top-letter", "?"), el("span", "top-p", "draw a letter"));
    panel.append(answer);

    const bars = el("div", "bars");
    for (const letter of LETTERS) {
      const track = el("div", "track");
      track.append(el("div", "fill"));
      bars.append(el("span", "letter", letter), track, el("span", "value", ""));
    }
    panel.append(bars);

    panel.append(el("h3", "", "Scores → exp → softmax"));
    const table = el("table", "softmax");
    table.innerHTML =
      "<thead><tr><th>letter</th><th>score z</th><th>exp(z)</th><th>p = exp(z) / Σ exp</th></tr></thead>";
    const body = el("tbody");
    for (const letter of LETTERS) {
      const row = el("tr");
      row.append(el("td", "", letter), el("td"), el("td"), el("td"));
      body.append(row);
    }
    table.append(body);
    panel.append(table);

    panel.append(el("h3", "layer-title", ""), el("p", "note layer-note", ""), el("div", "grid layer"));
    panels.append(panel);
  }
}

function showBlank() {
  document.body.dataset.busy = state.busy ? "1" : "0";
  drawGrey($("seen"), Array.from({ length: 28 }, () => new Array(28).fill(0)));
  for (const panel of document.querySelectorAll(".panel")) {
    panel.querySelector(".top-letter").textContent = "?";
    panel.querySelector(".top-p").textContent = "draw a letter";
    panel.querySelectorAll(".fill").forEach((f) => { f.style.width = "0"; });
    panel.querySelectorAll(".bars .value").forEach((v) => { v.textContent = ""; });
    panel.querySelectorAll("tbody td:not(:first-child)").forEach((td) => { td.textContent = ""; });
    panel.querySelector(".layer").replaceChildren();
  }
}

function showAnswer(answer) {
  drawGrey($("seen"), answer.input);
  answer.runs.forEach((result, i) => {
    const panel = document.querySelector(`.panel[data-run="${i}"]`);
    const probabilities = LETTERS.split("").map((letter) => result.probabilities[letter]);
    const top = LETTERS.indexOf(result.letter);
    panel.querySelector(".top-letter").textContent = result.letter;
    panel.querySelector(".top-p").textContent = `${(100 * probabilities[top]).toFixed(1)}% sure`;
    panel.querySelectorAll(".fill").forEach((fill, k) => {
      fill.style.width = `${(100 * probabilities[k]).toFixed(2)}%`;
      fill.classList.toggle("top", k === top);
    });
    panel.querySelectorAll(".bars .value").forEach((value, k) => {
      value.textContent = probabilities[k].toFixed(3);
    });
    panel.querySelectorAll("tbody tr").forEach((row, k) => {
      const z = result.logits[k];
      row.classList.toggle("top", k === top);
      row.children[1].textContent = fmt(z);
      row.children[2].textContent = fmt(Math.exp(z));
      row.children[3].textContent = fmt(probabilities[k], 4);
    });
    const views = { logistic: showTemplates, cnn: showFeatureMaps, mlp: showUnits };
    const show = result.layer ? views[result.layer.kind] : undefined;
    if (show) show(panel, state.runs[i], result.layer, top);
    else showNoLayer(panel);
  });
  state.answers += 1;
  document.body.dataset.answers = String(state.answers);
}

function setLayerText(panel, title, note) {
  panel.querySelector(".layer-title").textContent = title;
  panel.querySelector(".layer-note").textContent = note;
}

// A learner's model whose first layer is none of the shapes above: the answer only.
function showNoLayer(panel) {
  setLayerText(
    panel,
    "First layer: not available for this model",
    "tfdojo draws a first layer whose weights are W (784, 10) templates, W1 (784, H) hidden " +
      "units or a (k, k, 1, depth) convolution, each with its bias (b, b1, conv_b...); this " +
      "model's first weights are none of those. Its answer above is the model's own.",
  );
  panel.querySelector(".layer").replaceChildren();
}

// Logistic: z_k = Σ_p x_p W[p, k] + b_k; each template W[:, k] beside x * W[:, k].
function showTemplates(panel, run, layer, top) {
  setLayerText(
    panel,
    "Ten templates, and what your drawing scores on each",
    "z_k = Σ_p x_p·W[p, k] + b_k. Left: letter k's template W[:, k] (red: ink there raises " +
      "its score). Right: x_p·W[p, k] for your drawing: red pixels pushed towards the letter, " +
      "blue pixels away. The background is x = −0.5, so it pushes too.",
  );
  const grid = panel.querySelector(".layer");
  grid.replaceChildren();
  const templateLimit = maxAbs(run.templates.flat());
  const contributionLimit = maxAbs(layer.contributions.flat());
  LETTERS.split("").forEach((letter, k) => {
    const cell = el("div", k === top ? "cell top" : "cell");
    const pair = el("div", "pair");
    const template = pixelCanvas();
    const contribution = pixelCanvas();
    drawSigned(template, run.templates[k], 28, 28, templateLimit);
    drawSigned(contribution, layer.contributions[k], 28, 28, contributionLimit);
    pair.append(template, contribution);
    cell.append(pair, el("div", "", `${letter}: z = ${fmt(layer.scores[k], 2)}`));
    grid.append(cell);
  });
}

// Convnet: the first convolution's feature maps, each under its filter.
function showFeatureMaps(panel, run, layer) {
  setLayerText(
    panel,
    `First layer: ${layer.maps.length} feature maps (${layer.layer})`,
    `${layer.describe ? `${layer.describe}. ` : ""}` +
      "Each map is relu(conv(x, K_d) + b_d): white where filter K_d " +
      "(above it, red +, blue −) matches your drawing; each map on its own scale.",
  );
  const grid = panel.querySelector(".layer");
  grid.replaceChildren();
  const filterLimit = maxAbs(run.filters.flat(2));
  layer.maps.forEach((map, d) => {
    const cell = el("div", "cell");
    const filter = pixelCanvas();
    const k = run.filters[d].length;
    drawSigned(filter, run.filters[d].flat(), k, k, filterLimit);
    filter.style.width = "24px";
    filter.style.height = "24px";
    const image = pixelCanvas();
    drawGrey(image, map);
    cell.append(filter, image, el("div", "", `#${d} max ${fmt(layer.peak[d], 2)}`));
    grid.append(cell);
  });
}

// MLP: the most active hidden units, each as its weights W1[:, j].
function showUnits(panel, run, layer) {
  setLayerText(
    panel,
    `First hidden layer: ${layer.active.toLocaleString("en")} of ` +
      `${layer.units_total.toLocaleString("en")} units active`,
    "h_j = relu(Σ_p x_p·W1[p, j] + b1_j). The most active units for your drawing, each " +
      "drawn as its weights W1[:, j] (red: ink there raises h_j, blue lowers it).",
  );
  const grid = panel.querySelector(".layer");
  grid.replaceChildren();
  for (const unit of layer.units) {
    const cell = el("div", "cell big");
    const image = pixelCanvas();
    drawSigned(image, unit.weights, 28, 28, maxAbs(unit.weights));
    cell.append(image, el("div", "", `unit ${unit.unit}: h = ${fmt(unit.activation, 2)}`));
    grid.append(cell);
  }
}

// ---------------------------------------------------------------- tabs and mistakes

function showTab(name) {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.classList.toggle("active", tab.dataset.tab === name);
  }
  $("tab-draw").hidden = name !== "draw";
  $("tab-mistakes").hidden = name !== "mistakes";
  if (name === "mistakes") showMistakes(state.mistakesRun);
}
for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => showTab(tab.dataset.tab));
}

function buildMistakeButtons() {
  const box = $("mistakes-runs");
  box.replaceChildren();
  if (state.runs.length < 2) return;
  for (const run of state.runs) {
    const button = el("button", "", run.folder);
    button.type = "button";
    button.dataset.run = run.index;
    button.addEventListener("click", () => showMistakes(run.index));
    box.append(button);
  }
}

async function showMistakes(index) {
  state.mistakesRun = index;
  for (const button of $("mistakes-runs").children) {
    button.classList.toggle("active", Number(button.dataset.run) === index);
  }
  const list = $("mistakes");
  if (!state.mistakes[index]) {
    $("mistakes-summary").textContent = "Scoring the run's test images...";
    list.replaceChildren();
    const response = await fetch(`/api/mistakes?run=${index}`);
    const answer = await response.json();
    if (!response.ok) {
      $("mistakes-summary").textContent = answer.error;
      return;
    }
    state.mistakes[index] = answer;
  }
  if (state.mistakesRun !== index) return;
  const found = state.mistakes[index];
  $("mistakes-summary").textContent =
    `${found.wrong.toLocaleString("en")} of ${found.test_n.toLocaleString("en")} test images ` +
    `are wrong (${found.run}); the ${found.mistakes.length} the model was surest of, surest ` +
    "first. Bars: softmax, green the true letter, red the answer. Click one to draw on it.";
  list.replaceChildren(...found.mistakes.map(mistakeCard));
}

function mistakeCard(mistake) {
  const card = el("div", "mistake");
  const image = pixelCanvas();
  drawGrey(image, mistake.image);
  const top = LETTERS.indexOf(mistake.letter);
  const p = mistake.probabilities[top];
  card.append(image, el("div", "", `true ${mistake.label} → ${mistake.letter} ${(100 * p).toFixed(0)}%`));
  const bars = el("div", "minibars");
  const letters = el("div", "miniletters");
  mistake.probabilities.forEach((q, k) => {
    const bar = el("div", LETTERS[k] === mistake.label ? "true" : k === top ? "answer" : "");
    bar.style.height = `${Math.max(1, 100 * q).toFixed(1)}%`;
    bars.append(bar);
    letters.append(el("span", "", LETTERS[k]));
  });
  card.append(bars, letters);
  card.title = `test image #${mistake.index}`;
  card.addEventListener("click", () => {
    loadIntoPad(mistake.image);
    showTab("draw");
    ask();
  });
  return card;
}

// ---------------------------------------------------------------- start

async function start() {
  fillBlack();
  showBlank();
  try {
    const response = await fetch("/api/runs");
    state.runs = await response.json();
  } catch (error) {
    $("error").textContent = `could not reach the tfdojo play server (${error.message})`;
    return;
  }
  $("run-names").textContent = state.runs.map((r) => r.folder).join("  vs  ");
  $("run-names").title = state.runs.map((r) => r.path).join("\n");
  buildPanels();
  buildMistakeButtons();
  showBlank();
  document.body.dataset.ready = "1";
}

start();
