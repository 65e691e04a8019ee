/**
 * The questions the shell asks before taking commands again (a user name, a role, a password,
 * payment details), first come first asked: a wrong answer prints why and asks again, a bare
 * command name typed as an answer is refused once, and a dropped question leaves no half-typed
 * answer on the line.
 * @module
 */

import { isCommandLine } from "./commands.ts";

/** How a question is asked. */
export interface QuestionOptions {
  /** The answer is secret (a card number): masked as typed, kept out of history. @default false */
  secret?: boolean;
  /** Drops the question, rejecting with the signal's reason. */
  signal?: AbortSignal;
  /** The answers it takes, when they are few, for hints: `buyer or seller`. */
  answers?: string;
  /** The command that asked, when the answer `cancel` drops it (`register`), for hints. */
  cancels?: string;
  /** What `help` or `?` typed as the answer prints: what the question asks, how to leave. */
  help?: string;
}

/** A question the shell asks before taking commands again. */
interface Question {
  prompt: string;
  secret: boolean;
  answers?: string;
  cancels?: string;
  help?: string;
  /** A command name typed as the answer, refused once with a hint (typed again, it counts). */
  refusedCommand?: string;
  /** Whether `text` would be taken as the answer. */
  takes(text: string): boolean;
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

  /** Queues a question; `options.signal` drops it, rejecting with the signal's reason. */
  ask<T>(prompt: string, parse: (text: string) => T, options: QuestionOptions = {}): Promise<T> {
    const { secret = false, signal, answers, cancels, help } = options;
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const question: Question = {
      prompt,
      secret,
      answers,
      cancels,
      help,
      takes: (text) => {
        try {
          parse(text.trim());
          return true;
        } catch {
          return false;
        }
      },
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
   * The hint to print instead of answering the current question with `text` (trimmed), when it
   * is a command name: a person typing `items` at "Full name:" wants the list, not a buyer
   * called Items. Each hint says exactly what to type: `/items` runs the command; an answer the
   * question takes is refused once (typed again, it is the answer), and for one it cannot take
   * the hint names the answers it does (and `cancel`, which drops the command that asked, when the
   * question takes it: running the command while that one waits would only get in its way).
   * Undefined when `text` is an answer (a secret one always).
   */
  commandHint(text: string): string | undefined {
    const question = this.#questions[0];
    if (question && /^(?:help|\?)$/i.test(text)) return helpFor(question);
    if (!question || question.secret || question.refusedCommand === text) return undefined;
    if (!isCommandLine(text)) return undefined;
    const run = `/${text} to run it (this question waits)`;
    if (!question.takes(text)) {
      // Typing it again would only be refused: say what the question takes instead.
      if (question.cancels !== undefined) {
        const answers = question.answers === undefined ? "" : `${question.answers}, or type `;
        return `"${text}" is a command, not an answer here: type ${answers}cancel to drop ` +
          `${question.cancels}, then ${text}.`;
      }
      return question.answers === undefined
        ? `"${text}" is a command, not an answer here: type ${run}.`
        : `"${text}" is a command, not an answer here: type ${question.answers}, or ${run}.`;
    }
    question.refusedCommand = text;
    return `"${text}" is a command: type ${run}, or type "${text}" again to answer with it.`;
  }

  /** Answers the current question with `line`; a wrong answer asks it again. */
  answer(line: string): void {
    const question = this.#questions.shift();
    question?.answer(line);
  }
}

/** What `help` at `question` prints: its own help, or how to answer and how to leave. */
function helpFor(question: Question): string {
  if (question.help !== undefined) return question.help;
  const answers = question.answers === undefined ? "" : ` (${question.answers})`;
  const cancel = question.cancels === undefined ? "" : `, or cancel to drop ${question.cancels}`;
  return `This question waits for an answer: type it${answers} and press Enter${cancel}. ` +
    "A command with a / first (/items) runs while it waits; Ctrl-C twice quits.";
}
