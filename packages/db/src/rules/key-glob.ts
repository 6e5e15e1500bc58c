// Key globs of file rules, matched against S3 keys without a glob library: the rule table is read
// by every file load, and the semantics below are pinned by key-glob.test.ts.

const escapeRegExp = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, "\\$&");

/**
 * A key glob as an anchored regular expression, with the semantics of picomatch and minimatch:
 *
 * - `*` any characters but `/`; `?` one character but `/`;
 * - `**` as a whole path segment: zero or more folders (`a/**\/b` matches `a/b` and `a/x/y/b`;
 *   a trailing `/**` anything below); elsewhere (`a**b`) it is a `*`;
 * - `[abc]`, `[a-z]`, `[!a]` / `[^a]`: one character of the class (never `/`);
 * - `{a,b}`: any of the alternatives, which may hold globs and nest;
 * - `\x`: `x` itself. Everything else is literal; an unclosed `[` or `{` is literal too.
 *
 * Unlike the shell, `*` also matches names that start with a dot: S3 keys have no hidden files.
 *
 * @example
 * globToRegExp("landing/sales/**\/*.{csv,txt}").test("landing/sales/a.csv") // true
 */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${globSource(glob)}$`, "s");
}

/** The regular expression source of a glob (no anchors). */
function globSource(glob: string): string {
  let pattern = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === "\\" && i + 1 < glob.length) {
      pattern += escapeRegExp(glob.charAt(i + 1));
      i++;
    } else if (c === "*" && glob.charAt(i + 1) === "*") {
      const segmentStart = i === 0 || glob.charAt(i - 1) === "/";
      const next = glob.charAt(i + 2);
      if (segmentStart && next === "/") {
        pattern += "(?:[^/]*/)*";
        i += 2;
      } else if (segmentStart && next === "") {
        pattern += ".*";
        i += 1;
      } else {
        pattern += "[^/]*";
        i += 1;
      }
    } else if (c === "*") pattern += "[^/]*";
    else if (c === "?") pattern += "[^/]";
    else if (c === "[") {
      const close = classEnd(glob, i);
      if (close < 0) pattern += "\\[";
      else {
        pattern += classSource(glob.slice(i + 1, close));
        i = close;
      }
    } else if (c === "{") {
      const alternatives = braceAlternatives(glob, i);
      if (!alternatives) pattern += "\\{";
      else {
        pattern += `(?:${alternatives.parts.map(globSource).join("|")})`;
        i = alternatives.end;
      }
    } else pattern += escapeRegExp(c);
  }
  return pattern;
}

/** The index of the `]` closing the class opened at `open`, or -1. */
function classEnd(glob: string, open: number): number {
  let i = open + 1;
  if (glob.charAt(i) === "!" || glob.charAt(i) === "^") i++;
  if (glob.charAt(i) === "]") i++;
  for (; i < glob.length; i++) {
    if (glob.charAt(i) === "\\") i++;
    else if (glob.charAt(i) === "]") return i;
  }
  return -1;
}

function classSource(body: string): string {
  const negated = body.startsWith("!") || body.startsWith("^");
  const chars = negated ? body.slice(1) : body;
  // Inside a class only `\`, `]` and `^` mean anything to RegExp; `-` keeps its range meaning.
  const escaped = chars.replace(/\\(.)/g, "$1").replace(/[\\\]^]/g, (m) => `\\${m}`);
  return negated ? `[^/${escaped}]` : `(?!/)[${escaped}]`;
}

/** The comma-separated alternatives of the brace group opened at `open`, or undefined. */
function braceAlternatives(glob: string, open: number): { parts: string[]; end: number } | undefined {
  let depth = 0;
  let from = open + 1;
  const parts: string[] = [];
  for (let i = open; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) {
        parts.push(glob.slice(from, i));
        return parts.length > 1 ? { parts, end: i } : undefined;
      }
    } else if (c === "," && depth === 1) {
      parts.push(glob.slice(from, i));
      from = i + 1;
    }
  }
  return undefined;
}
