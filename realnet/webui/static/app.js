// Squall's web UI: plain JavaScript over nimbus's JSON API (/api/v1), routed
// by the URL's fragment. It never builds HTML from strings: every value
// the API returns (names, error messages written by topology code) goes
// into the page as text.
'use strict';

const TOKEN_KEY = 'squall.token';
// REFRESH_MS is how often the open page is redrawn from the API; ?refresh=MS
// in the page's URL overrides it (tests make it short).
const REFRESH_MS = Number(new URLSearchParams(location.search).get('refresh')) || 3000;
// WINDOWS are Storm UI's metric windows: the API's ?window= values.
const WINDOWS = [['600', '10m'], ['10800', '3h'], ['86400', '1d'], [':all-time', 'All time']];
const WAIT_SECONDS_MAX = 7 * 24 * 3600;

// ---- the API ---------------------------------------------------------------

class APIError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status; // HTTP status, 0 when nimbus could not be reached
    this.code = code || '';
  }
}

function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

// api calls /api/v1/PATH with the bearer token, if any, and returns the
// decoded JSON; a refusal throws an APIError with the server's message.
async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  const t = token();
  if (t) headers['Authorization'] = 'Bearer ' + t;
  const init = { method, headers, cache: 'no-store', redirect: 'manual' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch('/api/v1/' + path, init);
  } catch (e) {
    throw new APIError(0, 'cannot reach nimbus: ' + e.message);
  }
  if (resp.type === 'opaqueredirect') {
    throw new APIError(307, 'this nimbus is not the leader: open the UI on the leader nimbus', 'not_leader');
  }
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (!resp.ok) {
    throw new APIError(resp.status, (data && data.error) || text || resp.statusText, data && data.code);
  }
  return data;
}

// ---- DOM helpers -------------------------------------------------------------

// el builds an element: attrs are attributes (on* keys are listeners),
// children are nodes or text.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  setAttrs(e, attrs);
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function setAttrs(e, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
}

function $(id) { return document.getElementById(id); }

// table builds a table with id: columns are [title, field, format]; rows
// get the attributes rowAttrs(row) returns. Every cell carries its field
// name (data-field) and, for numbers, the raw value (data-value).
function table(id, columns, rows, rowAttrs, emptyText) {
  const head = el('tr', null, columns.map(([title]) => el('th', null, title)));
  const body = el('tbody');
  for (const r of rows) {
    const tr = el('tr', rowAttrs ? rowAttrs(r) : null);
    for (const [, field, format] of columns) {
      const v = typeof field === 'function' ? field(r) : r[field];
      const name = typeof field === 'function' ? field.name || '' : field;
      tr.append(cell(name, v, format));
    }
    body.append(tr);
  }
  if (rows.length === 0) {
    body.append(el('tr', { class: 'none' }, el('td', { colspan: columns.length, class: 'empty' }, emptyText || 'none')));
  }
  return el('table', { id }, el('thead', null, head), body);
}

function cell(field, v, format) {
  const attrs = { 'data-field': field };
  if (v instanceof Node) return el('td', attrs, v);
  if (typeof v === 'number') {
    attrs['data-value'] = v;
    attrs.class = 'num';
  }
  if (format === 'err') attrs.class = 'err';
  const text = format && format !== 'err' ? format(v) : (v === undefined || v === null ? '' : v);
  return el('td', attrs, text);
}

// ---- formatting --------------------------------------------------------------

function fmtMs(v) { return typeof v === 'number' ? v.toFixed(3) : (v || ''); }
function fmtRatio(v) { return typeof v === 'number' ? v.toFixed(3) : (v || ''); }

function fmtTime(ms) { return ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : ''; }

function windowName(w) {
  const found = WINDOWS.find(([id]) => id === w);
  return found ? found[1] : w;
}

function statusSpan(status, id) {
  return el('span', { id, class: 'status-' + status }, status);
}

// ---- messages ----------------------------------------------------------------

// showError puts a refusal in the banner: 401 and 403 say what to do. A
// sticky one (an action's) stays over the redraws until the next action,
// route or token.
function showError(what, err, sticky) {
  const b = $('banner');
  const status = err instanceof APIError ? err.status : 0;
  let text;
  if (status === 401) {
    text = `401 Unauthorized: ${what}: ${err.message}. Paste an API token above and press "Use token".`;
  } else if (status === 403) {
    text = `403 Forbidden: ${what}: ${err.message}. Your token's role does not allow this.`;
  } else if (status === 0) {
    text = `${what}: ${err.message}`;
  } else {
    text = `${status}: ${what}: ${err.message}`;
  }
  b.textContent = text;
  b.dataset.status = String(status);
  b.dataset.sticky = sticky ? '1' : '';
  b.hidden = false;
}

// clearError hides the banner; a redraw (force false) leaves an action's.
function clearError(force) {
  const b = $('banner');
  if (!force && b.dataset.sticky === '1') return;
  b.hidden = true;
  b.dataset.sticky = '';
  b.textContent = '';
  delete b.dataset.status;
}

function showNotice(text) {
  const n = $('notice');
  n.textContent = text;
  n.hidden = false;
}

// ---- routing -----------------------------------------------------------------

// parseRoute reads the fragment: #/, #/topology/ID, #/topology/ID/component/C,
// each with an optional ?window=W.
function parseRoute() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query] = hash.split('?');
  const window = new URLSearchParams(query || '').get('window') || ':all-time';
  const parts = path.split('/').filter(Boolean).map(decodePart);
  if (parts[0] === 'topology' && parts.length === 2) return { page: 'topology', id: parts[1], window };
  if (parts[0] === 'topology' && parts[2] === 'component' && parts.length === 4) {
    return { page: 'component', id: parts[1], component: parts[3], window };
  }
  return { page: 'cluster', window };
}

// decodePart decodes one segment of the fragment; a malformed escape is
// kept as typed rather than stopping the page.
function decodePart(p) {
  try { return decodeURIComponent(p); } catch (e) { return p; }
}

function topologyHref(id, window) {
  return '#/topology/' + encodeURIComponent(id) + (window && window !== ':all-time' ? '?window=' + encodeURIComponent(window) : '');
}

function componentHref(id, component, window) {
  return '#/topology/' + encodeURIComponent(id) + '/component/' + encodeURIComponent(component) +
    (window && window !== ':all-time' ? '?window=' + encodeURIComponent(window) : '');
}

function crumbs(items) {
  $('crumbs').replaceChildren(...items.map(([text, href]) => href ? el('a', { href }, text) : el('span', null, text)));
}

// generation counts renders: an answer for an older page is dropped.
let generation = 0;
let timer = null;

async function render() {
  const gen = ++generation;
  clearTimeout(timer);
  const route = parseRoute();
  let content;
  try {
    if (route.page === 'topology') content = await topologyPage(route);
    else if (route.page === 'component') content = await componentPage(route);
    else content = await clusterPage();
    if (gen !== generation) return;
    clearError();
    $('main').replaceChildren(content);
    document.body.dataset.page = route.page;
    document.body.dataset.rendered = String(gen);
  } catch (err) {
    if (gen !== generation) return;
    showError('loading the ' + route.page + ' page', err);
    // A redraw that fails keeps the last figures; a first load says why
    // there are none.
    if ($('main').querySelector('.loading')) {
      $('main').replaceChildren(el('p', { class: 'empty', id: 'no-page' }, 'Nothing to show: see the message above.'));
    }
  }
  if (gen === generation) timer = setTimeout(refresh, REFRESH_MS);
}

// refresh redraws the page unless a confirmation is open.
function refresh() {
  if ($('confirm').open) {
    timer = setTimeout(refresh, REFRESH_MS);
    return;
  }
  render();
}

// ---- cluster page ------------------------------------------------------------

async function clusterPage() {
  const [cluster, nimbuses, supervisors, topologies] = await Promise.all([
    api('GET', 'cluster/summary'), api('GET', 'nimbus/summary'),
    api('GET', 'supervisor/summary'), api('GET', 'topology/summary')]);
  crumbs([['Cluster', null]]);
  const c = cluster || {};
  return el('div', { id: 'cluster-page' },
    el('h2', null, 'Cluster Summary'),
    table('cluster-summary', [
      ['Leader', 'leader'], ['Storm API', 'stormVersion'], ['Squall', 'squallVersion'], ['Supervisors', 'supervisors'], ['Used slots', 'slotsUsed'],
      ['Free slots', 'slotsFree'], ['Total slots', 'slotsTotal'], ['Executors', 'executorsTotal'],
      ['Tasks', 'tasksTotal']], [c]),
    el('h2', null, 'Nimbus Summary'),
    table('nimbuses', [
      ['Address', 'address'], ['Host', 'host'], ['Port', 'port'], ['Status', 'status'], ['Version', 'version'],
      ['Uptime', 'nimbusUpTime']], (nimbuses && nimbuses.nimbuses) || [],
    (n) => ({ 'data-host': n.host, 'data-port': n.port })),
    el('h2', null, 'Topology Summary'),
    table('topologies', [
      ['Name', function name(t) { return el('a', { href: topologyHref(t.id) }, t.name); }],
      ['Id', 'id'], ['Owner', 'owner'],
      ['Status', function status(t) { return statusSpan(t.status); }],
      ['Uptime', 'uptime'], ['Workers', 'workersTotal'], ['Executors', 'executorsTotal'],
      ['Tasks', 'tasksTotal'], ['Assigned memory (MB)', 'assignedTotalMem'], ['Assigned CPU (%)', 'assignedCpu']],
    (topologies && topologies.topologies) || [], (t) => ({ 'data-id': t.id, 'data-name': t.name }),
    'no topology is running: submit one with squall submit'),
    el('h2', null, 'Supervisor Summary'),
    table('supervisors', [
      ['Id', 'id'], ['Host', 'host'], ['Uptime', 'uptime'], ['Slots', 'slotsTotal'],
      ['Used slots', 'slotsUsed'], ['Used memory (MB)', 'usedMem'], ['Total memory (MB)', 'totalMem'],
      ['Used CPU (%)', 'usedCpu'], ['Total CPU (%)', 'totalCpu']],
    (supervisors && supervisors.supervisors) || [], (s) => ({ 'data-id': s.id }),
    'no supervisor is registered'));
}

// ---- topology page -----------------------------------------------------------

async function topologyPage(route) {
  const q = '?window=' + encodeURIComponent(route.window) + (showSystem() ? '&sys=1' : '');
  const id = encodeURIComponent(route.id);
  const [t, vis] = await Promise.all([
    api('GET', 'topology/' + id + q),
    api('GET', 'topology/' + id + '/visualization' + q).catch((err) => ({ error: err }))]);
  crumbs([['Cluster', '#/'], [t.name || route.id, null]]);
  const sys = showSystem();
  const spouts = (t.spouts || []).filter((c) => sys || !isSystem(c.spoutId));
  const bolts = (t.bolts || []).filter((c) => sys || !isSystem(c.boltId));
  const errored = [...spouts.map((s) => [s.spoutId, s]), ...bolts.map((b) => [b.boltId, b])]
    .filter(([, c]) => c.lastError);
  return el('div', { id: 'topology-page', 'data-id': t.id },
    el('h2', null, 'Topology Summary'),
    table('topology-summary', [
      ['Name', 'name'], ['Id', 'id'], ['Owner', 'owner'],
      ['Status', function status(x) { return statusSpan(x.status, 'topology-status'); }],
      ['Uptime', 'uptime'], ['Workers', 'workersTotal'], ['Executors', 'executorsTotal'],
      ['Tasks', 'tasksTotal'], ['Message timeout (s)', 'msgTimeout']], [t]),
    actions(t),
    el('h2', null, 'Topology Stats'),
    table('topology-stats', [
      ['Window', function window(s) {
        return el('a', { href: topologyHref(t.id, s.window), class: s.window === route.window ? 'current' : null },
          s.windowPretty || windowName(s.window));
      }],
      ['Emitted', 'emitted'], ['Transferred', 'transferred'], ['Complete latency (ms)', 'completeLatency', fmtMs],
      ['Acked', 'acked'], ['Failed', 'failed']], t.topologyStats || [],
    (s) => ({ 'data-window': s.window, class: s.window === route.window ? 'selected' : null })),
    el('h2', null, 'Topology Visualization'),
    vis && vis.error ? el('p', { class: 'error-text', id: 'dag-error' }, 'no visualization: ' + vis.error.message)
      : dag(t, vis),
    windowPicker(route, (w) => topologyHref(t.id, w)),
    el('p', null, el('label', null, el('input', { type: 'checkbox', id: 'show-system', checked: sys,
      onchange: (e) => { sessionStorage.setItem(SYSTEM_KEY, e.target.checked ? '1' : ''); render(); } }),
    ' Show system components (the ackers)')),
    el('h2', null, 'Spouts (' + windowName(route.window) + ')'),
    table('spouts', [
      ['Id', function spoutId(s) { return el('a', { href: componentHref(t.id, s.spoutId, route.window) }, s.spoutId); }],
      ['Executors', 'executors'], ['Tasks', 'tasks'], ['Emitted', 'emitted'], ['Transferred', 'transferred'],
      ['Complete latency (ms)', 'completeLatency', fmtMs], ['Acked', 'acked'], ['Failed', 'failed'],
      ['Error host', 'errorHost'], ['Error port', 'errorPort'], ['Last error', 'lastError', 'err']],
    spouts, (s) => ({ 'data-component': s.spoutId })),
    el('h2', null, 'Bolts (' + windowName(route.window) + ')'),
    table('bolts', [
      ['Id', function boltId(b) { return el('a', { href: componentHref(t.id, b.boltId, route.window) }, b.boltId); }],
      ['Executors', 'executors'], ['Tasks', 'tasks'], ['Emitted', 'emitted'], ['Transferred', 'transferred'],
      ['Capacity (last 10m)', 'capacity', fmtRatio], ['Execute latency (ms)', 'executeLatency', fmtMs],
      ['Executed', 'executed'], ['Process latency (ms)', 'processLatency', fmtMs], ['Acked', 'acked'],
      ['Failed', 'failed'], ['Error host', 'errorHost'], ['Error port', 'errorPort'], ['Last error', 'lastError', 'err']],
    bolts, (b) => ({ 'data-component': b.boltId })),
    el('h2', null, 'Worker Resources'),
    table('workers', [
      ['Host', 'host'], ['Supervisor', 'supervisorId'], ['Port', 'port'], ['Uptime', 'uptime'],
      ['Executors', 'executorsTotal'],
      ['Components', function components(w) { return componentList(w.componentNumTasks); }]],
    t.workers || [], (w) => ({ 'data-port': w.port, 'data-supervisor': w.supervisorId }), 'no worker is assigned'),
    el('h2', null, 'Errors'),
    table('errors', [
      ['Component', function component(r) { return el('a', { href: componentHref(t.id, r[0], route.window) }, r[0]); }],
      ['Host', function errorHost(r) { return r[1].errorHost; }],
      ['Port', function errorPort(r) { return r[1].errorPort; }],
      ['Age (s)', function errorLapsedSecs(r) { return r[1].errorLapsedSecs; }],
      ['Last error', function lastError(r) { return r[1].lastError; }, 'err']],
    errored, (r) => ({ 'data-component': r[0] }), 'no component reported an error'));
}

// System components (Storm's __acker, __system) are hidden unless asked
// for, as Storm UI's "Show System Stats" does.
const SYSTEM_KEY = 'squall.showSystem';
function isSystem(id) { return String(id).startsWith('__'); }
function showSystem() { return sessionStorage.getItem(SYSTEM_KEY) === '1'; }

function componentList(m) {
  if (!m || typeof m !== 'object') return '';
  return Object.keys(m).sort().map((k) => k + ' (' + m[k] + ')').join(', ');
}

function windowPicker(route, href) {
  return el('p', { class: 'windows', id: 'windows' }, 'Window: ',
    WINDOWS.map(([w, name]) => el('a', { href: href(w), class: w === route.window ? 'current' : null, 'data-window': w }, name)));
}

// ---- actions -----------------------------------------------------------------

function actions(t) {
  const s = t.status;
  const gone = s === 'KILLED';
  return el('div', { class: 'actions', id: 'actions' },
    el('button', { id: 'action-activate', disabled: gone || s === 'ACTIVE', onclick: () => confirmAction(t, 'activate') }, 'Activate'),
    el('button', { id: 'action-deactivate', disabled: gone || s !== 'ACTIVE', onclick: () => confirmAction(t, 'deactivate') }, 'Deactivate'),
    el('button', { id: 'action-rebalance', disabled: gone, onclick: () => confirmAction(t, 'rebalance') }, 'Rebalance'),
    el('button', { id: 'action-kill', class: 'danger', disabled: gone, onclick: () => confirmAction(t, 'kill') }, 'Kill'));
}

// confirmAction asks before it POSTs an action: kill and rebalance take a
// wait, rebalance a new worker count.
function confirmAction(t, op) {
  const d = $('confirm');
  const waits = op === 'kill' || op === 'rebalance';
  $('confirm-title').textContent = op[0].toUpperCase() + op.slice(1) + ' topology ' + t.name + '?';
  $('confirm-text').textContent = {
    activate: 'Its spouts start emitting again.',
    deactivate: 'Its spouts stop emitting; tuples in flight are still processed.',
    rebalance: 'Its spouts are deactivated for the wait, then its tasks are spread over the workers again.',
    kill: 'Its spouts are deactivated for the wait, then its workers are stopped and it is removed.',
  }[op];
  $('confirm-wait-row').hidden = !waits;
  $('confirm-workers-row').hidden = op !== 'rebalance';
  $('confirm-wait').value = '';
  $('confirm-workers').value = '';
  $('confirm-error').textContent = '';
  d.dataset.op = op;
  $('confirm-ok').onclick = () => runAction(t, op);
  $('confirm-cancel').onclick = () => d.close();
  d.showModal();
}

async function runAction(t, op) {
  const waitText = $('confirm-wait').value.trim();
  const workersText = $('confirm-workers').value.trim();
  let path = 'topology/' + encodeURIComponent(t.id) + '/' + op;
  let body;
  if ((op === 'kill' || op === 'rebalance') && waitText !== '') {
    const wait = Number(waitText);
    if (!Number.isInteger(wait) || wait < 0 || wait > WAIT_SECONDS_MAX) {
      $('confirm-error').textContent = 'the wait must be whole seconds from 0 to ' + WAIT_SECONDS_MAX;
      return;
    }
    path += '/' + wait;
  }
  if (op === 'rebalance' && workersText !== '') {
    const n = Number(workersText);
    if (!Number.isInteger(n) || n < 1) {
      $('confirm-error').textContent = 'workers must be a positive whole number';
      return;
    }
    body = { rebalanceOptions: { numWorkers: n } };
  }
  $('confirm').close();
  clearError(true);
  try {
    const r = await api('POST', path, body);
    showNotice(op + ' ' + t.name + ': ' + ((r && r.status) || 'done'));
  } catch (err) {
    showError(op + ' ' + t.name, err, true);
    return;
  }
  if (op === 'kill') location.hash = '#/';
  render();
}

// ---- the DAG -----------------------------------------------------------------

// graph reads the components and streams from the visualization answer,
// Storm UI's map of component id to {":type", ":inputs": [{":component",
// ":stream", ":grouping"}]}; system components (names starting "__") are
// left out unless sys, as Storm UI leaves them out.
function graph(vis, sys) {
  const nodes = [], edges = [];
  const src = vis || {};
  for (const id of Object.keys(src).sort()) {
    const c = src[id];
    if (!c || typeof c !== 'object' || (!sys && isSystem(id))) continue;
    nodes.push({ id, type: c[':type'] === 'spout' ? 'spout' : 'bolt', capacity: c[':capacity'], latency: c[':latency'] });
    for (const input of c[':inputs'] || []) {
      const from = input[':component'];
      if (!from || (!sys && isSystem(from))) continue;
      edges.push({ from, to: id, stream: input[':stream'] || 'default', grouping: input[':grouping'] || '' });
    }
  }
  const known = new Set(nodes.map((n) => n.id));
  return { nodes, edges: edges.filter((e) => known.has(e.from)) };
}

// layers gives each component its column: spouts 0, a bolt one more than
// its deepest input. Cycles are cut by bounding the passes.
function layers(g) {
  const depth = new Map(g.nodes.map((n) => [n.id, 0]));
  for (let pass = 0; pass < g.nodes.length; pass++) {
    let changed = false;
    for (const e of g.edges) {
      if (e.from === e.to) continue;
      const d = depth.get(e.from) + 1;
      if (d > depth.get(e.to) && d < g.nodes.length) {
        depth.set(e.to, d);
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (const n of g.nodes) if (n.type === 'spout') depth.set(n.id, 0);
  return depth;
}

const NODE_W = 150, NODE_H = 46, COL_GAP = 90, ROW_GAP = 26, PAD = 20;

// dag draws the topology: one box per component, one arrow per
// subscription, spouts on the left and bolts by depth.
function dag(t, vis) {
  const g = graph(vis, showSystem());
  const depth = layers(g);
  const columns = [];
  for (const n of g.nodes) {
    const d = depth.get(n.id);
    (columns[d] = columns[d] || []).push(n);
  }
  const pos = new Map();
  let rowsMax = 1;
  columns.forEach((col, d) => {
    (col || []).forEach((n, i) => pos.set(n.id, { x: PAD + d * (NODE_W + COL_GAP), y: PAD + i * (NODE_H + ROW_GAP) }));
    rowsMax = Math.max(rowsMax, (col || []).length);
  });
  const width = PAD * 2 + Math.max(1, columns.length) * (NODE_W + COL_GAP) - COL_GAP;
  const height = PAD * 2 + rowsMax * (NODE_H + ROW_GAP) - ROW_GAP + 16;
  const lastErrors = new Map([...(t.spouts || []).map((s) => [s.spoutId, s.lastError]),
    ...(t.bolts || []).map((b) => [b.boltId, b.lastError])]);
  const root = svg('svg', { id: 'dag', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': 'topology graph', 'data-nodes': g.nodes.length, 'data-edges': g.edges.length });
  root.append(svg('defs', null, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#7b8794' }))));
  for (const e of g.edges) root.append(edge(e, pos.get(e.from), pos.get(e.to)));
  for (const n of g.nodes) root.append(node(t, n, pos.get(n.id), lastErrors.get(n.id)));
  return root;
}

function edge(e, a, b) {
  const g = svg('g', { class: 'edge-group', 'data-from': e.from, 'data-to': e.to, 'data-stream': e.stream });
  let d;
  if (e.from === e.to) {
    const x = a.x + NODE_W / 2, y = a.y;
    d = `M${x - 20},${y} C${x - 30},${y - 30} ${x + 30},${y - 30} ${x + 20},${y}`;
  } else {
    const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2;
    const bend = Math.max(40, Math.abs(x2 - x1) / 2);
    d = `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
  }
  g.append(svg('path', { class: 'edge', d, 'marker-end': 'url(#arrow)' },
    svg('title', null, `${e.from} → ${e.to}: stream ${e.stream}${e.grouping ? ', ' + e.grouping + ' grouping' : ''}`)));
  if (e.stream !== 'default' && e.from !== e.to) {
    g.append(svg('text', { class: 'edge-label', x: (a.x + NODE_W + b.x) / 2, y: (a.y + b.y) / 2 + NODE_H / 2 - 4,
      'text-anchor': 'middle' }, e.stream));
  }
  return g;
}

function node(t, n, p, lastError) {
  const sub = n.type === 'spout' ? 'spout' : 'bolt' + (typeof n.capacity === 'number' ? ' · cap ' + n.capacity.toFixed(2) : '');
  const link = svg('a', { href: componentHref(t.id, n.id) },
    svg('rect', { x: p.x, y: p.y, width: NODE_W, height: NODE_H, rx: 6 }),
    svg('text', { x: p.x + NODE_W / 2, y: p.y + 19, 'text-anchor': 'middle' }, n.id),
    svg('text', { class: 'sub', x: p.x + NODE_W / 2, y: p.y + 36, 'text-anchor': 'middle' }, sub),
    svg('title', null, n.id + (lastError ? '\nlast error: ' + lastError : '')));
  return svg('g', { class: 'node ' + n.type + (lastError ? ' has-error' : ''), 'data-component': n.id }, link);
}

// ---- component page ----------------------------------------------------------

async function componentPage(route) {
  const c = await api('GET', 'topology/' + encodeURIComponent(route.id) + '/component/' +
    encodeURIComponent(route.component) + '?window=' + encodeURIComponent(route.window));
  const topoName = c.name || route.id;
  crumbs([['Cluster', '#/'], [topoName, topologyHref(route.id, route.window)], [route.component, null]]);
  const isSpout = c.componentType === 'spout';
  const stats = (isSpout ? c.spoutSummary : c.boltStats) || [];
  const statColumns = [
    ['Window', function window(s) {
      return el('a', { href: componentHref(route.id, route.component, s.window) }, s.windowPretty || windowName(s.window));
    }],
    ['Emitted', 'emitted'], ['Transferred', 'transferred']];
  if (isSpout) statColumns.push(['Complete latency (ms)', 'completeLatency', fmtMs]);
  else statColumns.push(['Execute latency (ms)', 'executeLatency', fmtMs], ['Executed', 'executed'],
    ['Process latency (ms)', 'processLatency', fmtMs]);
  statColumns.push(['Acked', 'acked'], ['Failed', 'failed']);
  return el('div', { id: 'component-page', 'data-component': route.component },
    el('h2', null, 'Component Summary'),
    table('component-summary', [
      ['Id', 'id'], ['Topology', function topology() { return el('a', { href: topologyHref(route.id, route.window) }, topoName); }],
      ['Type', 'componentType'], ['Executors', 'executors'], ['Tasks', 'tasks']], [c]),
    el('h2', null, (isSpout ? 'Spout' : 'Bolt') + ' Stats'),
    table('component-stats', statColumns, stats, (s) => ({ 'data-window': s.window })),
    isSpout ? null : el('h2', null, 'Input Stats (' + windowName(route.window) + ')'),
    isSpout ? null : table('component-inputs', [
      ['Component', 'component'], ['Stream', 'stream'], ['Grouping', 'grouping'],
      ['Execute latency (ms)', 'executeLatency', fmtMs], ['Executed', 'executed'],
      ['Process latency (ms)', 'processLatency', fmtMs], ['Acked', 'acked'], ['Failed', 'failed']],
    c.inputStats || [], (r) => ({ 'data-component': r.component })),
    el('h2', null, 'Executors (' + windowName(route.window) + ')'),
    table('component-executors', [
      ['Id', 'id'], ['Host', 'host'], ['Port', 'port'], ['Uptime', 'uptime'], ['Emitted', 'emitted'],
      ['Transferred', 'transferred'], ['Executed', 'executed'], ['Capacity', 'capacity', fmtRatio],
      ['Execute latency (ms)', 'executeLatency', fmtMs], ['Process latency (ms)', 'processLatency', fmtMs],
      ['Complete latency (ms)', 'completeLatency', fmtMs], ['Acked', 'acked'], ['Failed', 'failed']],
    c.executorStats || [], (r) => ({ 'data-id': r.id }), 'no task has reported yet'),
    el('h2', null, 'Errors'),
    table('component-errors', [
      ['Time', 'errorTime', fmtTime], ['Age (s)', 'errorLapsedSecs'], ['Host', 'errorHost'], ['Port', 'errorPort'],
      ['Task', 'errorTask'], ['Error', 'error', 'err']],
    c.componentErrors || [], null, 'no error reported'));
}

// ---- the token ---------------------------------------------------------------

function tokenState() {
  $('token-state').textContent = token() ? 'token set (this tab only)' : 'no token';
}

function setupToken() {
  $('token-save').addEventListener('click', () => {
    const v = $('token').value.trim();
    if (v) sessionStorage.setItem(TOKEN_KEY, v);
    $('token').value = '';
    tokenState();
    clearError(true);
    render();
  });
  $('token').addEventListener('keydown', (e) => { if (e.key === 'Enter') $('token-save').click(); });
  $('token-clear').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    tokenState();
    clearError(true);
    render();
  });
  tokenState();
}

window.addEventListener('hashchange', () => { $('notice').hidden = true; clearError(true); render(); });
setupToken();
render();
