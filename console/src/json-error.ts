import { parse, printParseErrorCode, type ParseError } from "jsonc-parser";

/** jsonc-parser's error codes, in words. */
const WORDS: Record<string, string> = {
  InvalidSymbol: "an unexpected character",
  InvalidNumberFormat: "a malformed number",
  PropertyNameExpected: "a property name (in double quotes) is expected",
  ValueExpected: "a value is expected",
  ColonExpected: "a colon is expected",
  CommaExpected: "a comma is expected",
  CloseBraceExpected: "a closing } is expected",
  CloseBracketExpected: "a closing ] is expected",
  EndOfFileExpected: "nothing more is expected",
  InvalidCommentToken: "comments are not JSON",
  UnexpectedEndOfComment: "comments are not JSON",
  UnexpectedEndOfString: "a string is not closed",
  UnexpectedEndOfNumber: "a number is cut short",
  InvalidUnicode: "an invalid \\u escape",
  InvalidEscapeCharacter: "an invalid escape",
  InvalidCharacter: "a character that must be escaped",
};

/**
 * Where `text` stops being JSON, as "line L, column C: what is wrong", or null when the
 * strict JSON.parse would accept it. Browsers' own JSON.parse messages do not all say
 * where (Chromium's quotes a fragment), so the place comes from a real JSON scanner.
 */
export function jsonErrorAt(text: string): string | null {
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first === undefined) return null;
  const before = text.slice(0, first.offset).split("\n");
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  const code = printParseErrorCode(first.error);
  return `line ${line}, column ${column}: ${WORDS[code] ?? code}`;
}
