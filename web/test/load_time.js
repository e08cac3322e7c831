// The page's real load time and the cost of one drag step, in headless Chromium driven over the
// DevTools protocol (no virtual time). Serve build/wasm/web first (scripts/setup.sh web), then
//   node --experimental-websocket web/test/load_time.js http://127.0.0.1:8000/index.html
// Three loads: the first compiles the WebAssembly, the next ones use Chromium's code cache.
'use strict';
const {spawn} = require('child_process');
const fs = require('fs'), os = require('os'), path = require('path');
const url = process.argv[2];
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-load-'));
const chrome = spawn('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--remote-debugging-port=0',
  '--user-data-dir=' + profile, 'about:blank'], {stdio: 'ignore'});
process.on('exit', () => {
  chrome.kill();
  try { fs.rmSync(profile, {recursive: true, force: true, maxRetries: 10}); } catch (e) { /* chromium still exiting */ }
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  let targets;
  for (let k = 0; k < 300 && !targets; ++k) {
    await sleep(100);
    try {
      const port = fs.readFileSync(path.join(profile, 'DevToolsActivePort'), 'utf8').split('\n')[0];
      targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
    } catch (e) { /* not up yet */ }
  }
  if (!targets) throw new Error('chromium did not start');
  const page = targets.find((t) => t.type === 'page');
  const ws = new WebSocket(page.webSocketDebuggerUrl);
  await new Promise((r) => ws.onopen = r);
  let id = 0; const pending = {};
  ws.onmessage = (m) => { const d = JSON.parse(m.data); if (pending[d.id]) { pending[d.id](d.result); delete pending[d.id]; } };
  const send = (method, params = {}) => new Promise((r) => { pending[++id] = r; ws.send(JSON.stringify({id, method, params})); });
  const evalJs = async (e) => (await send('Runtime.evaluate', {expression: e, returnByValue: true})).result.value;
  for (let run = 0; run < 3; ++run) {
    const t0 = Date.now();
    await send('Page.navigate', {url: url + (url.includes('?') ? '&' : '?') + 'r=' + run});
    let ready = null;
    for (let k = 0; k < 300; ++k) { await sleep(20); ready = await evalJs("document.body && document.body.dataset.ready"); if (ready === '1') break; }
    const ms = await evalJs("document.getElementById('load-ms') && document.getElementById('load-ms').textContent");
    // dragging: one run of 1000 epochs plus the redraw, timed in the page
    const drag = await evalJs(`(() => { const t = performance.now(); for (let k = 0; k < 10; ++k) { state.w0 = k * 0.1; updateArticle(); } return ((performance.now() - t) / 10).toFixed(1); })()`);
    console.log(`run ${run}: ready=${ready} load-ms=${ms} (wall ${Date.now() - t0} ms incl. polling); one drag step (run 1000 epochs + redraw): ${drag} ms`);
  }
  ws.close();
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
