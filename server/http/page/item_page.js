// One auction (/items/NAME): its price, leader and time left, and its price history (accepted
// bids and prices the seller lowered) as a chart and a table.

import {
  $,
  announce,
  buyerFact,
  clockTime,
  el,
  live,
  loaded,
  OUTCOME,
  SVG,
  timeLeft,
} from "./live.js";

let current = null;

/** A point of the history the seller made by lowering the price, not a bid. */
const isAdjustment = (point) => point.kind === "price_adjusted";

function chartLabel(history, startPrice) {
  if (!history.length) return `No bid yet; start price ${startPrice}`;
  const bids = history.filter((point) => !isAdjustment(point)).length;
  const cuts = history.length - bids;
  const parts = [`${bids} bid${bids === 1 ? "" : "s"}`];
  if (cuts) parts.push(`${cuts} price cut${cuts === 1 ? "" : "s"} by the seller`);
  return `Price from ${startPrice} to ${history.at(-1).amount}: ${parts.join(" and ")}`;
}

function bigChart(history, startPrice) {
  const width = 640;
  const height = 220;
  const pad = { left: 56, right: 12, top: 12, bottom: 28 };
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "big-chart");
  svg.setAttribute("role", "img");
  const prices = [Number(startPrice), ...history.map((bid) => Number(bid.amount))];
  svg.setAttribute("aria-label", chartLabel(history, startPrice));
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
  // A step line: the price holds until the next bid or price cut.
  let d = `M${x(0)},${y(prices[0])}`;
  for (let index = 1; index < prices.length; index++) {
    d += ` H${x(index)} V${y(prices[index])}`;
  }
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.setAttribute("class", "big-line");
  svg.append(path);
  // A bid is a round dot, a price the seller lowered a square: the legend says which is which.
  history.forEach((point, index) => {
    const cx = x(index + 1);
    const cy = y(prices[index + 1]);
    let mark;
    if (isAdjustment(point)) {
      mark = document.createElementNS(SVG, "rect");
      mark.setAttribute("x", String(cx - 4));
      mark.setAttribute("y", String(cy - 4));
      mark.setAttribute("width", "8");
      mark.setAttribute("height", "8");
      mark.setAttribute("class", "big-adjust");
    } else {
      mark = document.createElementNS(SVG, "circle");
      mark.setAttribute("cx", String(cx));
      mark.setAttribute("cy", String(cy));
      mark.setAttribute("r", "3.5");
      mark.setAttribute("class", "big-dot");
    }
    svg.append(mark);
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
  const buyer = buyerFact(item);
  $("item-leader-label").textContent = buyer.label;
  $("item-leader").textContent = buyer.text;
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
  const rows = [...item.history].reverse().map((point) =>
    el(
      "tr",
      isAdjustment(point)
        ? { class: "adjustment", "data-kind": point.kind }
        : { "data-kind": "bid" },
      el("td", {}, el("time", { datetime: point.at, text: clockTime(point.at) })),
      el("td", { text: isAdjustment(point) ? "Price lowered by the seller" : point.bidder }),
      el("td", { class: "num", text: point.amount }),
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
    live.seq = data.seq;
    return;
  }
  loaded(data);
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
  const point = type === "bid" ? item.bid : type === "price_adjusted" ? item.adjustment : null;
  const history = point ? [...current.history, point] : current.history;
  renderDetail({ ...current, ...item, history });
  if (type === "bid") announce(`${item.price}, ${item.leader} leads`);
  if (type === "closed" || type === "outcome") announce(OUTCOME[item.status] ?? item.status);
}

/** The item page: how to load it and how to apply an event. */
export const itemPage = { load: loadItem, onEvent: onItemEvent };
