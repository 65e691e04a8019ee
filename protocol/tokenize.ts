/**
 * Splitting a line into fields: spaces separate, double quotes group, `\"` and `\\` escape,
 * and an optional last field takes the rest of the line.
 * @module
 */

import { ProtocolError } from "./fields.ts";
import { isSpaceOrTab } from "./char_codes.ts";

/** Whether the char code at `index` of `text` is a field separator (space or tab). */
function isSpaceAt(text: string, index: number): boolean {
  return isSpaceOrTab(text.charCodeAt(index));
}

/**
 * Splits `line` into fields. When `restFrom` is given, the field at that index takes the rest
 * of the line (unquoted when the rest is exactly one quoted field).
 */
export function tokenize(line: string, restFrom?: number): string[] {
  const fields: string[] = [];
  let index = 0;
  while (true) {
    while (index < line.length && isSpaceAt(line, index)) index++;
    if (index >= line.length) return fields;
    if (restFrom !== undefined && fields.length === restFrom) {
      fields.push(readRest(line.slice(index)));
      return fields;
    }
    const [field, next] = line[index] === '"' ? readQuoted(line, index) : readBare(line, index);
    fields.push(field);
    index = next;
  }
}

function readBare(line: string, start: number): [string, number] {
  let end = start;
  while (end < line.length && !isSpaceAt(line, end)) end++;
  return [line.slice(start, end), end];
}

function readQuoted(line: string, start: number): [string, number] {
  let text = "";
  let index = start + 1;
  while (index < line.length) {
    const char = line[index]!;
    if (char === "\\" && (line[index + 1] === '"' || line[index + 1] === "\\")) {
      text += line[index + 1];
      index += 2;
      continue;
    }
    if (char === '"') {
      if (index + 1 < line.length && !isSpaceAt(line, index + 1)) {
        throw new ProtocolError("Malformed quoted field: a closing quote must end the field");
      }
      return [text, index + 1];
    }
    text += char;
    index++;
  }
  throw new ProtocolError("Malformed quoted field: missing closing quote");
}

function readRest(rest: string): string {
  const trimmed = rest.trimEnd();
  if (trimmed.startsWith('"')) {
    try {
      const [text, end] = readQuoted(trimmed, 0);
      if (end === trimmed.length) return text;
    } catch {
      // Not one quoted field: the rest is taken as written.
    }
  }
  return trimmed;
}

/** Writes one field so that {@linkcode tokenize} reads it back unchanged. */
export function quoteField(text: string): string {
  if (text !== "" && !hasSpace(text) && !text.startsWith('"')) return text;
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** Writes a rest-of-line field: as is when it reads back unchanged, quoted otherwise. */
export function quoteRest(text: string): string {
  const plain = text !== "" && text === text.trim() && !text.startsWith('"');
  return plain ? text : quoteField(text);
}

/** Whether `text` holds a space or a tab. */
function hasSpace(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (isSpaceAt(text, index)) return true;
  return false;
}
