// The live board's entry point: load the page's data, then follow /events.

import { boardPage } from "./board_list.js";
import { itemPage } from "./item_page.js";
import { connect, setConnection, tick } from "./live.js";

async function main() {
  const { load, onEvent } = document.body.dataset.page === "item" ? itemPage : boardPage;
  try {
    await load();
  } catch {
    setConnection("offline", "Cannot reach the server");
  }
  connect(load, onEvent);
  setInterval(tick, 1000);
}

main();
