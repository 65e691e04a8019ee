/**
 * The questions the shell asks before taking commands again (a user name, a role, a password,
 * payment details), first come first asked: a wrong answer prints why and asks again, a bare
 * command name typed as an answer is refused once, and a dropped question leaves no half-typed
 * answer on the line.
 * @module
 */

import { isCommandLine } from "./commands.ts";

/** A question the shell asks before taking commands again. */
interface Question {
  prompt: string;
  /** The answer is secret (a card number): masked as typed, kept out of history. */
  secret: boolean;
  /** A command name typed as the answer, refused once with a hint (typed again, it counts). */
  refusedCommand?: string;
  answer(text: string): void;
}

/** What {@linkcode ShellQuestions} needs of the shell. */
export interface ShellQuestionsOptions {
  /** Prints why an answer was refused. */
  printError(text: string): void;
  /** Empties the line being typed (the answer to a question that was dropped). */
  clearLine(): void;
  /** Draws the prompt line again. */
  redraw(): void;
}

/** The waiting questions; the first is the one asked. */
export class ShellQuestions {
  readonly #options: ShellQuestionsOptions;
  readonly #questions: Question[] = [];

  constructor(options: ShellQuestionsOptions) {
    this.#options = options;
  }

  /** The question asked now, if any. */
  get current(): { readonly prompt: string; readonly secret: boolean } | undefined {
    return this.#questions[0];
  }

  /** How many questions wait. */
  get length(): number {
    return this.#questions.length;
  }

  /** Queues a question; `signal` drops it, rejecting with the signal's reason. */
  ask<T>(
    prompt: string,
    parse: (text: string) => T,
    secret = false,
    signal?: AbortSignal,
  ): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const question: Question = {
      prompt,
      secret,
      answer: (text) => {
        try {
          resolve(parse(text.trim()));
        } catch (error) {
          this.#options.printError(error instanceof Error ? error.message : String(error));
          question.refusedCommand = undefined;
          this.#questions.unshift(question);
        }
      },
    };
    this.#questions.push(question);
    signal?.addEventListener("abort", () => {
      const index = this.#questions.indexOf(question);
      // A half-typed answer (maybe a card) must not stay on the line, unmasked, as a command.
      if (index === 0) this.#options.clearLine();
      if (index >= 0) this.#questions.splice(index, 1);
      reject(signal.reason);
    }, { once: true });
    this.#options.redraw();
    return promise;
  }

  /**
   * Whether `text` (trimmed) is a command name to refuse as the current question's answer: a
   * person typing `items` at "Full name:" wants the list, not a buyer called Items. Refused
   * once; typed again, it is the answer. A secret answer is never refused.
   */
  refusesCommand(text: string): boolean {
    const question = this.#questions[0];
    if (!question || question.secret || question.refusedCommand === text) return false;
    if (!isCommandLine(text)) return false;
    question.refusedCommand = text;
    return true;
  }

  /** Answers the current question with `line`; a wrong answer asks it again. */
  answer(line: string): void {
    const question = this.#questions.shift();
    question?.answer(line);
  }
}
