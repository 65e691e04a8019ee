/**
 * The interactive shell, when stdin is a terminal: a prompt with line editing, commands that
 * run in the background, and pushes printed above the prompt without garbling what is being
 * typed (the prompt line is erased, the push printed, the line drawn again).
 * @module
 */

import type { Message } from "../protocol/mod.ts";
import {
  type ClientCommand,
  commandHelp,
  CommandSyntaxError,
  formatHelp,
  parseCommand,
} from "./commands.ts";
import { formatItemsTable } from "./format.ts";
import { LineEditor, splitKeys } from "./line_editor.ts";
import { NAME_PROMPT, NAME_PROMPT_HELP, parseNameAnswer } from "./name_question.ts";
import { PaymentQuestions } from "./payment_questions.ts";
import { PromptScreen } from "./prompt_screen.ts";
import type { ClientEvent, ClientOutput } from "./output.ts";
import { QuitGuard, type QuitKey } from "./quit_guard.ts";
import { ShellLines } from "./shell_lines.ts";
import { ShellQuestions } from "./shell_questions.ts";
import { maskCardNumbers } from "../protocol/mod.ts";
import { slowCommandNotice, watchSlowCommand } from "./slow_command_notice.ts";
import type { AuctionClient } from "./session.ts";
import type { Terminal } from "./terminal.ts";
import { systemTimers, type Timers } from "./timers.ts";
import { sessionLostCause } from "./session_notice.ts";

/** Runs the shell until `quit`, Ctrl-D or Ctrl-C on an empty line. */
export class Shell implements ClientOutput {
  readonly #terminal: Terminal;
  readonly #editor = new LineEditor();
  readonly #questions = new ShellQuestions({
    printError: (text) => this.#printError(text),
    clearLine: () => this.#editor.handle("\x15"),
    redraw: () => this.#screen.redraw(),
  });
  readonly #payments = new PaymentQuestions({
    ask: (prompt, parse, options) => this.#questions.ask(prompt, parse, options),
    print: (text) => this.#printError(text),
  });
  readonly #lines: ShellLines;
  readonly #screen: PromptScreen;
  readonly #quitGuard = new QuitGuard();
  #client?: AuctionClient;
  #done = Promise.withResolvers<void>();
  readonly #quitting = new AbortController();

  readonly #slowCommandMs: number;
  readonly #nowMs: () => number;

  /**
   * `slowCommandMs`: after this long without an answer, say the client is still retrying.
   * `nowMs`: the clock that spaces repeated NEGOTIATE_REQ lines (default `Date.now`).
   * `timers`: time a winner's close waiting for WINNER (default the real timers).
   */
  constructor(
    terminal: Terminal,
    options: { slowCommandMs?: number; nowMs?: () => number; timers?: Timers } = {},
  ) {
    this.#terminal = terminal;
    this.#screen = new PromptScreen(terminal, this.#editor, () => ({
      text: this.#prompt(),
      secret: this.#questions.current?.secret ?? false,
    }));
    this.#slowCommandMs = options.slowCommandMs ?? 3000;
    this.#nowMs = options.nowMs ?? Date.now;
    const timers = options.timers ?? systemTimers;
    this.#lines = new ShellLines(this.#nowMs, { timers, print: (line) => this.print(line) });
  }

  /** Prints lines above the prompt, then draws it again (see {@linkcode PromptScreen.print}). */
  print(text: string): void {
    this.#screen.print(text);
  }

  message(received: Message, _raw?: string, _via?: string, saleItem?: string): void {
    const client = this.#client;
    // A refusal because the session moved: the event that follows says what to do instead.
    if (sessionLostCause(received, client?.hasSession ?? false)) return;
    const line = this.#lines.message(received, {
      saleItem,
      self: client?.name,
      leaderOf: (item) => client?.items.get(item)?.leader,
      listedHere: (item) => client?.items.get(item)?.listedHere === true,
      itemNames: () => client?.items.all().map((entry) => entry.item) ?? [],
    });
    if (line !== undefined) this.print(line);
    if (received.type === "CANCEL" && saleItem) this.#payments.cancel(saleItem, received.reason);
  }

  event(event: ClientEvent): void {
    const address = event.type === "payment"
      ? this.#payments.address(event.item) ?? this.#client?.flags.profile.address
      : undefined;
    const line = this.#lines.event(event, { address });
    if (line !== undefined) this.print(line);
    if (event.type === "payment" && event.action === "needed" && this.#client) {
      this.#payments.enqueue(this.#client, event.item, event.rq);
    }
  }

  /**
   * Asks for the user name when the flags left it out, before the client starts (`help` there
   * explains the question). Undefined when the user quits instead (`quit`, Ctrl-C, Ctrl-D): the
   * terminal is left as it was. The role is asked at `register` only: `login` needs none.
   */
  async askIdentity(known: { name?: string }): Promise<{ name: string } | undefined> {
    this.#screen.enter();
    this.#reading = this.#readKeys();
    if (known.name !== undefined) return { name: known.name };
    while (!this.#quitting.signal.aborted) {
      const answer = await this.#questions
        .ask(NAME_PROMPT, parseNameAnswer, { signal: this.#quitting.signal })
        .catch(() => ({ kind: "quit" as const }));
      if (answer.kind === "name") return { name: answer.name };
      if (answer.kind === "quit") break;
      this.print(NAME_PROMPT_HELP);
    }
    this.#quitting.abort(new Error("The shell is quitting"));
    this.#screen.leave();
    return undefined;
  }

  /**
   * Asks a question before taking commands again (a role, a password); a secret answer is
   * masked as typed. Quitting drops the question, so the command that asked ends at once.
   */
  ask<T>(
    prompt: string,
    parse: (text: string) => T,
    options: { secret?: boolean; answers?: string; cancels?: string } = {},
  ): Promise<T> {
    return this.#questions.ask(prompt, parse, { ...options, signal: this.#quitting.signal });
  }

  /** Takes commands for `client` until the user quits. */
  async run(client: AuctionClient): Promise<void> {
    this.#client = client;
    if (!this.#reading) {
      this.#screen.enter();
      this.#reading = this.#readKeys();
    }
    this.print(
      `Server ${client.flags.serverHost}:${client.flags.serverPort}, you are ${client.name} ` +
        `(UDP ${client.udpPort}, TCP ${client.tcpPort}). ` +
        `Type "register" (new user) or "login", "help" for every command.`,
    );
    await this.#done.promise;
    this.#screen.leave();
  }

  #reading?: Promise<void>;

  #prompt(): string {
    const question = this.#questions.current;
    if (question) return question.prompt;
    return `${this.#client?.name ?? "auction"}> `;
  }

  async #readKeys(): Promise<void> {
    const decoder = new TextDecoder();
    const reader = this.#terminal.input.getReader();
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) {
          this.#done.resolve();
          return;
        }
        for (const key of splitKeys(decoder.decode(value, { stream: true }))) this.#onKey(key);
      }
    } finally {
      reader.releaseLock();
    }
  }

  #onKey(key: string): void {
    this.#editor.masked = this.#questions.current?.secret ?? false;
    const action = this.#editor.handle(key);
    switch (action.kind) {
      case "submit": {
        this.#screen.submitted(action.line);
        if (this.#questions.current) this.#answer(action.line);
        else this.#runLine(action.line);
        break;
      }
      case "interrupt":
      case "end":
        if (this.#quit(action.kind === "interrupt" ? "Ctrl-C" : "Ctrl-D")) return;
        break;
      default:
        break;
    }
    this.#screen.redraw();
  }

  /**
   * Answers the waiting question with `line`, unless it is a command: `/items` runs `items`
   * and the question waits; a bare command name is refused once with that hint (see
   * {@linkcode ShellQuestions.refusesCommand}).
   */
  #answer(line: string): void {
    const text = line.trim();
    if (this.#client && text.startsWith("/")) {
      this.#runLine(text.slice(1));
      return;
    }
    const hint = this.#client ? this.#questions.commandHint(text) : undefined;
    if (hint !== undefined) {
      this.print(hint);
      return;
    }
    // An answer since a quit warning shows the user carries on: the next quit warns again.
    this.#quitGuard.reset();
    this.#questions.answer(line);
  }

  #runLine(line: string): void {
    const client = this.#client;
    if (!client) return;
    let command;
    try {
      command = parseCommand(line);
    } catch (error) {
      if (!(error instanceof CommandSyntaxError)) throw error;
      this.#printError(error.message);
      return;
    }
    if (!command) return;
    switch (command.kind) {
      case "help":
        // wait and wait-for are for scripts.
        this.print(formatHelp(commandHelp().filter((entry) => !entry.command.startsWith("wait"))));
        return;
      case "items":
        this.print(formatItemsTable(client.items.all(), client.nowMs(), client.name));
        return;
      case "quit":
        this.#quit("quit");
        return;
      case "wait":
      case "wait-for":
        this.print(`"${command.kind}" is for scripts (--json).`);
        return;
      default:
        this.#execute(client, command);
    }
  }

  /** Runs a network command; says so when its answer is slow (retransmissions are silent). */
  #execute(client: AuctionClient, command: ClientCommand): void {
    // Printed only once done: a refusal that comes instead prints alone.
    const done = this.#lines.sending(command, (item) => client.items.get(item));
    const server = `${client.flags.serverHost}:${client.flags.serverPort}`;
    const stopWatching = watchSlowCommand({
      delayMs: this.#slowCommandMs,
      asking: () => this.#questions.length > 0,
      notify: () => this.print(slowCommandNotice(command.kind, server)),
    });
    client.execute(command)
      .then((result) => {
        if (result === "ok" && done !== undefined) this.print(done);
      })
      .catch((error) => {
        if (!this.#quitting.signal.aborted) this.#printError(`Error: ${error}`);
      })
      .finally(() => {
        stopWatching();
        this.#lines.answered(command);
      });
  }

  /** Prints a line that may echo what was typed: a card number in it shows its last four only. */
  #printError(text: string): void {
    this.print(maskCardNumbers(text));
  }

  /** Leaves, unless a sale waits for this client's answers (see {@linkcode QuitGuard}). */
  #quit(how: QuitKey): boolean {
    const client = this.#client;
    const atStake = client?.pendingPayments.map((request) => request.item) ?? [];
    // The items' own clock (the one that timed each push) says which auctions are still open.
    const open = client?.items.sellingOrLeading(client.nowMs()) ?? [];
    const warning = this.#quitGuard.attempt(how, atStake, this.#nowMs(), open);
    if (warning !== undefined) {
      this.print(warning);
      return false;
    }
    this.#quitting.abort(new Error("The shell is quitting"));
    this.#done.resolve();
    return true;
  }
}
