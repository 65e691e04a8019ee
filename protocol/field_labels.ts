/**
 * Field names as the protocol's message table writes them, for error messages: the codec's
 * `startPrice` is the table's `Start_Price`.
 * @module
 */

/** A field's name as the table writes it, for error messages: `startPrice` → `Start_Price`. */
export function fieldLabel(key: string): string {
  return FIELD_LABELS[key] ?? key;
}

const FIELD_LABELS: Record<string, string> = {
  name: "Name",
  role: "Role",
  ip: "IP",
  udpPort: "UDP_Port",
  tcpPort: "TCP_Port",
  password: "Password",
  item: "Item_Name",
  description: "Item_Desc",
  startPrice: "Start_Price",
  duration: "Duration",
  seller: "Seller_Name",
  buyer: "Buyer_Name",
  amount: "Bid_Amount",
  newPrice: "New_Price",
  decision: "REJECT",
  reason: "Reason",
  currentPrice: "Current_Price",
  timeLeft: "Time_Left",
  highestBid: "Highest_Bid",
  bidder: "Bidder_Name",
  finalPrice: "Final_Price",
  card: "CC#",
  expiry: "CC_Exp_Date",
  address: "Address",
  key: "key",
  cardLast4: "Card_Last4",
};
