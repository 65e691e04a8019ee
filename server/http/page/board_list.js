// The board (/): open auctions as cards with a small price chart, then the recently closed ones.

import {
  $,
  announce,
  buyerFact,
  clockTime,
  el,
  loaded,
  OUTCOME,
  serverNow,
  SVG,
  timeLeft,
} from "./live.js";

const CLOSED_LIMIT = 100;

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
      ? `Price went from ${prices[0]} to ${prices.at(-1)} over ${values.length - 1} changes`
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

const openCards = new Map();
const closedRows = new Map();
/** The latest full copy of each item shown, by id: events other than listed and closed carry only what moved. */
const known = new Map();

/** The item after event `type` with `data`, or null when the page never had it. */
function merged(type, data) {
  const old = known.get(data.id);
  if (!old && !["listed", "closed", "outcome"].includes(type)) return null;
  const item = { ...old, ...data };
  // The trend is the start price, then the latest 29 changes: bids and prices the seller lowered.
  const point = type === "bid" ? data.bid : type === "price_adjusted" ? data.adjustment : null;
  if (old && point) {
    const [start, ...changes] = old.trend;
    item.trend = [start, ...[...changes, point.amount].slice(-29)];
  }
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
  // Without a bid, the price it closed at: the start price, or the one the seller lowered it to.
  row.querySelector(".price").textContent = item.price;
  row.querySelector(".winner").textContent = buyerFact(item).text;
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
  loaded(data);
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

/** The board page: how to load it and how to apply an event. */
export const boardPage = { load: loadBoard, onEvent: onBoardEvent };
