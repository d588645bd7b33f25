// huegate's control page. It talks to huegate over one WebSocket carrying
// {"topic","payload"} messages: states and availability in, values and
// commands out. Names come from the bridge, so they are only ever set as
// text, never as HTML.
"use strict";

const SEND_EVERY = 50;   // ms between a slider's messages while it moves
const GRACE = 700;       // ms a control keeps updates back after the hand left it
const RETRY_MAX = 10000; // ms between reconnection attempts, at most

const page = {
  ws: null,
  latest: new Map(),     // topic -> newest payload
  watch: new Map(),      // topic -> [function(payload)]
  mappings: [],
  bridges: [],
};

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

let retry = 500;
function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(proto + "//" + location.host + "/ws");
  page.ws = ws;
  ws.onopen = () => {
    retry = 500;
    pill("st-page", "page: live", true);
  };
  ws.onclose = () => {
    pill("st-page", "page: reconnecting…", false);
    unknown();
    // A refused login looks like any closed socket: ask the page itself.
    fetch(location.pathname, { cache: "no-store" }).then((r) => {
      if (r.status === 401) showError("this browser's login is no longer valid: open /?token=<the token> again", true);
    }).catch(() => {});
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, RETRY_MAX);
  };
  ws.onmessage = (ev) => {
    let m;
    try { m = JSON.parse(ev.data); } catch { return; }
    receive(m.topic, m.payload);
  };
}

// unknown forgets what huegate said: on reconnecting it says it all again,
// and what was cleared meanwhile must not stay on the page.
function unknown() {
  page.latest.clear();
  const b = document.getElementById("st-broker");
  b.textContent = "broker: ?";
  b.classList.remove("ok", "bad");
  for (const p of document.querySelectorAll("#st-bridges .pill")) p.classList.remove("ok", "bad");
}

function send(topic, payload) {
  if (page.ws && page.ws.readyState === WebSocket.OPEN) {
    page.ws.send(JSON.stringify({ topic, payload: String(payload) }));
  } else {
    showError("not connected to huegate; not sent");
  }
}

function receive(topic, payload) {
  switch (topic) {
    case "$huegate/mappings":
      page.mappings = JSON.parse(payload);
      render();
      return;
    case "$huegate/inventory":
      page.bridges = JSON.parse(payload);
      render();
      return;
    case "$huegate/broker":
      pill("st-broker", "broker: " + (payload === "online" ? "connected" : "disconnected"), payload === "online");
      return;
    case "$huegate/error":
      showError(payload);
      return;
  }
  if (payload === "") page.latest.delete(topic); else page.latest.set(topic, payload);
  for (const f of page.watch.get(topic) || []) f(payload);
}

function on(topic, f) {
  if (!page.watch.has(topic)) page.watch.set(topic, []);
  page.watch.get(topic).push(f);
}

function pill(id, text, ok) {
  const p = document.getElementById(id);
  p.textContent = text;
  p.classList.toggle("ok", ok);
  p.classList.toggle("bad", !ok);
}

let errorTimer;
function showError(text, sticky) {
  const e = document.getElementById("error");
  e.textContent = text;
  e.hidden = false;
  clearTimeout(errorTimer);
  if (!sticky) errorTimer = setTimeout(() => { e.hidden = true; }, 6000);
}

// render lays the page out again from the mappings and the inventory, then
// replays every known state into the new cards.
function render() {
  page.watch.clear();
  renderBridges();
  fill("mappings", page.mappings.map(mappingCard), "No mappings yet.");
  const groups = [], lights = [];
  for (const b of page.bridges) {
    for (const g of b.groups) groups.push(deviceCard(g, b, true));
    for (const l of b.lights) lights.push(deviceCard(l, b, false));
  }
  const waiting = page.bridges.length ? "None." : "Waiting for the bridge…";
  fill("groups", groups, waiting);
  fill("lights", lights, waiting);
  for (const [topic, fns] of page.watch) {
    if (page.latest.has(topic)) for (const f of fns) f(page.latest.get(topic));
  }
}

function fill(id, cards, empty) {
  const box = document.getElementById(id);
  box.replaceChildren(...(cards.length ? cards : [el("p", { class: "empty", text: empty })]));
}

function renderBridges() {
  const box = document.getElementById("st-bridges");
  box.replaceChildren();
  for (const b of page.bridges) {
    const p = el("span", { class: "pill", id: "st-bridge-" + b.bridge, text: "bridge " + (b.name || b.bridge) + ": ?" });
    box.append(p);
    on(b.status_topic, (v) => {
      p.textContent = "bridge " + (b.name || b.bridge) + ": " + v;
      p.classList.toggle("ok", v === "online");
      p.classList.toggle("bad", v !== "online");
    });
  }
}

// The slider a hand is on, if any: pointerup anywhere lets go of it.
let holding = null;
document.addEventListener("pointerup", () => { if (holding) holding.release(); });
document.addEventListener("pointercancel", () => { if (holding) holding.release(); });

// slider is a range input that sends while it moves (at most every
// SEND_EVERY ms, and always its last value). While a hand is on it, and for
// GRACE ms after, it keeps huegate's updates back, then shows the newest.
function slider(min, max, step, onSend) {
  const input = el("input", { type: "range", min, max, step, value: min });
  const out = el("output", { text: "" });
  let timer = null, sent = null, quietAt = 0, held = null;
  const flush = () => {
    timer = null;
    if (input.value !== sent) { sent = input.value; onSend(Number(input.value)); }
  };
  const apply = (v, text) => {
    if (v !== null && v !== undefined && !Number.isNaN(v)) { input.value = v; sent = input.value; }
    out.textContent = text !== undefined ? text : input.value;
  };
  const busy = () => holding === s || Date.now() < quietAt;
  const later = () => {
    if (busy()) { setTimeout(later, Math.max(quietAt - Date.now(), 50)); return; }
    if (held) { const h = held; held = null; apply(...h); }
  };
  const touched = () => { quietAt = Date.now() + GRACE; setTimeout(later, GRACE); };
  input.addEventListener("pointerdown", () => { holding = s; });
  input.addEventListener("input", () => {
    touched();
    out.textContent = input.value;
    if (!timer) { flush(); timer = setTimeout(flush, SEND_EVERY); }
  });
  input.addEventListener("change", () => { touched(); clearTimeout(timer); flush(); });
  const s = {
    input, out,
    release() { holding = null; touched(); },
    show(v, text) {
      if (busy()) { held = [v, text]; return; }
      apply(v, text);
    },
  };
  return s;
}

function row(label, ...parts) {
  return el("div", { class: "row" }, el("label", { text: label }), ...parts);
}

// mappingValue reads a shared topic's payload as huegate does (package
// mapping): a number in min..max, off (min), or null for ON and what it
// cannot read.
function mappingValue(payload, min, max) {
  const clamp = (v) => Math.min(max, Math.max(min, v));
  const num = (t) => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : NaN);
  const onOff = (t) => {
    const w = String(t).trim().toLowerCase();
    return w === "on" || w === "true" ? true : w === "off" || w === "false" ? false : null;
  };
  const s = payload.trim();
  if (s.startsWith("{")) {
    let j;
    try { j = JSON.parse(s); } catch { return null; }
    if (j === null || typeof j !== "object") return null;
    if (j.state !== undefined) {
      const on = typeof j.state === "string" ? onOff(j.state) : null;
      if (on === false) return min;
      if (on === null) return null;
    }
    return typeof j.brightness === "number" ? clamp(j.brightness) : null;
  }
  if (s.endsWith("%")) {
    const p = num(s.slice(0, -1).trim());
    return Number.isFinite(p) ? min + (Math.min(100, Math.max(0, p)) / 100) * (max - min) : null;
  }
  const on = onOff(s);
  if (on !== null) return on ? null : min;
  const n = num(s);
  return Number.isFinite(n) ? clamp(n) : null;
}

function mappingCard(m) {
  const span = m.max - m.min;
  const step = span >= 50 ? 1 : span / 100;
  const s = slider(m.min, m.max, step, (v) => send(m.topic, v));
  s.input.setAttribute("aria-label", m.topic);
  s.input.dataset.topic = m.topic;
  const names = [...(m.lights || []), ...(m.groups || [])].join(", ");
  const card = el("div", { class: "card mapping" },
    el("h3", { text: m.topic }),
    el("p", { class: "sub", text: names + " · " + m.min + "…" + m.max }),
    row("value", s.input, s.out));
  on(m.topic, (p) => {
    const text = p.length > 12 ? p.slice(0, 12) + "…" : p;
    s.show(mappingValue(p, m.min, m.max), text);
  });
  return card;
}

// deviceCard is a light's or a group's card: a switch, and the sliders
// its colour modes allow; a group also gets its scenes.
function deviceCard(d, bridge, isGroup) {
  const modes = d.color_modes || [];
  const set = (obj) => send(d.set_topic, JSON.stringify(obj));
  const sw = el("input", { type: "checkbox", role: "switch", "aria-label": d.name + " on/off" });
  sw.addEventListener("change", () => send(d.set_topic, sw.checked ? "ON" : "OFF"));
  const badge = el("span", { class: "badge", text: "" });
  const card = el("div", { class: "card device", "data-state-topic": d.state_topic },
    el("div", { class: "head" }, el("h3", { text: d.name }, badge), el("label", { class: "switch" }, sw)),
    el("p", { class: "sub", text: describe(d, bridge, isGroup) }));
  const dims = modes.some((m) => m !== "onoff");
  const bri = dims && slider(1, 254, 1, (v) => set({ brightness: v, transition: 0 }));
  if (bri) { bri.input.setAttribute("aria-label", d.name + " brightness"); card.append(row("brightness", bri.input, bri.out)); }
  const ct = modes.includes("color_temp") &&
    slider(d.min_mireds || 153, d.max_mireds || 500, 1, (v) => set({ color_temp: v, transition: 0 }));
  if (ct) { ct.input.setAttribute("aria-label", d.name + " colour temperature"); card.append(row("white (mired)", ct.input, ct.out)); }
  let color = null;
  if (modes.includes("xy")) {
    color = el("input", { type: "color", value: "#ffffff", "aria-label": d.name + " colour" });
    let last = 0;
    color.addEventListener("input", () => {
      if (Date.now() - last < SEND_EVERY) return;
      last = Date.now();
      set({ color: hexToRGB(color.value), transition: 0 });
    });
    color.addEventListener("change", () => set({ color: hexToRGB(color.value), transition: 0 }));
    card.append(row("colour", color));
  }
  if (isGroup && d.scenes && d.scenes.length) {
    const box = el("div", { class: "scenes" });
    for (const sc of d.scenes) {
      const b = el("button", { type: "button", text: sc.name });
      b.addEventListener("click", () => set({ scene: sc.id }));
      box.append(b);
    }
    card.append(box);
  }
  on(d.state_topic, (p) => {
    let s;
    try { s = JSON.parse(p); } catch { return; }
    const isOn = s.state === "ON" || s.on === true;
    sw.checked = isOn;
    card.classList.toggle("on", isOn);
    const unreachable = !isGroup && s.reachable === false;
    card.classList.toggle("unreachable", unreachable);
    badge.textContent = unreachable ? "unreachable" : "";
    const b = typeof s.brightness === "number" ? s.brightness : s.bri;
    if (bri && typeof b === "number") bri.show(b);
    if (ct && typeof s.color_temp === "number") ct.show(s.color_temp);
    const hex = swatch(s);
    if (hex) card.style.setProperty("--swatch", hex);
    if (color && s.color_mode === "xy" && hex) color.value = hex;
  });
  return card;
}

function describe(d, bridge, isGroup) {
  const parts = [d.type];
  if (isGroup) parts.push(d.lights.length + (d.lights.length === 1 ? " light" : " lights"));
  if (page.bridges.length > 1) parts.push(bridge.name || bridge.bridge);
  return parts.filter(Boolean).join(" · ");
}

// swatch is the colour a light or group shows, roughly, as #rrggbb, from
// the fields both carry (color_mode, color, color_temp).
function swatch(s) {
  if (s.color_mode === "xy" && s.color && typeof s.color.x === "number") return xyToHex(s.color.x, s.color.y);
  if (s.color_mode === "color_temp" && typeof s.color_temp === "number") return miredToHex(s.color_temp);
  return null;
}

function hexToRGB(hex) {
  const n = parseInt(hex.slice(1), 16);
  return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 };
}

function toHex(r, g, b) {
  const c = (v) => Math.round(Math.min(1, Math.max(0, v)) * 255).toString(16).padStart(2, "0");
  return "#" + c(r) + c(g) + c(b);
}

// xyToHex: the wide-gamut matrix Philips publishes, then sRGB gamma.
function xyToHex(x, y) {
  if (!(y > 0)) return null;
  const X = x / y, Z = (1 - x - y) / y;
  let r = X * 1.656492 - 0.354851 - Z * 0.255038;
  let g = -X * 0.707196 + 1.655397 + Z * 0.036152;
  let b = X * 0.051713 - 0.121364 + Z * 1.011530;
  const m = Math.max(r, g, b);
  if (m > 1) { r /= m; g /= m; b /= m; }
  const gamma = (v) => (v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(Math.max(v, 0), 1 / 2.4) - 0.055);
  return toHex(gamma(r), gamma(g), gamma(b));
}

// miredToHex: a black body's colour, by Tanner Helland's fit.
function miredToHex(mired) {
  const t = 1e6 / mired / 100;
  const r = t <= 66 ? 255 : 329.7 * Math.pow(t - 60, -0.1332);
  const g = t <= 66 ? 99.47 * Math.log(t) - 161.12 : 288.12 * Math.pow(t - 60, -0.0755);
  const b = t >= 66 ? 255 : t <= 19 ? 0 : 138.52 * Math.log(t - 10) - 305.04;
  return toHex(r / 255, g / 255, b / 255);
}

connect();
