// The live board, in the browser: loads /api/items (or /api/items/NAME), then follows /events.
// Plain DOM, no build step. Every text from the server goes in through textContent.

const OUTCOME = {
  open: "Open",
  pending: "Payment pending",
  sold: "Sold",
  no_offer: "No offer",
  cancelled: "Cancelled",
};
const CLOSED_LIMIT = 100;
const SVG = "http://www.w3.org/2000/svg";

/** Milliseconds to add to Date.now() to get the server's time. */
let clockOffsetMs = 0;
/** The server sequence number the page has shown everything up to. */
let seq = 0;
let source = null;

const $ = (id) => document.getElementById(id);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function serverNow() {
  return Date.now() + clockOffsetMs;
}

function timeLeft(endsAt) {
  const seconds = Math.max(0, Math.round((Date.parse(endsAt) - serverNow()) / 1000));
  if (seconds === 0) return "closing…";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

function clockTime(iso) {
  return new Date(iso).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

function announce(text) {
  const region = $("announcer");
  if (region) region.textContent = text;
}

function setConnection(state, text) {
  const box = $("connection");
  if (!box) return;
  box.dataset.state = state;
  $("connection-text").textContent = text;
}

/** A small line chart of `prices` (strings), for the cards. */
function sparkline(prices) {
  const width = 120;
  const height = 36;
  const values = prices.map(Number);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "spark");
  svg.setAttribute("role", "img");
  svg.setAttribute(
    "aria-label",
    values.length > 1
      ? `Price went from ${prices[0]} to ${prices.at(-1)} over ${values.length - 1} bids`
      : `No bid yet: start price ${prices[0]}`,
  );
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((value, index) => [
    values.length > 1 ? index * step : 0,
    height - 4 - ((value - min) / span) * (height - 8),
  ]);
  if (values.length === 1) points.push([width, points[0][1]]);
  const line = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  const area = document.createElementNS(SVG, "polygon");
  area.setAttribute("points", `0,${height} ${line} ${width},${height}`);
  area.setAttribute("class", "spark-area");
  const path = document.createElementNS(SVG, "polyline");
  path.setAttribute("points", line);
  path.setAttribute("class", "spark-line");
  svg.append(area, path);
  return svg;
}

// ---------------------------------------------------------------- the board (/)

const openCards = new Map();
const closedRows = new Map();
/** The latest full copy of each item shown, by id: events other than listed and closed carry only what moved. */
const known = new Map();

/** The item after event `type` with `data`, or null when the page never had it. */
function merged(type, data) {
  const old = known.get(data.id);
  if (!old && !["listed", "closed", "outcome"].includes(type)) return null;
  const item = { ...old, ...data };
  if (type === "bid" && old && data.bid) item.trend = [...old.trend, data.bid.amount].slice(-30);
  known.set(item.id, item);
  return item;
}

function itemLink(item) {
  return el("a", { href: `/items/${encodeURIComponent(item.name)}`, text: item.name });
}

function renderCard(item) {
  let card = openCards.get(item.id);
  if (!card) {
    card = el("li", { class: "card", "data-item": item.name, "data-id": String(item.id) });
    const article = el("article", { "aria-labelledby": `item-${item.id}` });
    const heading = el("h3", { id: `item-${item.id}` }, itemLink(item));
    const price = el("data", { class: "price", "aria-live": "polite", "aria-atomic": "true" });
    const top = el("div", { class: "card-top" }, heading, el("p", { class: "price-box" }, price));
    const desc = el("p", { class: "desc", text: item.description });
    const meta = el("p", { class: "meta" });
    const chart = el("div", { class: "chart" });
    const time = el("time", { class: "left" });
    const foot = el("p", { class: "foot" }, el("span", { class: "label", text: "Ends in " }), time);
    article.append(top, desc, chart, meta, foot);
    card.append(article);
    $("open-list").append(card);
    openCards.set(item.id, card);
  }
  const price = card.querySelector(".price");
  if (price.value !== item.price) {
    if (price.value) {
      card.classList.remove("bumped");
      void card.offsetWidth; // restart the animation
      card.classList.add("bumped");
    }
    price.value = item.price;
    price.textContent = item.price;
  }
  card.querySelector(".meta").textContent = item.leader === null
    ? `by ${item.seller} · no bid yet`
    : `${item.leader} leads · ${item.bids} bid${item.bids === 1 ? "" : "s"} · by ${item.seller}`;
  const time = card.querySelector("time");
  time.dateTime = item.endsAt;
  time.dataset.ends = item.endsAt;
  time.textContent = timeLeft(item.endsAt);
  time.classList.toggle("soon", Date.parse(item.endsAt) - serverNow() < 60_000);
  card.querySelector(".chart").replaceChildren(sparkline(item.trend));
  card.dataset.endsAt = item.endsAt;
}

function sortCards() {
  const list = $("open-list");
  const cards = [...openCards.values()].sort((a, b) =>
    Date.parse(a.dataset.endsAt) - Date.parse(b.dataset.endsAt)
  );
  cards.forEach((card, index) => {
    if (list.children[index] !== card) list.insertBefore(card, list.children[index] ?? null);
  });
  $("open-count").textContent = openCards.size ? `(${openCards.size})` : "";
  $("open-empty").hidden = openCards.size > 0;
}

function renderClosedRow(item, { prepend }) {
  let row = closedRows.get(item.id);
  if (!row) {
    row = el("tr", { "data-item": item.name, "data-id": String(item.id) });
    row.append(
      el("th", { scope: "row" }, itemLink(item)),
      el("td", {}, el("span", { class: "badge" })),
      el("td", { class: "num price" }),
      el("td", { class: "winner" }),
      el("td", {}, el("time")),
    );
    const body = $("closed-list");
    if (prepend) body.prepend(row);
    else body.append(row);
    closedRows.set(item.id, row);
    while (closedRows.size > CLOSED_LIMIT) {
      const last = body.lastElementChild;
      closedRows.delete(Number(last.dataset.id));
      last.remove();
    }
  }
  const badge = row.querySelector(".badge");
  badge.textContent = OUTCOME[item.status] ?? item.status;
  badge.dataset.status = item.status;
  row.dataset.status = item.status;
  row.querySelector(".price").textContent = item.status === "no_offer" ? "—" : item.price;
  row.querySelector(".winner").textContent = item.status === "no_offer" ? "—" : item.leader ?? "—";
  const time = row.querySelector("time");
  if (item.closedAt) {
    time.dateTime = item.closedAt;
    time.textContent = clockTime(item.closedAt);
  }
  $("closed-empty").hidden = closedRows.size > 0;
}

function closeCard(item) {
  const card = openCards.get(item.id);
  if (card) {
    card.remove();
    openCards.delete(item.id);
  }
  sortCards();
  renderClosedRow(item, { prepend: true });
}

async function loadBoard() {
  const response = await fetch("/api/items", { cache: "no-store" });
  const data = await response.json();
  clockOffsetMs = Date.parse(data.now) - Date.now();
  seq = data.seq;
  openCards.clear();
  closedRows.clear();
  known.clear();
  for (const item of [...data.open, ...data.closed]) known.set(item.id, item);
  $("open-list").replaceChildren();
  $("closed-list").replaceChildren();
  for (const item of data.open) renderCard(item);
  sortCards();
  for (const item of data.closed) renderClosedRow(item, { prepend: false });
  $("closed-empty").hidden = data.closed.length > 0;
}

function onBoardEvent(type, data) {
  const item = merged(type, data);
  if (!item) {
    loadBoard(); // an item this page never had: take a fresh copy
    return;
  }
  if (type === "listed" || type === "bid" || type === "price_adjusted") {
    renderCard(item);
    sortCards();
    if (type === "bid") announce(`${item.name}: ${item.price}, ${item.leader} leads`);
    if (type === "price_adjusted") announce(`${item.name}: price lowered to ${item.price}`);
    if (type === "listed") announce(`New auction: ${item.name} from ${item.price}`);
  } else if (type === "closed" || type === "outcome") {
    closeCard(item);
    announce(`${item.name}: ${OUTCOME[item.status] ?? item.status}`);
  }
}

// ---------------------------------------------------------------- one item (/items/NAME)

let current = null;

function bigChart(history, startPrice) {
  const width = 640;
  const height = 220;
  const pad = { left: 56, right: 12, top: 12, bottom: 28 };
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "big-chart");
  svg.setAttribute("role", "img");
  const prices = [Number(startPrice), ...history.map((bid) => Number(bid.amount))];
  svg.setAttribute(
    "aria-label",
    history.length
      ? `Price from ${startPrice} to ${history.at(-1).amount} over ${history.length} bids`
      : `No bid yet; start price ${startPrice}`,
  );
  const min = Math.min(...prices);
  const max = Math.max(...prices);
  const span = max - min || 1;
  const x = (index) =>
    pad.left +
    (prices.length > 1 ? (index / (prices.length - 1)) : 0.5) * (width - pad.left - pad.right);
  const y = (value) => pad.top + (1 - (value - min) / span) * (height - pad.top - pad.bottom);
  const axis = document.createElementNS(SVG, "g");
  axis.setAttribute("class", "axis");
  for (const value of new Set([min, max])) {
    const label = document.createElementNS(SVG, "text");
    label.setAttribute("x", String(pad.left - 8));
    label.setAttribute("y", String(y(value) + 4));
    label.setAttribute("text-anchor", "end");
    label.textContent = value.toFixed(2);
    const rule = document.createElementNS(SVG, "line");
    rule.setAttribute("x1", String(pad.left));
    rule.setAttribute("x2", String(width - pad.right));
    rule.setAttribute("y1", String(y(value)));
    rule.setAttribute("y2", String(y(value)));
    axis.append(rule, label);
  }
  svg.append(axis);
  // A step line: the price holds until the next bid.
  let d = `M${x(0)},${y(prices[0])}`;
  for (let index = 1; index < prices.length; index++) {
    d += ` H${x(index)} V${y(prices[index])}`;
  }
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.setAttribute("class", "big-line");
  svg.append(path);
  prices.forEach((value, index) => {
    if (index === 0) return;
    const dot = document.createElementNS(SVG, "circle");
    dot.setAttribute("cx", String(x(index)));
    dot.setAttribute("cy", String(y(value)));
    dot.setAttribute("r", "3.5");
    dot.setAttribute("class", "big-dot");
    svg.append(dot);
  });
  return svg;
}

function renderDetail(item) {
  current = item;
  document.title = `${item.name} · Live auctions`;
  $("item-name").textContent = item.name;
  $("item-desc").textContent = item.description;
  $("item-seller").textContent = item.seller;
  const price = $("item-price");
  if (price.value !== item.price) {
    price.value = item.price;
    price.textContent = item.price;
  }
  $("item-leader").textContent = item.leader ?? "nobody yet";
  $("item-bids").textContent = String(item.bids);
  const status = $("item-status");
  status.textContent = OUTCOME[item.status] ?? item.status;
  status.dataset.status = item.status;
  const time = $("item-time");
  time.dateTime = item.status === "open" ? item.endsAt : item.closedAt ?? item.endsAt;
  if (item.status === "open") {
    time.dataset.ends = item.endsAt;
    time.textContent = timeLeft(item.endsAt);
    $("item-time-label").textContent = "Time left";
  } else {
    delete time.dataset.ends;
    time.textContent = clockTime(item.closedAt ?? item.endsAt);
    $("item-time-label").textContent = "Closed at";
  }
  $("item-chart").replaceChildren(bigChart(item.history, item.startPrice));
  const rows = [...item.history].reverse().map((bid) =>
    el(
      "tr",
      {},
      el("td", {}, el("time", { datetime: bid.at, text: clockTime(bid.at) })),
      el("td", { text: bid.bidder }),
      el("td", { class: "num", text: bid.amount }),
    )
  );
  $("history").replaceChildren(...rows);
  $("history-empty").hidden = item.history.length > 0;
}

function itemName() {
  return decodeURIComponent(location.pathname.slice("/items/".length));
}

async function loadItem() {
  const response = await fetch(`/api/items/${encodeURIComponent(itemName())}`, {
    cache: "no-store",
  });
  const data = await response.json();
  if (response.status === 404) {
    $("detail").hidden = true;
    $("not-found").hidden = false;
    seq = data.seq;
    return;
  }
  clockOffsetMs = Date.parse(data.now) - Date.now();
  seq = data.seq;
  renderDetail(data);
}

function onItemEvent(type, item) {
  if (!current) {
    if (type === "listed" && item.name.toLowerCase() === itemName().toLowerCase()) {
      $("detail").hidden = false;
      $("not-found").hidden = true;
      renderDetail({ ...item, history: [] });
    }
    return;
  }
  if (item.id !== current.id) return;
  const history = type === "bid" && item.bid ? [...current.history, item.bid] : current.history;
  renderDetail({ ...current, ...item, history });
  if (type === "bid") announce(`${item.price}, ${item.leader} leads`);
  if (type === "closed" || type === "outcome") announce(OUTCOME[item.status] ?? item.status);
}

// ---------------------------------------------------------------- live updates

function tick() {
  for (const time of document.querySelectorAll("time[data-ends]")) {
    time.textContent = timeLeft(time.dataset.ends);
    time.classList.toggle("soon", Date.parse(time.dataset.ends) - serverNow() < 60_000);
  }
}

function connect(load, onEvent) {
  source?.close();
  source = new EventSource(`/events?since=${seq}`);
  source.addEventListener("open", () => setConnection("live", "Live"));
  const opened = source;
  source.addEventListener("error", () => {
    setConnection("offline", "Reconnecting…");
    // The browser retries by itself, except after an error status (503 when the server is full).
    if (opened.readyState === EventSource.CLOSED) {
      setTimeout(() => source === opened && connect(load, onEvent), 5000);
    }
  });
  for (const type of ["listed", "bid", "price_adjusted", "closed", "outcome"]) {
    source.addEventListener(type, (event) => {
      const id = Number(event.lastEventId);
      if (id <= seq) return; // already in what was loaded
      seq = id;
      onEvent(type, JSON.parse(event.data));
    });
  }
  source.addEventListener("reset", async () => {
    // Too much was missed: start again from a fresh copy.
    await load();
    connect(load, onEvent);
  });
}

async function main() {
  const page = document.body.dataset.page;
  const load = page === "item" ? loadItem : loadBoard;
  const onEvent = page === "item" ? onItemEvent : onBoardEvent;
  try {
    await load();
  } catch {
    setConnection("offline", "Cannot reach the server");
  }
  connect(load, onEvent);
  setInterval(tick, 1000);
}

main();
