// What both pages share: formatting, the server's clock, the live-region announcer, and the
// event stream with its resume rules. Plain DOM, no build step; every text from the server goes
// in through textContent.

export const OUTCOME = {
  open: "Open",
  pending: "Payment pending",
  sold: "Sold",
  no_offer: "No offer",
  cancelled: "Cancelled",
};
export const SVG = "http://www.w3.org/2000/svg";

/** What the page has loaded: the server's clock offset and the sequence number it is up to. */
export const live = {
  /** Milliseconds to add to Date.now() to get the server's time. */
  clockOffsetMs: 0,
  /** The server sequence number the page has shown everything up to. */
  seq: 0,
};
let source = null;

/** Takes the `now` and `seq` of a JSON answer. */
export function loaded(data) {
  live.clockOffsetMs = Date.parse(data.now) - Date.now();
  live.seq = data.seq;
}

export const $ = (id) => document.getElementById(id);

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

export function serverNow() {
  return Date.now() + live.clockOffsetMs;
}

export function timeLeft(endsAt) {
  const seconds = Math.max(0, Math.round((Date.parse(endsAt) - serverNow()) / 1000));
  if (seconds === 0) return "closing…";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

/** A time of day in the browser's zone, 24-hour as the shell writes it: `17:36:38`. */
export function clockTime(iso) {
  const time = new Date(iso);
  return [time.getHours(), time.getMinutes(), time.getSeconds()]
    .map((part) => String(part).padStart(2, "0"))
    .join(":");
}

/**
 * Who the item went to, as a label and a text: its leader while open, then its winner (payment
 * pending) or buyer (sold), or that nobody won it (no bid, or the sale was cancelled).
 */
export function buyerFact(item) {
  switch (item.status) {
    case "open":
      return { label: "Leader", text: item.leader ?? "nobody yet" };
    case "sold":
      return { label: "Buyer", text: item.leader ?? "—" };
    case "no_offer":
      return { label: "Winner", text: "none" };
    case "cancelled":
      return { label: "Winner", text: "none (sale cancelled)" };
    default:
      return { label: "Winner", text: item.leader ?? "—" };
  }
}

export function announce(text) {
  const region = $("announcer");
  if (region) region.textContent = text;
}

export function setConnection(state, text) {
  const box = $("connection");
  if (!box) return;
  box.dataset.state = state;
  $("connection-text").textContent = text;
}

export function tick() {
  for (const time of document.querySelectorAll("time[data-ends]")) {
    time.textContent = timeLeft(time.dataset.ends);
    time.classList.toggle("soon", Date.parse(time.dataset.ends) - serverNow() < 60_000);
  }
}

export function connect(load, onEvent) {
  source?.close();
  source = new EventSource(`/events?since=${live.seq}`);
  source.addEventListener("open", () => setConnection("live", "Live"));
  const opened = source;
  source.addEventListener("error", () => {
    setConnection("offline", "Reconnecting…");
    // The browser retries by itself, except after an error status (503 when the server is full,
    // 429 when this address holds too many streams).
    if (opened.readyState === EventSource.CLOSED) {
      setTimeout(() => source === opened && connect(load, onEvent), 5000);
    }
  });
  for (const type of ["listed", "bid", "price_adjusted", "closed", "outcome"]) {
    source.addEventListener(type, (event) => {
      const id = Number(event.lastEventId);
      if (id <= live.seq) return; // already in what was loaded
      live.seq = id;
      onEvent(type, JSON.parse(event.data));
    });
  }
  source.addEventListener("reset", async () => {
    // Too much was missed: start again from a fresh copy.
    await load();
    connect(load, onEvent);
  });
}
