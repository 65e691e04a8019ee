/**
 * The shell's first question, "Your user name:" (asked when --name is left out): `help` or `?`
 * there asks for help with the question, `quit` or `exit` leaves; anything else is the name.
 * Pure.
 * @module
 */

import { parseUserName } from "../protocol/mod.ts";

/** The question. */
export const NAME_PROMPT = "Your user name: ";

/** What `help` at the question prints before asking again. */
export const NAME_PROMPT_HELP = "Type the user name to register or log in with: 1 to 32 " +
  'ASCII letters, digits, _ - or . (e.g. ann). "quit" leaves. Next time, --name NAME skips this ' +
  "question.";

/** An answer to the question. */
export type NameAnswer = { kind: "name"; name: string } | { kind: "help" } | { kind: "quit" };

/** Reads an answer (trimmed); a name that breaks the rules throws the `ProtocolError` saying so. */
export function parseNameAnswer(text: string): NameAnswer {
  switch (text.toLowerCase()) {
    case "help":
    case "?":
      return { kind: "help" };
    case "quit":
    case "exit":
      return { kind: "quit" };
    default:
      return { kind: "name", name: parseUserName(text, "name") };
  }
}
