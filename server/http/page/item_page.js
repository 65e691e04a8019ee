// One auction (/items/NAME): its price, leader and time left, and its bids as a chart and a table.

import { $, announce, clockTime, el, live, loaded, OUTCOME, SVG, timeLeft } from "./live.js";

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
  const history = type === "bid" && item.bid ? [...current.history, item.bid] : current.history;
  renderDetail({ ...current, ...item, history });
  if (type === "bid") announce(`${item.price}, ${item.leader} leads`);
  if (type === "closed" || type === "outcome") announce(OUTCOME[item.status] ?? item.status);
}

/** The item page: how to load it and how to apply an event. */
export const itemPage = { load: loadItem, onEvent: onItemEvent };
