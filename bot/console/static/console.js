// The console page: renders the emulated workspace it receives as server-sent events and sends what the
// user types or clicks to the console server, which signs it and passes it to the bot as Slack would.
// Every text from a message reaches the DOM as a text node (never innerHTML).
"use strict";

const EMOJI = {
  alarm_clock: "⏰", ballot_box_with_check: "☑️", bar_chart: "📊", battery: "🔋", bulb: "💡",
  bust_in_silhouette: "👤", clipboard: "📋", electric_plug: "🔌", grey_question: "❔",
  heavy_multiplication_x: "✖️", hourglass: "⌛", hourglass_flowing_sand: "⏳", inbox_tray: "📥",
  information_source: "ℹ️", lock: "🔒", loudspeaker: "📢", mag: "🔍", no_entry: "⛔", no_entry_sign: "🚫",
  outbox_tray: "📤", raised_hand: "✋", red_car: "🚗", rotating_light: "🚨", round_pushpin: "📍",
  satellite_antenna: "📡", scroll: "📜", shield: "🛡️", small_blue_diamond: "🔹", snowflake: "❄️",
  test_tube: "🧪", unlock: "🔓", warning: "⚠️", wastebasket: "🗑️", white_check_mark: "✅", world_map: "🗺️",
  x: "❌", zzz: "💤", wave: "👋", zap: "⚡", sleeping: "😴",
};

const ui = { me: null, channel: null, thread: null, view: null, meta: null, source: null, notes: [], seen: {} };
const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// --- mrkdwn: bold, italic, strike, code, links, mentions and emoji, built as DOM nodes -----------------

const TOKEN = /```([\s\S]+?)```|`([^`\n]+)`|<([^<>\n]+)>|(?<![\w*])\*([^*\n]+)\*(?![\w*])|(?<![\w])_([^_\n]+)_(?![\w])|(?<![\w~])~([^~\n]+)~(?![\w~])|:([a-z0-9_+-]+):/g;

function unescape(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function emojify(text) {
  return unescape(text).replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
}

function link(inside) {
  const [target, label] = inside.split("|", 2);
  const names = ui.view ? ui.view.users : {};
  if (target.startsWith("@")) return el("span", "mention", "@" + (names[target.slice(1)] || target.slice(1)));
  if (target.startsWith("#")) {
    const channel = ui.view && ui.view.channels.find((c) => c.id === target.slice(1).split("|")[0]);
    return el("span", "mention", "#" + (label || (channel ? channel.name : target.slice(1))));
  }
  if (target.startsWith("!")) return el("span", "mention", "@" + (label || target.slice(1)));
  const anchor = el("a", null, unescape(label || target));
  if (/^https?:\/\//.test(target)) anchor.href = unescape(target);
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  return anchor;
}

function mrkdwn(text, parent) {
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    if (match.index > last) parent.append(unescape(text.slice(last, match.index)));
    const [whole, pre, code, angle, bold, italic, strike, emoji] = match;
    if (pre !== undefined) parent.append(el("pre", null, unescape(pre)));
    else if (code !== undefined) parent.append(el("code", null, unescape(code)));
    else if (angle !== undefined) parent.append(link(angle));
    else if (emoji !== undefined) parent.append(EMOJI[emoji] || whole);
    else {
      const node = el(bold !== undefined ? "b" : italic !== undefined ? "i" : "s");
      mrkdwn(bold ?? italic ?? strike, node);
      parent.append(node);
    }
    last = match.index + whole.length;
  }
  if (last < text.length) parent.append(unescape(text.slice(last)));
  return parent;
}

function textObject(object, className) {
  const node = el("div", className);
  if (!object) return node;
  if (object.type === "mrkdwn") return mrkdwn(String(object.text || ""), node);
  node.textContent = emojify(String(object.text || ""));
  return node;
}

// --- Block Kit -------------------------------------------------------------------------------------------

function button(element, where) {
  const node = el("button", "bk-button" + (element.style ? " " + element.style : ""));
  node.type = "button";
  node.textContent = emojify(String((element.text && element.text.text) || ""));
  node.dataset.actionId = element.action_id || "";
  if (element.url) {
    node.addEventListener("click", () => window.open(element.url, "_blank", "noopener"));
    return node;
  }
  node.addEventListener("click", async () => {
    if (element.confirm && !(await confirmDialog(element.confirm))) return;
    await post("/console/api/click", { ...where, user: ui.me, action_id: element.action_id });
  });
  return node;
}

function element(item, where) {
  if (item.type === "button") return button(item, where);
  if (item.type === "image") {
    const image = el("img");
    image.src = item.image_url;
    image.alt = item.alt_text || "";
    image.width = 16;
    return image;
  }
  if (item.type === "mrkdwn" || item.type === "plain_text") return textObject(item, "bk-element");
  return el("span", "bk-unknown", `[${item.type}]`);
}

function block(item, where) {
  switch (item.type) {
    case "header": return textObject(item.text, "bk-header");
    case "divider": return el("hr", "bk-divider");
    case "context": {
      const node = el("div", "bk-context");
      (item.elements || []).forEach((part) => node.append(element(part, where)));
      return node;
    }
    case "actions": {
      const node = el("div", "bk-actions");
      (item.elements || []).forEach((part) => node.append(element(part, where)));
      return node;
    }
    case "section": {
      const node = el("div", "bk-section");
      const main = el("div", "bk-main");
      if (item.text) main.append(textObject(item.text, "bk-text"));
      if (item.fields) {
        const fields = el("div", "bk-fields");
        item.fields.forEach((field) => fields.append(textObject(field, "bk-field")));
        main.append(fields);
      }
      node.append(main);
      if (item.accessory) node.append(element(item.accessory, where));
      return node;
    }
    default: return el("div", "bk-unknown", `[unsupported block ${item.type}]`);
  }
}

function confirmDialog(confirm) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = emojify(confirm.title ? confirm.title.text : "Are you sure?");
  $("confirm-text").replaceChildren(textObject(confirm.text));
  $("confirm-ok").textContent = confirm.confirm ? confirm.confirm.text : "Yes";
  $("confirm-ok").className = confirm.style || "primary";
  $("confirm-deny").textContent = confirm.deny ? confirm.deny.text : "Cancel";
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

// --- messages ----------------------------------------------------------------------------------------------

function clock(ts) {
  const date = new Date(parseFloat(ts) * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function messageNode(message, channel, inThread) {
  const node = el("div", "message" + (message.ephemeral ? " ephemeral" : ""));
  node.dataset.ts = message.ts;
  const slackbot = message.author === "Slackbot";
  node.append(el("div", "avatar" + (slackbot ? " slack" : ""), message.bot ? (slackbot ? "S" : "🚗") : "👤"));
  const body = el("div", "body");
  if (message.ephemeral) body.append(el("div", "ephemeral-note", "👁 Only visible to you"));
  const meta = el("div", "meta");
  meta.append(el("span", "author", message.author));
  if (message.bot && !slackbot) meta.append(el("span", "app-badge", "APP"));
  meta.append(el("span", "time", clock(message.ts)));
  body.append(meta);
  const where = message.ephemeral ? { channel, ephemeral: message.id } : { channel, ts: message.ts };
  if (message.blocks && message.blocks.length) message.blocks.forEach((item) => body.append(block(item, where)));
  else body.append(mrkdwn(String(message.text || ""), el("div", "bk-text")));
  if (!inThread && message.reply_count) {
    const replies = el("button", "reply-count", `${message.reply_count} ${message.reply_count === 1 ? "reply" : "replies"}`);
    replies.type = "button";
    replies.addEventListener("click", () => openThread(message.ts));
    body.append(replies);
  }
  node.append(body);
  if (!inThread && !message.ephemeral) {
    const reply = el("button", "reply-in-thread", "💬 Reply in thread");
    reply.type = "button";
    reply.addEventListener("click", () => openThread(message.ts));
    node.append(reply);
  }
  return node;
}

function notesFor(channel, threadTs) {
  return ui.notes.filter((note) => note.channel === channel && note.thread_ts === threadTs);
}

function fill(container, items, channel, inThread) {
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  container.replaceChildren(...items.map((m) => messageNode(m, channel, inThread)));
  if (atBottom) container.scrollTop = container.scrollHeight;
}

function byTs(a, b) { return parseFloat(a.ts) - parseFloat(b.ts); }

function renderChannel() {
  const all = ui.view.messages[ui.channel] || [];
  const top = all.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  fill($("messages"), [...top, ...notesFor(ui.channel, null)].sort(byTs), ui.channel, false);
  const channel = ui.view.channels.find((c) => c.id === ui.channel);
  const name = channel.kind === "im" ? ui.view.users[ui.view.bot_user] : "# " + channel.name;
  $("channel-header").textContent = name;
  $("composer-input").placeholder = `Message ${channel.kind === "im" ? name : "#" + channel.name} (type /vehicle …)`;
  if (ui.thread) {
    const root = all.find((m) => m.ts === ui.thread);
    const replies = all.filter((m) => m.thread_ts === ui.thread && m.ts !== ui.thread);
    const items = [root, ...replies, ...notesFor(ui.channel, ui.thread)].filter(Boolean).sort(byTs);
    fill($("thread-messages"), items, ui.channel, true);
  }
}

function renderChannels() {
  const lists = { channel: $("channel-list"), im: $("dm-list") };
  Object.values(lists).forEach((list) => list.replaceChildren());
  for (const channel of ui.view.channels) {
    const count = (ui.view.messages[channel.id] || []).length;
    if (channel.id === ui.channel) ui.seen[channel.id] = count;
    const label = channel.kind === "im" ? ui.view.users[ui.view.bot_user] : "# " + channel.name;
    const item = el("li", null, label);
    item.dataset.channel = channel.id;
    if (channel.id === ui.channel) item.classList.add("current");
    else if (count > (ui.seen[channel.id] ?? 0)) item.classList.add("unread");
    item.addEventListener("click", () => { ui.channel = channel.id; closeThread(); render(); });
    lists[channel.kind].append(item);
  }
}

// --- the fleet panel -----------------------------------------------------------------------------------------

function badge(text, kind) { return el("span", "badge" + (kind ? " " + kind : ""), text); }

function control(label, alias, changes) {
  const node = el("button", null, label);
  node.type = "button";
  node.addEventListener("click", () => post(`/console/fleet/vehicles/${encodeURIComponent(alias)}`, changes));
  return node;
}

function ago(seconds) {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return "just now";
  if (minutes < 120) return `${minutes} min ago`;
  return minutes < 2880 ? `${Math.floor(minutes / 60)} h ago` : `${Math.floor(minutes / 1440)} days ago`;
}

// What the bot keeps about the vehicle: its wake-ups left this month and when it last reported.
function botLine(bot) {
  const node = el("div", "bot-view");
  if (!bot) return node;
  const report = bot.last_report === null ? "never seen" : ago(Date.now() / 1000 - bot.last_report);
  node.textContent = `bot: ${bot.wakeups_left} of ${bot.wakeup_allowance} wake-ups left · last report: ${report}`;
  return node;
}

function vehicleNode(alias, v, causes) {
  const node = el("div", "vehicle");
  node.dataset.alias = alias;
  node.append(el("h3", null, alias), el("div", "model", `${v.brand} ${v.model} · ${v.motorization}`));
  const badges = el("div", "badges");
  badges.append(badge(v.locked ? "🔒 locked" : "🔓 unlocked", v.locked ? null : "warn"));
  if (v.motorization !== "Thermic") badges.append(badge(`🔋 ${v.battery}%${v.charging ? " ⚡ charging" : ""}`));
  if (v.motorization !== "Electric") badges.append(badge(`⛽ ${v.fuel}%`));
  if (v.lights_on) badges.append(badge("💡 lights on"));
  if (v.asleep) badges.append(badge("💤 asleep"));
  if (!v.online) badges.append(badge("📵 offline", "bad"));
  if (v.doors_open) badges.append(badge("🚪 door open", "warn"));
  if (v.stolen) badges.append(badge("🚨 stolen", "bad"));
  if (v.immobilized) badges.append(badge("🛡 immobilized", "bad"));
  if (v.next_failure) badges.append(badge(`next request fails: ${v.next_failure}`, "bad"));
  badges.append(badge(`📍 ${v.position[0].toFixed(4)}, ${v.position[1].toFixed(4)}`));
  badges.append(badge(`vendor quota left ${v.wakeups_left}`));
  node.append(badges, botLine(v.bot));
  const controls = el("div", "controls");
  controls.append(
    control(v.asleep ? "Wake" : "Sleep", alias, { asleep: !v.asleep }),
    control(v.online ? "Take offline" : "Bring online", alias, { offline: v.online }),
    control(v.doors_open ? "Close doors" : "Open doors", alias, { doors_open: !v.doors_open }),
  );
  const cause = el("select");
  cause.setAttribute("aria-label", `Failure cause for ${alias}`);
  causes.forEach((name) => cause.append(new Option(name, name)));
  const fail = el("button", null, "Fail next");
  fail.type = "button";
  fail.addEventListener("click", () => post(`/console/fleet/vehicles/${encodeURIComponent(alias)}`, { next_failure: cause.value }));
  controls.append(cause, fail);
  node.append(controls);
  return node;
}

function renderFleet() {
  const fleet = ui.view.fleet;
  const nodes = Object.entries(fleet.vehicles).map(([alias, v]) => vehicleNode(alias, v, fleet.failure_causes));
  const list = $("fleet-list");
  const chosen = [...list.querySelectorAll("select")].map((s) => s.value);
  list.replaceChildren(...nodes);
  list.querySelectorAll("select").forEach((s, i) => { if (chosen[i]) s.value = chosen[i]; });
}

function render() {
  if (!ui.view) return;
  renderChannels();
  renderChannel();
  renderFleet();
}

// --- threads, composer, suggestions ------------------------------------------------------------------------

function openThread(ts) { ui.thread = ts; $("thread").hidden = false; render(); }
function closeThread() { ui.thread = null; $("thread").hidden = true; }

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (response.ok) return null;
  const answer = await response.json().catch(() => ({ error: `error ${response.status}` }));
  return answer.error || `error ${response.status}`;
}

async function send(input, threadTs) {
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  hideSuggestions();
  const error = await post("/console/api/command", { user: ui.me, channel: ui.channel, text, thread_ts: threadTs });
  if (error) {
    ui.notes.push({ channel: ui.channel, thread_ts: threadTs, ts: String(Date.now() / 1000), author: "Slackbot",
      bot: true, ephemeral: true, text: error });
    render();
  }
}

function hideSuggestions() { $("suggestions").hidden = true; }

function suggestion(label, detail, fills) {
  const item = el("li");
  item.append(el("span", null, label), el("span", "usage", detail));
  item.addEventListener("mousedown", (event) => {
    event.preventDefault();
    $("composer-input").value = fills;
    $("composer-input").dispatchEvent(new Event("input"));
    $("composer-input").focus();
  });
  return item;
}

// While the command is typed, Slack shows it with its description and usage hint; after it, the
// subcommands that match what follows (a console extra).
function showSuggestions() {
  const value = $("composer-input").value;
  const { command, description, usage_hint: hint } = ui.meta;
  let items = [];
  if (value.startsWith("/") && command.startsWith(value)) {
    items = [suggestion(command, `${description} · ${hint}`, command + " ")];
  } else if (value.startsWith(command + " ") && !value.slice(command.length + 1).includes(" ")) {
    const typed = value.slice(command.length + 1);
    items = ui.meta.suggestions.filter((row) => row.word.startsWith(typed))
      .map((row) => suggestion(`${command} ${row.word}`, row.usage, `${command} ${row.word} `));
  }
  $("suggestions").replaceChildren(...items);
  $("suggestions").hidden = items.length === 0;
}

// --- the user and the live view ------------------------------------------------------------------------------

function connect() {
  if (ui.source) ui.source.close();
  ui.source = new EventSource(`/console/api/events?user=${encodeURIComponent(ui.me)}`);
  ui.source.onmessage = (event) => {
    ui.view = JSON.parse(event.data);
    if (!ui.channel) ui.channel = ui.view.channels[0].id;
    document.body.dataset.ready = "true";
    render();
  };
}

function chooseUser(id) {
  ui.me = id;
  ui.notes = [];
  ui.view = null;
  document.body.dataset.ready = "false";
  const person = ui.meta.people.find((p) => p.id === id);
  $("user-role").textContent = person.role;
  const im = ui.channel && ui.channel.startsWith("D");
  if (im) ui.channel = null;
  closeThread();
  connect();
}

async function start() {
  ui.meta = await (await fetch("/console/api/meta")).json();
  const switcher = $("user-switcher");
  ui.meta.people.forEach((p) => switcher.append(new Option(p.name, p.id)));
  switcher.addEventListener("change", () => chooseUser(switcher.value));
  $("composer").addEventListener("submit", (event) => { event.preventDefault(); send($("composer-input"), null); });
  $("thread-composer").addEventListener("submit", (event) => { event.preventDefault(); send($("thread-input"), ui.thread); });
  $("composer-input").addEventListener("input", showSuggestions);
  $("composer-input").addEventListener("blur", hideSuggestions);
  $("thread-close").addEventListener("click", () => { closeThread(); render(); });
  chooseUser(switcher.value);
}

start();
