// gradlab's page: state from the URL, numbers from the engine (gradlab.js, WebAssembly), drawing on
// canvases. No number shown here is computed in JavaScript; the drawing only maps them to pixels.
'use strict';

// ---- state <-> URL -------------------------------------------------------------------------------
const DEFAULTS = {w0: 0, b0: -8, eta: 1, epochs: 1000, optimizer: 'gd', activation: 'sigmoid',
                  expr: 'sigmoid(w*x+b)', at: 'w=0.5,b=-1,x=2', point: 0, panel: '',
                  net_data: 'disc', net_n: 200, net_hidden: '8', net_activation: 'tanh', net_optimizer: 'adam',
                  net_eta: 0.05, net_epochs: 300, net_seed: 1};
const NUMERIC = ['w0', 'b0', 'eta', 'epochs', 'point', 'net_n', 'net_eta', 'net_epochs', 'net_seed'];

function readState() {
  const q = new URLSearchParams(location.search);
  const s = Object.assign({}, DEFAULTS);
  for (const k of Object.keys(DEFAULTS)) {
    if (!q.has(k)) continue;
    const v = q.get(k);
    s[k] = NUMERIC.includes(k) ? Number(v) : v;
  }
  return s;
}

function writeState() {
  const q = new URLSearchParams();
  for (const k of Object.keys(DEFAULTS)) if (state[k] !== '' ) q.set(k, String(state[k]));
  history.replaceState(null, '', '?' + q.toString());
}

// ---- the engine ------------------------------------------------------------------------------------
let engine = null;
// Calls one of the module's functions with a request object; returns the parsed reply.
// The engine writes NaN and infinities as the strings "NaN", "Infinity", "-Infinity" (as `gradlab --json`
// does); the page draws and prints them as null ('not finite'). Text fields keep their text.
const TEXT_FIELDS = new Set(['formula', 'op', 'error', 'reason', 'name', 'activation', 'label']);
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);
function call(name, request) {
  return JSON.parse(engine[name](JSON.stringify(request)),
                    (k, v) => (NON_FINITE.has(v) && !TEXT_FIELDS.has(k) ? null : v));
}

// Shortest text that reads back to the same double (the same digits `gradlab --json` prints);
// null is how JSON carries a value that is not finite.
function fmt(v) { return v === null ? 'not finite' : String(v); }

const $ = (id) => document.getElementById(id);
let state = readState();
let surf = null;  // the current surface (depends on the activation only)
let runResult = null;

// ---- drawing helpers ---------------------------------------------------------------------------
function viridis(t) {  // t in [0, 1] -> a colour from dark blue to yellow
  const c = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  t = Math.min(1, Math.max(0, t)) * (c.length - 1);
  const i = Math.min(c.length - 2, Math.floor(t)), f = t - i;
  return c[i].map((x, k) => Math.round(x + f * (c[i + 1][k] - x)));
}
function logLevel(L) { return Math.log10(Math.max(L, 1e-12)); }
function surfRange(s) {
  let lo = Infinity, hi = -Infinity;
  for (const L of s.loss) if (L !== null) { lo = Math.min(lo, logLevel(L)); hi = Math.max(hi, logLevel(L)); }
  return [lo, hi];
}

// The contour map: a heat map of log L, iso-lines by marching squares, and paths on top.
const PAD = {l: 44, r: 10, t: 10, b: 30};
function mapper(canvas, s) {
  const W = canvas.width - PAD.l - PAD.r, H = canvas.height - PAD.t - PAD.b;
  return {
    x: (w) => PAD.l + (w - s.w_min) / (s.w_max - s.w_min) * W,
    y: (b) => PAD.t + (1 - (b - s.b_min) / (s.b_max - s.b_min)) * H,
    w: (px) => s.w_min + (px - PAD.l) / W * (s.w_max - s.w_min),
    b: (py) => s.b_min + (1 - (py - PAD.t) / H) * (s.b_max - s.b_min),
  };
}
// The map is drawn once per surface and canvas size, then copied (dragging redraws only the path).
const contourCache = new Map();
function drawContour(canvas, s) {
  const key = canvas.width + 'x' + canvas.height;
  let bg = contourCache.get(key);
  if (!bg || bg.surface !== s) {
    const off = document.createElement('canvas');
    off.width = canvas.width; off.height = canvas.height;
    drawContourMap(off, s);
    bg = {surface: s, canvas: off};
    contourCache.set(key, bg);
  }
  canvas.getContext('2d').drawImage(bg.canvas, 0, 0);
}
function drawContourMap(canvas, s) {
  const g = canvas.getContext('2d'), m = mapper(canvas, s), n = s.n;
  g.fillStyle = '#fff'; g.fillRect(0, 0, canvas.width, canvas.height);
  const [lo, hi] = surfRange(s);
  const cw = (m.x(s.w_max) - m.x(s.w_min)) / (n - 1), ch = (m.y(s.b_min) - m.y(s.b_max)) / (n - 1);
  const at = (i, j) => s.loss[j * n + i];
  for (let j = 0; j < n; ++j)
    for (let i = 0; i < n; ++i) {
      const L = at(i, j);
      const [r, gg, b] = L === null ? [255, 0, 0] : viridis((logLevel(L) - lo) / (hi - lo));
      g.fillStyle = `rgb(${r},${gg},${b})`;
      const w = s.w_min + (s.w_max - s.w_min) * i / (n - 1), bb = s.b_min + (s.b_max - s.b_min) * j / (n - 1);
      g.fillRect(m.x(w) - cw / 2, m.y(bb) - ch / 2, cw + 1, ch + 1);
    }
  // iso-lines of log L at 12 levels (marching squares, straight segments)
  g.strokeStyle = 'rgba(255,255,255,0.55)'; g.lineWidth = 1;
  for (let k = 1; k < 12; ++k) {
    const lev = lo + (hi - lo) * k / 12;
    g.beginPath();
    for (let j = 0; j + 1 < n; ++j)
      for (let i = 0; i + 1 < n; ++i) {
        const c = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
        const v = c.map(([a, b]) => at(a, b) === null ? NaN : logLevel(at(a, b)));
        const pts = [];
        for (let e = 0; e < 4; ++e) {
          const a = v[e], b = v[(e + 1) % 4];
          if ((a < lev) !== (b < lev) && isFinite(a) && isFinite(b)) {
            const t = (lev - a) / (b - a), p = c[e], q = c[(e + 1) % 4];
            const ii = p[0] + t * (q[0] - p[0]), jj = p[1] + t * (q[1] - p[1]);
            pts.push([m.x(s.w_min + (s.w_max - s.w_min) * ii / (n - 1)), m.y(s.b_min + (s.b_max - s.b_min) * jj / (n - 1))]);
          }
        }
        for (let p = 0; p + 1 < pts.length; p += 2) { g.moveTo(...pts[p]); g.lineTo(...pts[p + 1]); }
      }
    g.stroke();
  }
  // axes
  g.fillStyle = '#000'; g.font = '12px sans-serif'; g.textAlign = 'center';
  for (let w = Math.ceil(s.w_min); w <= s.w_max; w += 2) g.fillText(String(w), m.x(w), canvas.height - 12);
  g.fillText('w', canvas.width - 18, canvas.height - 12);
  g.textAlign = 'right';
  for (let b = Math.ceil(s.b_min); b <= s.b_max; b += 2) g.fillText(String(b), PAD.l - 6, m.y(b) + 4);
  g.fillText('b', PAD.l - 6, PAD.t + 10);
  // the exact optimum of the sigmoid neuron
  const o = s.optimum;
  g.strokeStyle = '#fff'; g.lineWidth = 2; g.beginPath();
  g.moveTo(m.x(o.w) - 5, m.y(o.b) - 5); g.lineTo(m.x(o.w) + 5, m.y(o.b) + 5);
  g.moveTo(m.x(o.w) + 5, m.y(o.b) - 5); g.lineTo(m.x(o.w) - 5, m.y(o.b) + 5); g.stroke();
}
function drawPath(canvas, s, run, colour, upto) {
  const g = canvas.getContext('2d'), m = mapper(canvas, s);
  const last = Math.min(upto === undefined ? run.w.length - 1 : upto, run.w.length - 1);
  g.save();
  g.beginPath(); g.rect(PAD.l, PAD.t, canvas.width - PAD.l - PAD.r, canvas.height - PAD.t - PAD.b); g.clip();
  g.strokeStyle = colour; g.lineWidth = 2; g.beginPath();
  for (let k = 0; k <= last; ++k) (k ? g.lineTo : g.moveTo).call(g, m.x(run.w[k]), m.y(run.b[k]));
  g.stroke();
  g.fillStyle = colour;
  g.beginPath(); g.arc(m.x(run.w[last]), m.y(run.b[last]), 4, 0, 2 * Math.PI); g.fill();
  g.strokeStyle = colour; g.beginPath(); g.arc(m.x(run.w[0]), m.y(run.b[0]), 5, 0, 2 * Math.PI); g.stroke();
  g.restore();
}

// The rotatable 3-D view: the surface (log L as height) as shaded quads, back to front.
const view = {az: -0.9, el: 0.55};
function draw3d() {
  const canvas = $('surface3d'), g = canvas.getContext('2d'), s = surf, n = s.n;
  g.fillStyle = '#fff'; g.fillRect(0, 0, canvas.width, canvas.height);
  const [lo, hi] = surfRange(s);
  const ca = Math.cos(view.az), sa = Math.sin(view.az), ce = Math.cos(view.el), se = Math.sin(view.el);
  const scale = Math.min(canvas.width, canvas.height) * 0.36;
  // normalised coordinates in [-1, 1]^2 x [0, 1] -> screen x, y and depth
  const P = (u, v, h) => {
    const x = u * ca - v * sa, y = u * sa + v * ca, z = h * 1.2 - 0.6;
    return [canvas.width / 2 + scale * x, canvas.height / 2 + scale * (-z * ce + y * se), y * ce + z * se];
  };
  const U = (w) => 2 * (w - s.w_min) / (s.w_max - s.w_min) - 1, V = (b) => 2 * (b - s.b_min) / (s.b_max - s.b_min) - 1;
  const Hh = (L) => L === null ? 1 : (logLevel(L) - lo) / (hi - lo);
  const step = Math.max(1, Math.floor(n / 40)), quads = [];
  for (let j = 0; j + step < n; j += step)
    for (let i = 0; i + step < n; i += step) {
      const c = [[i, j], [i + step, j], [i + step, j + step], [i, j + step]].map(([a, b]) =>
        P(2 * a / (n - 1) - 1, 2 * b / (n - 1) - 1, Hh(s.loss[b * n + a])));
      const hmean = (Hh(s.loss[j * n + i]) + Hh(s.loss[(j + step) * n + i + step])) / 2;
      quads.push({c, depth: c.reduce((d, p) => d + p[2], 0) / 4, h: hmean});
    }
  quads.sort((a, b) => b.depth - a.depth);
  for (const q of quads) {
    const [r, gg, b] = viridis(q.h);
    g.fillStyle = `rgb(${r},${gg},${b})`; g.strokeStyle = 'rgba(0,0,0,0.15)';
    g.beginPath(); q.c.forEach((p, k) => (k ? g.lineTo : g.moveTo).call(g, p[0], p[1])); g.closePath();
    g.fill(); g.stroke();
  }
  if (runResult && !runResult.error) {
    const r = runResult;
    g.strokeStyle = '#e00'; g.lineWidth = 2.5; g.beginPath();
    for (let k = 0; k < r.w.length; ++k) {
      const p = P(U(r.w[k]), V(r.b[k]), Hh(r.loss[k]) + 0.01);
      (k ? g.lineTo : g.moveTo).call(g, p[0], p[1]);
    }
    g.stroke();
  }
  g.fillStyle = '#000'; g.font = '12px sans-serif';
  const lw = P(1.1, -1, 0), lb = P(-1, 1.1, 0);
  g.fillText('w', lw[0], lw[1]); g.fillText('b', lb[0], lb[1]);
}

function drawLossCurve(run, canvas = $('losscurve'), upto = Infinity) {
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff'; g.fillRect(0, 0, canvas.width, canvas.height);
  const ys = run.loss.map((L) => L === null ? NaN : logLevel(L)).filter(isFinite);
  if (!ys.length) return;
  let lo = Math.floor(Math.min(...ys)), hi = Math.ceil(Math.max(...ys));
  if (hi === lo) hi = lo + 1;
  const W = canvas.width - PAD.l - PAD.r, H = canvas.height - PAD.t - PAD.b, N = Math.max(1, run.loss.length - 1);
  const X = (k) => PAD.l + k / N * W, Y = (v) => PAD.t + (1 - (v - lo) / (hi - lo)) * H;
  g.strokeStyle = '#ccc'; g.fillStyle = '#000'; g.font = '12px sans-serif'; g.textAlign = 'right';
  for (let e = lo; e <= hi; ++e) {
    g.beginPath(); g.moveTo(PAD.l, Y(e)); g.lineTo(PAD.l + W, Y(e)); g.stroke();
    g.fillText('1e' + e, PAD.l - 4, Y(e) + 4);
  }
  g.textAlign = 'center'; g.fillText('epoch ' + N, PAD.l + W - 30, canvas.height - 10); g.fillText('0', PAD.l, canvas.height - 10);
  g.strokeStyle = '#c00'; g.lineWidth = 2; g.beginPath();
  run.loss.forEach((L, k) => { if (L !== null && k <= upto) (k ? g.lineTo : g.moveTo).call(g, X(k), Y(logLevel(L))); });
  g.stroke();
}

// ---- panels ------------------------------------------------------------------------------------
function showError(id, reply, source) {
  const el = $(id);
  if (!reply || !reply.error) { el.hidden = true; el.textContent = ''; return false; }
  el.hidden = false;
  el.textContent = reply.error;
  return true;
}

// The run's warnings, a list of {kind, message} as `gradlab train --json` has them: one item each, the
// kinds in data-kinds (the tests read them).
function showWarnings(id, warnings) {
  const el = $(id);
  el.replaceChildren();
  for (const w of warnings) {
    const li = document.createElement('li');
    li.dataset.kind = w.kind;
    li.textContent = `warning: ${w.message}`;
    el.appendChild(li);
  }
  el.dataset.kinds = warnings.map((w) => w.kind).join(',');
  el.hidden = warnings.length === 0;
}

function updateSurface() {
  surf = call('surface', {activation: state.activation, n: 81});
  if (showError('article-error', surf)) { surf = null; return; }
}

function updateArticle() {
  writeState();
  const r = call('run', {w0: state.w0, b0: state.b0, eta: state.eta, epochs: state.epochs,
                         optimizer: state.optimizer, activation: state.activation});
  if (showError('article-error', r)) {  // no stale numbers beside an error
    runResult = null;
    for (const id of ['start-w', 'start-b', 'start-loss', 'final-epoch', 'final-w', 'final-b', 'final-loss']) $(id).textContent = '';
    return;
  }
  runResult = r;
  $('start-w').textContent = fmt(r.w[0]); $('start-b').textContent = fmt(r.b[0]);
  $('start-loss').textContent = fmt(r.loss[0]);
  $('final-epoch').textContent = r.final.epoch;
  $('final-w').textContent = fmt(r.final.w); $('final-b').textContent = fmt(r.final.b);
  $('final-loss').textContent = fmt(r.final.loss);
  if (surf) {
    drawContour($('contour'), surf); drawPath($('contour'), surf, r, '#e00'); draw3d();
  }
  drawLossCurve(r);
}

const OPT_COLOURS = ['#e41a1c', '#ff7f00', '#f0f', '#4daf4a', '#00d0ff', '#fff'];
let optRuns = null, optFrame = 0, optTimer = null;
function updateOptimizers() {
  optRuns = call('optimizers', {epochs: state.epochs});
  const t = $('opt-table');
  t.innerHTML = '<tr><th>optimizer</th><th>w</th><th>b</th><th>L</th></tr>';
  if (optRuns.error) return;  // the article panel shows the error of the same state
  optRuns.names.forEach((name, k) => {
    const f = optRuns.runs[name].final, tr = document.createElement('tr');
    tr.innerHTML = `<th><span class="swatch" style="background:${OPT_COLOURS[k]}"></span>${name}</th>` +
      `<td id="opt-${name}-w"></td><td id="opt-${name}-b"></td><td id="opt-${name}-loss"></td>`;
    t.appendChild(tr);
    $(`opt-${name}-w`).textContent = fmt(f.w); $(`opt-${name}-b`).textContent = fmt(f.b);
    $(`opt-${name}-loss`).textContent = fmt(f.loss);
  });
  playOptimizers();
}
function drawOptimizers(upto) {
  const c = $('opt-contour');
  if (!surf || !optRuns || optRuns.error) return;
  drawContour(c, surf);
  optRuns.names.forEach((name, k) => drawPath(c, surf, optRuns.runs[name], OPT_COLOURS[k], upto));
}
function playOptimizers() {
  if (optTimer) cancelAnimationFrame(optTimer);
  const total = state.epochs, frames = 90;
  optFrame = 0;
  const tick = () => {
    drawOptimizers(Math.round(total * optFrame / frames));
    if (optFrame++ < frames) optTimer = requestAnimationFrame(tick);
  };
  if (document.hidden) drawOptimizers(total); else tick();
}

function updateActivation() {
  const a = call('activation', {name: state.activation, n: 301});
  if (a.error) return;
  $('act-formula').textContent = a.formula; $('act-derivative').textContent = a.derivative;
  $('act-kink').textContent = a.kink;
  const canvas = $('act-plot'), g = canvas.getContext('2d');
  g.fillStyle = '#fff'; g.fillRect(0, 0, canvas.width, canvas.height);
  const ys = a.f.concat(a.d).filter((v) => v !== null);
  let lo = Math.min(0, ...ys), hi = Math.max(1, ...ys);
  const W = canvas.width - PAD.l - PAD.r, H = canvas.height - PAD.t - PAD.b;
  const X = (x) => PAD.l + (x - a.domain[0]) / (a.domain[1] - a.domain[0]) * W, Y = (v) => PAD.t + (1 - (v - lo) / (hi - lo)) * H;
  g.strokeStyle = '#999'; g.beginPath(); g.moveTo(PAD.l, Y(0)); g.lineTo(PAD.l + W, Y(0));
  if (a.domain[0] < 0 && a.domain[1] > 0) { g.moveTo(X(0), PAD.t); g.lineTo(X(0), PAD.t + H); }
  g.stroke();
  g.fillStyle = '#000'; g.font = '12px sans-serif'; g.textAlign = 'right';
  for (const v of [lo, 0, hi]) g.fillText(String(+v.toPrecision(3)), PAD.l - 4, Y(v) + 4);
  g.textAlign = 'center';
  for (const x of [a.domain[0], 0, a.domain[1]]) g.fillText(String(x), X(x), canvas.height - 10);
  for (const [ys2, colour] of [[a.f, '#1f5fbf'], [a.d, '#d2691e']]) {
    g.strokeStyle = colour; g.lineWidth = 2; g.beginPath();
    ys2.forEach((v, k) => { if (v !== null) (k ? g.lineTo : g.moveTo).call(g, X(a.x[k]), Y(v)); });
    g.stroke();
  }
}

// The ledger of the per-point loss 1/2 (f(w x + b) - y)^2 at the start (w0, b0).
const POINTS = [[0.5, 0.2], [2.5, 0.9]];
let ledger = null, ledgerShown = 0;
function updateLedger() {
  const [x, y] = POINTS[state.point] || POINTS[0];
  const expr = `(${state.activation}(w*x+b)-y)^2/2`;
  const at = `w=${state.w0},b=${state.b0},x=${x},y=${y}`;
  $('ledger-expr').textContent = `gradlab explain '${expr}' --at ${at}`;
  ledger = call('ledger', {expr, at});
  if (showError('ledger-error', ledger)) return;
  const t = $('ledger-forward');
  t.innerHTML = '<tr><th>node</th><th>op</th><th>formula</th><th>value</th></tr>';
  for (const f of ledger.forward) {
    const tr = document.createElement('tr');
    for (const c of [`v${f.node}`, f.op, f.formula, fmt(f.value)]) {
      const td = document.createElement('td'); td.textContent = c; tr.appendChild(td);
    }
    tr.lastChild.id = `ledger-value-v${f.node}`;
    tr.id = `ledger-v${f.node}`;
    t.appendChild(tr);
  }
  ledgerShown = 0; renderBackward();
}
function renderBackward() {
  const ol = $('ledger-backward');
  ol.innerHTML = '';
  const formula = {};
  for (const f of ledger.forward) formula[f.node] = f.formula;
  ledger.backward.slice(0, ledgerShown).forEach((e, k) => {
    const li = document.createElement('li');
    let text = `v${e.node} \`${formula[e.node]}\`: `;
    if (k === 0) text += 'adjoint = 1 (the output)';
    else if (!e.terms.length) text += 'adjoint = 0 (not used by the output)';
    else text += 'adjoint = ' + e.terms.map((c) => `v${c.user} ${fmt(c.user_adjoint)} × ${fmt(c.local_derivative)}`).join(' + ') + ' = ';
    li.textContent = text; li.id = `ledger-adj-v${e.node}`;
    if (k > 0 && e.terms.length) {
      const v = document.createElement('span'); v.id = `ledger-adjoint-v${e.node}`; v.textContent = fmt(e.adjoint);
      li.appendChild(v);
    }
    ol.appendChild(li);
  });
  drawLedgerGraph();
  // the node whose adjoint was filled in last, in the forward table
  for (const tr of document.querySelectorAll('#ledger-forward tr')) tr.classList.remove('current');
  const cur = ledger.backward[ledgerShown - 1];
  if (cur) $(`ledger-v${cur.node}`).classList.add('current');
  const done = ledgerShown >= ledger.backward.length;
  $('ledger-step').disabled = done;
  $('ledger-gradient').textContent = done
    ? 'gradient: ' + Object.entries(ledger.gradient).map(([k, v]) => `∂/∂${k} = ${fmt(v)}`).join(', ') : '';
}

// The ledger as a graph: one box per recorded node (constants left out, as explain leaves them out),
// an arrow from each node to each node that uses it (from the backward terms), inputs on the left.
// Stepping backward fills in one node's adjoint at a time, from the output, and marks the arrows whose
// products make up its sum.
function drawLedgerGraph() {
  const svg = $('ledger-graph'), NS = 'http://www.w3.org/2000/svg';
  svg.innerHTML = '';
  const nodes = ledger.forward.filter((f) => f.op !== 'const'), depth = {}, edges = [];
  const byNode = {};
  for (const b of ledger.backward) byNode[b.node] = b;
  for (const f of nodes) depth[f.node] = 0;
  for (const b of ledger.backward) for (const t of b.terms) edges.push([b.node, t.user]);
  for (const f of nodes)  // forward order: every input of a node comes before it
    for (const [a, u] of edges) if (u === f.node && a in depth) depth[u] = Math.max(depth[u], depth[a] + 1);
  const columns = {};
  for (const f of nodes) (columns[depth[f.node]] = columns[depth[f.node]] || []).push(f);
  const W = 210, H = 58, GX = 36, GY = 14, pos = {};
  let width = 0, height = 0;
  for (const [d, col] of Object.entries(columns))
    col.forEach((f, k) => {
      pos[f.node] = [10 + Number(d) * (W + GX), 10 + k * (H + GY)];
      width = Math.max(width, pos[f.node][0] + W + 10); height = Math.max(height, pos[f.node][1] + H + 10);
    });
  svg.setAttribute('width', width); svg.setAttribute('height', height);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  const shown = new Set(ledger.backward.slice(0, ledgerShown).map((b) => b.node));
  const current = ledger.backward[ledgerShown - 1];
  for (const [a, u] of edges) {
    if (!(a in pos) || !(u in pos)) continue;
    const used = current && current.node === a;  // the products of the adjoint filled in last
    el('line', {x1: pos[a][0] + W, y1: pos[a][1] + H / 2, x2: pos[u][0], y2: pos[u][1] + H / 2,
                class: used ? 'edge used' : 'edge'});
  }
  for (const f of nodes) {
    const [x, y] = pos[f.node], b = byNode[f.node];
    const cls = 'node' + (shown.has(f.node) ? ' filled' : '') + (current && current.node === f.node ? ' current' : '');
    el('rect', {x, y, width: W, height: H, rx: 6, class: cls, id: `ledger-graph-v${f.node}`});
    el('text', {x: x + 6, y: y + 16, class: 'head'}, `v${f.node} ${f.op}`);
    el('text', {x: x + 6, y: y + 32}, `value ${fmt(f.value)}`);
    el('text', {x: x + 6, y: y + 48, id: `ledger-graph-adj-v${f.node}`},
       shown.has(f.node) && b ? `adjoint ${fmt(b.adjoint)}` : '');
  }
}

function updateExpr() {
  writeState();
  const r = call('evaluate', {expr: state.expr, at: state.at});
  const err = $('expr-error');
  for (const id of ['expr-value', 'expr-gradient', 'expr-hessian']) $(id).innerHTML = '';
  if (r.error) {
    // the field's text with a caret under the column the engine names
    const src = r.field === 'at' ? state.at : state.expr;
    const col = r.column || 1;
    err.hidden = false;
    err.innerHTML = '';
    const head = document.createElement('span');
    head.id = 'expr-error-column'; head.dataset.column = String(col); head.dataset.field = r.field || '';
    head.textContent = `${r.field === 'at' ? 'at' : 'expression'}, column ${col}: ${r.reason || r.error}\n`;
    err.appendChild(head);
    err.appendChild(document.createTextNode(`  ${src}\n  ${' '.repeat(Math.max(0, col - 1))}^`));
    return;
  }
  err.hidden = true;
  $('expr-value').textContent = fmt(r.value);
  const names = Object.keys(r.gradient);
  for (const n of names) {
    const tr = document.createElement('tr');
    tr.innerHTML = `<th>∂/∂${n}</th><td id="expr-grad-${n}"></td>`;
    $('expr-gradient').appendChild(tr);
    $(`expr-grad-${n}`).textContent = fmt(r.gradient[n]);
  }
  const h = $('expr-hessian');
  if (names.length) {
    h.innerHTML = '<tr><th></th>' + names.map((n) => `<th>${n}</th>`).join('') + '</tr>';
    for (const a of names) {
      const tr = document.createElement('tr');
      tr.innerHTML = `<th>${a}</th>` + names.map((b) => `<td id="expr-hess-${a}-${b}"></td>`).join('');
      h.appendChild(tr);
      for (const b of names) $(`expr-hess-${a}-${b}`).textContent = fmt(r.hessian[a][b]);
    }
  }
}

// ---- the network playground ------------------------------------------------------------------------
let net = null, netFrame = 0, netTimer = null;
const NET_KEYS = ['net_data', 'net_n', 'net_hidden', 'net_activation', 'net_optimizer', 'net_eta', 'net_epochs', 'net_seed'];
function updateNetwork() {
  writeState();
  net = call('network', {data: state.net_data, n: state.net_n, hidden: state.net_hidden,
                         activation: state.net_activation, optimizer: state.net_optimizer, eta: state.net_eta,
                         epochs: state.net_epochs, seed: state.net_seed, grid: 51, frames: 30});
  const ids = ['net-architecture', 'net-parameters', 'net-final-epoch', 'net-final-loss', 'net-final-accuracy', 'net-data-csv'];
  showWarnings('net-warnings', net && !net.error ? net.warnings : []);
  if (showError('net-error', net)) {
    for (const id of ids) $(id).textContent = '';
    net = null;
    return;
  }
  const d = net.data, rows = ['x1,x2,label'];
  for (let i = 0; i < d.x1.length; ++i) rows.push(`${fmt(d.x1[i])},${fmt(d.x2[i])},${fmt(d.label[i])}`);
  $('net-data-csv').textContent = rows.join('\n') + '\n';
  const hidden = String(state.net_hidden).split(',');
  $('net-architecture').textContent = ['2', ...hidden.map((h) => `${h} ${state.net_activation}`), '1 sigmoid'].join(' → ');
  $('net-parameters').textContent = net.parameters;
  $('net-final-epoch').textContent = net.final.epoch;
  $('net-final-loss').textContent = fmt(net.final.loss);
  $('net-final-accuracy').textContent = fmt(net.final.accuracy);
  $('net-command').textContent = `gradlab train --data ${state.net_data}.csv --hidden ${state.net_hidden}` +
    ` --activation ${state.net_activation} --loss bce --optimizer ${state.net_optimizer} --lr ${state.net_eta}` +
    ` --epochs ${state.net_epochs} --seed ${state.net_seed}`;
  playNetwork();
}
function drawNetworkFrame(k) {
  const canvas = $('net-boundary'), g = canvas.getContext('2d'), f = net.field, n = f.n, fr = net.frames[k];
  const P = {l: 10, r: 10, t: 10, b: 10}, W = canvas.width - P.l - P.r, H = canvas.height - P.t - P.b;
  const X = (x) => P.l + (x - f.x_min) / (f.x_max - f.x_min) * W, Y = (y) => P.t + (1 - (y - f.y_min) / (f.y_max - f.y_min)) * H;
  const cw = W / (n - 1), ch = H / (n - 1);
  const at = (i, j) => fr.p[j * n + i];
  g.fillStyle = '#fff'; g.fillRect(0, 0, canvas.width, canvas.height);
  for (let j = 0; j < n; ++j)
    for (let i = 0; i < n; ++i) {
      const p = at(i, j);
      // blue (p = 0) to red (p = 1), paler near 1/2, mixed with white (opaque: no seams between cells)
      const a = p === null ? 1 : 0.25 + 0.5 * Math.abs(p - 0.5);
      const c = p === null ? [255, 0, 255] : [59 + 121 * p, 76 * (1 - p) + 4 * p, 192 * (1 - p) + 38 * p];
      g.fillStyle = `rgb(${c.map((x) => Math.round(255 * (1 - a) + x * a)).join(',')})`;
      g.fillRect(X(f.x_min + (f.x_max - f.x_min) * i / (n - 1)) - cw / 2, Y(f.y_min + (f.y_max - f.y_min) * j / (n - 1)) - ch / 2, cw + 1, ch + 1);
    }
  // the boundary p = 1/2 (marching squares on the grid)
  g.strokeStyle = '#000'; g.lineWidth = 2; g.beginPath();
  for (let j = 0; j + 1 < n; ++j)
    for (let i = 0; i + 1 < n; ++i) {
      const c = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]], v = c.map(([a, b]) => at(a, b)), pts = [];
      for (let e = 0; e < 4; ++e) {
        const a = v[e], b = v[(e + 1) % 4];
        if (a === null || b === null || (a < 0.5) === (b < 0.5)) continue;
        const t = (0.5 - a) / (b - a), p = c[e], q = c[(e + 1) % 4];
        pts.push([X(f.x_min + (f.x_max - f.x_min) * (p[0] + t * (q[0] - p[0])) / (n - 1)),
                  Y(f.y_min + (f.y_max - f.y_min) * (p[1] + t * (q[1] - p[1])) / (n - 1))]);
      }
      for (let p = 0; p + 1 < pts.length; p += 2) { g.moveTo(...pts[p]); g.lineTo(...pts[p + 1]); }
    }
  g.stroke();
  const d = net.data;
  for (let i = 0; i < d.x1.length; ++i) {
    g.fillStyle = d.label[i] ? '#b40426' : '#3b4cc0'; g.strokeStyle = '#fff'; g.lineWidth = 1;
    g.beginPath(); g.arc(X(d.x1[i]), Y(d.x2[i]), d.x1.length > 50 ? 3.5 : 7, 0, 2 * Math.PI); g.fill(); g.stroke();
  }
  $('net-frame-epoch').textContent = fr.epoch;
  drawLossCurve({loss: net.history.loss}, $('net-loss'), fr.epoch);
}
function playNetwork() {
  clearInterval(netTimer);
  if (!net) return;
  netFrame = 0; drawNetworkFrame(0);
  netTimer = setInterval(() => {
    if (++netFrame >= net.frames.length) { clearInterval(netTimer); return; }
    drawNetworkFrame(netFrame);
  }, 60);
}
function setNetworkControls() {
  $('net-data').value = state.net_data; $('net-n').value = state.net_n; $('net-hidden').value = state.net_hidden;
  $('net-activation').value = state.net_activation; $('net-optimizer').value = state.net_optimizer;
  $('net-eta').value = state.net_eta; $('net-epochs').value = state.net_epochs; $('net-seed').value = state.net_seed;
}
function wireNetwork() {
  for (const key of NET_KEYS) {
    const el = $(key.replace('_', '-'));
    el.addEventListener(el.tagName === 'SELECT' ? 'change' : 'input', () => {
      const v = NUMERIC.includes(key) ? Number(el.value) : el.value;
      if (NUMERIC.includes(key) && (el.value === '' || !isFinite(v))) return;
      state[key] = v; schedule(updateNetwork);
    });
  }
  $('net-play').addEventListener('click', playNetwork);
}

// ---- wiring ------------------------------------------------------------------------------------
function setControls() {
  $('in-w0').value = state.w0; $('in-b0').value = state.b0;
  $('in-eta').value = state.eta; $('in-eta-range').value = Math.log10(state.eta);
  $('in-epochs').value = state.epochs; $('in-epochs-range').value = state.epochs;
  $('in-optimizer').value = state.optimizer; $('in-activation').value = state.activation;
  $('act-select').value = state.activation;
  $('expr').value = state.expr; $('expr-at').value = state.at; $('ledger-point').value = String(state.point);
}
function fillSelect(id, names) {
  const sel = $(id);
  for (const n of names) { const o = document.createElement('option'); o.value = o.textContent = n; sel.appendChild(o); }
}
let pending = 0;
function schedule(f) {  // redraw at most once a frame while a slider moves
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(f);
}
function onStart() { updateArticle(); updateLedger(); }
function wire() {
  const num = (id, key, f) => $(id).addEventListener('input', () => {
    const v = Number($(id).value);
    if ($(id).value === '' || !isFinite(v)) return;
    state[key] = v; setControls(); schedule(f);
  });
  num('in-w0', 'w0', onStart); num('in-b0', 'b0', onStart);
  num('in-eta', 'eta', updateArticle);
  num('in-epochs', 'epochs', () => { updateArticle(); updateOptimizers(); });
  num('in-epochs-range', 'epochs', () => { updateArticle(); updateOptimizers(); });
  $('in-eta-range').addEventListener('input', () => {
    state.eta = +Math.pow(10, Number($('in-eta-range').value)).toPrecision(3); setControls(); schedule(updateArticle);
  });
  $('in-optimizer').addEventListener('change', () => { state.optimizer = $('in-optimizer').value; updateArticle(); });
  const setActivation = (v) => {
    state.activation = v; setControls(); updateSurface(); updateArticle(); updateActivation(); updateLedger();
    drawOptimizers(state.epochs);
  };
  $('in-activation').addEventListener('change', () => setActivation($('in-activation').value));
  $('act-select').addEventListener('change', () => setActivation($('act-select').value));
  let dragging = false;
  const contour = $('contour');
  const setStart = (ev) => {
    if (!surf) return;
    const rect = contour.getBoundingClientRect(), m = mapper(contour, surf);
    const px = (ev.clientX - rect.left) * contour.width / rect.width, py = (ev.clientY - rect.top) * contour.height / rect.height;
    state.w0 = +m.w(px).toFixed(3); state.b0 = +m.b(py).toFixed(3); setControls(); schedule(onStart);
  };
  contour.addEventListener('mousedown', (ev) => { dragging = true; setStart(ev); });
  contour.addEventListener('mousemove', (ev) => { if (dragging) setStart(ev); });
  window.addEventListener('mouseup', () => { dragging = false; });
  const s3 = $('surface3d');
  let rot = null;
  s3.addEventListener('mousedown', (ev) => { rot = [ev.clientX, ev.clientY, view.az, view.el]; });
  window.addEventListener('mousemove', (ev) => {
    if (!rot) return;
    view.az = rot[2] + (ev.clientX - rot[0]) * 0.01;
    view.el = Math.max(-0.2, Math.min(1.5, rot[3] + (ev.clientY - rot[1]) * 0.01));
    schedule(draw3d);
  });
  window.addEventListener('mouseup', () => { rot = null; });
  $('opt-play').addEventListener('click', playOptimizers);
  $('ledger-point').addEventListener('change', () => { state.point = Number($('ledger-point').value); writeState(); updateLedger(); });
  $('ledger-step').addEventListener('click', () => { ledgerShown++; renderBackward(); });
  $('ledger-all').addEventListener('click', () => { ledgerShown = ledger.backward.length; renderBackward(); });
  $('ledger-reset').addEventListener('click', () => { ledgerShown = 0; renderBackward(); });
  $('expr').addEventListener('input', () => { state.expr = $('expr').value; schedule(updateExpr); });
  $('expr-at').addEventListener('input', () => { state.at = $('expr-at').value; schedule(updateExpr); });
}

createGradlab().then((m) => {
  engine = m;
  const t0 = performance.now();
  fillSelect('in-optimizer', call('optimizers', {epochs: 0}).names);
  const acts = call('activation', {}).names;
  fillSelect('in-activation', acts); fillSelect('act-select', acts); fillSelect('net-activation', acts);
  fillSelect('net-optimizer', call('optimizers', {epochs: 0}).names);
  if (state.panel) for (const p of document.querySelectorAll('.panel')) p.hidden = p.id !== 'panel-' + state.panel;
  setControls(); setNetworkControls(); wire(); wireNetwork();
  updateSurface(); updateArticle(); updateOptimizers(); updateActivation(); updateLedger();
  if (state.panel === 'ledger') { ledgerShown = Math.min(3, ledger.backward.length); renderBackward(); }
  updateExpr();
  if (!state.panel || state.panel === 'network') updateNetwork();  // a page showing another panel skips it
  const now = performance.now();  // since the navigation started
  $('status').innerHTML = `engine ready: loaded and drawn in <span id="load-ms">${now.toFixed(0)}</span> ms ` +
    `(of which the first computations and drawings ${(now - t0).toFixed(0)} ms)`;
  document.body.dataset.ready = '1';
}).catch((e) => { $('status').textContent = 'the engine failed to load: ' + e; });
