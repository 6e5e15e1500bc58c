/**
 * JSON numbers a JavaScript number cannot carry exactly. `JSON.parse("9007199254740993")` is
 * 9007199254740992: the rounding is silent, so it is found in the raw text, before any parse.
 */

/** One number token of a JSON object's text that would lose precision. */
export interface ImpreciseNumber {
  /** The top-level key whose value holds the number. */
  key: string;
  /** True when the number is that key's whole value (not inside an array or object). */
  direct: boolean;
  /** The token as written. */
  text: string;
  /** Where the token is in the text (UTF-16 offsets, `end` exclusive). */
  start: number;
  end: number;
}

/** A number with more significant digits than a double's 15, a huge exponent, or both. */
const MAYBE_IMPRECISE = /[0-9.]{16,}|[eE][+-]?[0-9]{3,}/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** `[sign, significant digits, exponent of the last digit]`, or "0". */
function canonical(decimal: string): string {
  const match = /^(-?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(decimal);
  if (!match) return decimal;
  const [, sign = "", whole = "", fraction = "", exponent = "0"] = match;
  let digits = `${whole}${fraction}`.replace(/^0+/, "");
  if (digits === "") return "0";
  let power = Number(exponent) - fraction.length;
  const trailing = /0*$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  power += trailing;
  return `${sign}${digits}e${power}`;
}

/**
 * True when the token's value differs from the number JavaScript reads: an integer outside
 * ±(2^53 - 1), or any number that is rounded (more digits than a double holds) or overflows.
 */
export function isImpreciseNumber(token: string): boolean {
  if (/^-?[0-9]+$/.test(token)) {
    const value = BigInt(token);
    return value > MAX_SAFE || value < -MAX_SAFE;
  }
  const value = Number(token);
  if (!Number.isFinite(value)) return true;
  return canonical(token) !== canonical(String(value));
}

/**
 * The imprecise number tokens of one JSON object's text, with the top-level key each belongs to.
 * The text must be valid JSON (parse it first); a fast test skips texts that cannot hold one.
 *
 * @example
 * impreciseNumbers('{"id": 9007199254740993}') // [{ key: "id", direct: true, text: "9007199254740993", ... }]
 */
export function impreciseNumbers(text: string): ImpreciseNumber[] {
  if (!MAYBE_IMPRECISE.test(text)) return [];
  const found: ImpreciseNumber[] = [];
  let depth = 0;
  let key = "";
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text.charAt(end) !== '"') end += text.charAt(end) === "\\" ? 2 : 1;
      if (depth === 1 && expectKey) {
        key = JSON.parse(text.slice(i, end + 1)) as string;
        expectKey = false;
      }
      i = end;
    } else if (c === "{" || c === "[") {
      depth++;
      if (depth === 1) expectKey = c === "{";
    } else if (c === "}" || c === "]") {
      depth--;
    } else if (c === "," && depth === 1) {
      expectKey = true;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)?.[0] ?? c;
      if (depth >= 1 && isImpreciseNumber(token))
        found.push({ key, direct: depth === 1, text: token, start: i, end: i + token.length });
      i += token.length - 1;
    }
  }
  return found;
}
