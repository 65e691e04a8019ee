/**
 * The shell speaks plain English: protocol names that reach a reason or an error
 * (`INFORM_Req`, `New_Price`) become words, and a CANCEL reason becomes a sentence for the side
 * that reads it. The scripted mode keeps the wire's names. Pure functions.
 * @module
 */

/** Wire names that may reach a reason or an error, and the words the shell uses for them. */
const PLAIN_WORDS: Readonly<Record<string, string>> = {
  INFORM_Req: "the payment request",
  INFORM_Res: "payment details",
  Shipping_Info: "shipping details",
  NEGOTIATE_REQ: "the no-bid notice",
  CC_Exp_Date: "card expiry",
  "CC#": "card number",
  "RQ#": "request number",
  Item_Name: "item name",
  Item_Desc: "description",
  Start_Price: "start price",
  Bid_Amount: "bid amount",
  New_Price: "new price",
  Current_Price: "current price",
  Highest_Bid: "highest bid",
  Final_Price: "final price",
  Time_Left: "time left",
  Seller_Name: "seller name",
  Buyer_Name: "buyer name",
  Bidder_Name: "bidder name",
};
const WIRE_NAME = new RegExp(
  `\\b(${Object.keys(PLAIN_WORDS).map((name) => name.replace("#", "#(?!\\w)")).join("|")})`,
  "g",
);

/** `text` with the protocol's names (`INFORM_Req`, `New_Price`) in plain words. */
export function plainWords(text: string): string {
  return text.replace(WIRE_NAME, (name) => PLAIN_WORDS[name] ?? name);
}

/**
 * A CANCEL reason as a plain sentence for one side of the sale. A declined card is named by
 * whose it is; the digits of the other party's card are left out (only your own card's last
 * four are shown to you). A party the server could not reach is named, without the address and
 * the operating system's error.
 */
export function describeCancelReason(reason: string, side?: "buyer" | "seller"): string {
  // "Seller unreachable: could not connect after 3 attempts" (older servers went on with
  // "Cannot connect to HOST:PORT ...: <OS error>"): who, not how (the --json record keeps the
  // reason as received).
  const unreachable = /^(buyer|seller) unreachable\b/i.exec(reason);
  if (unreachable) {
    const whose = unreachable[1]!.toLowerCase();
    return `${whose === side ? "you" : `the ${whose}`} could not be reached.`;
  }
  // "Connection lost while informing the parties: <OS error>": the same, for a dropped line.
  if (/^connection lost while informing the parties\b/i.test(reason)) {
    return "a connection was lost while the payment details were being asked for.";
  }
  let text = reason.replace(/^Payment declined: (?=.*card)/i, "");
  text = text.replace(
    /\b(?:the )?(buyer|seller)'s card( ending \d{4})?/gi,
    (_match, whose: string, ending: string | undefined) =>
      whose.toLowerCase() === side
        ? `your card${ending ?? ""}`
        : `the ${whose.toLowerCase()}'s card`,
  );
  text = plainWords(text);
  // Reasons start with a capital (the server's wording); the sentence reads on after a colon.
  text = text.replace(
    /^(Buyer|Seller)\b/,
    (whose) => whose.toLowerCase() === side ? "you" : `the ${whose.toLowerCase()}`,
  );
  text = text.replace(/^([A-Z])(?=[a-z])/, (first) => first.toLowerCase());
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
