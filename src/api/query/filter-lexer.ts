// Tokeniser for GreenLake filter expressions. Tolerant of the quoting styles seen in HPE docs
// and blogs: '…' ('' escapes), "…" ("" escapes), typographic “…” ‘…’, and bare words.
import { AppError } from "../../domain/app-error.ts";

export type Token =
  | { kind: "(" | ")" | ","; pos: number }
  | { kind: "word"; text: string; pos: number }
  | { kind: "string"; text: string; pos: number };

// Opening quote → accepted closing quotes. Typographic quotes close with either curly form
// because copy/paste artefacts are not reliably paired.
const CLOSERS: Record<string, string> = {
  "'": "'",
  '"': '"',
  "\u201C": "\u201D\u201C",
  "\u201D": "\u201D\u201C",
  "\u2018": "\u2019\u2018",
  "\u2019": "\u2019\u2018",
};

const isSpace = (c: string): boolean => c === " " || c === "\t" || c === "\n" || c === "\r";
const isDelimiter = (c: string): boolean => isSpace(c) || c === "(" || c === ")" || c === "," || c in CLOSERS;

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (isSpace(c)) {
      i++;
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ kind: c, pos: i });
      i++;
    } else if (c in CLOSERS) {
      const { text, end } = readQuoted(input, i);
      tokens.push({ kind: "string", text, pos: i });
      i = end;
    } else {
      const start = i;
      while (i < input.length && !isDelimiter(input[i]!)) i++;
      tokens.push({ kind: "word", text: input.slice(start, i), pos: start });
    }
  }
  return tokens;
}

function readQuoted(input: string, start: number): { text: string; end: number } {
  const open = input[start]!;
  const closers = CLOSERS[open]!;
  // Only the ASCII quotes support doubling as an escape.
  const doubling = open === "'" || open === '"';
  let text = "";
  let i = start + 1;
  while (i < input.length) {
    const c = input[i]!;
    if (closers.includes(c)) {
      if (doubling && input[i + 1] === c) {
        text += c;
        i += 2;
        continue;
      }
      return { text, end: i + 1 };
    }
    text += c;
    i++;
  }
  throw AppError.badRequest(`filter: unterminated quoted string starting at position ${start}`);
}
