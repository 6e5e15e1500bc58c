/**
 * Secret-looking values are replaced by this; what surrounds them (user names, hosts, IAM role
 * ARNs) stays, so a redacted statement still says what it did.
 */
export const REDACTED = "***";

type Rule = [pattern: RegExp, replace: (match: string, ...groups: string[]) => string];

/** A quoted SQL literal ('it''s') or a double-quoted one. */
const QUOTED = String.raw`(?:'(?:[^']|'')*'|"(?:[^"\\]|\\.)*")`;

/** Inside `CREDENTIALS '...'`, every `name=value` pair but the IAM role loses its value. */
function redactCredentialPairs(body: string): string {
  return body
    .split(";")
    .map((pair) => {
      const at = pair.indexOf("=");
      if (at < 0) return pair.trim() === "" ? pair : REDACTED;
      const name = pair.slice(0, at);
      return /^\s*aws_iam_role\s*$/i.test(name) ? pair : `${name}=${REDACTED}`;
    })
    .join(";");
}

const RULES: Rule[] = [
  // COPY/UNLOAD ... CREDENTIALS 'aws_access_key_id=...;aws_secret_access_key=...;token=...'
  [
    /\b(CREDENTIALS\s+)'((?:[^']|'')*)'/gi,
    (_m, prefix = "", body = "") => `${prefix}'${redactCredentialPairs(body)}'`,
  ],
  // ... PASSWORD 'x' (CREATE/ALTER USER), SECRET_ACCESS_KEY 'x', SESSION_TOKEN 'x', ACCESS_KEY_ID 'x'
  [
    new RegExp(
      String.raw`\b((?:MASTER_USER_)?PASSWORD|SECRET_ACCESS_KEY|SESSION_TOKEN|ACCESS_KEY_ID)(\s+(?:WITH\s+)?)${QUOTED}`,
      "gi",
    ),
    (m, keyword = "", space = "") =>
      `${keyword}${space}${m.trimEnd().endsWith('"') ? `"${REDACTED}"` : `'${REDACTED}'`}`,
  ],
  // scheme://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:)([^\s@/'"]+)@/gi, (_m, head = "") => `${head}${REDACTED}@`],
  // "password": "x" and friends in JSON
  [
    /("(?:password|passwd|pwd|secret|secretAccessKey|secret_access_key|sessionToken|session_token|token|apiKey|api_key|clientSecret|client_secret)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    (_m, head = "") => `${head}"${REDACTED}"`,
  ],
  // key=value and key: value forms (libpq, env files, query strings, presigned URLs)
  [
    /\b(aws_secret_access_key|aws_session_token|aws_security_token|secret_access_key|session_token|password|passwd|pwd|x-amz-security-token|x-amz-signature|x-amz-credential)(\s*[=:]\s*)(?!\*\*\*)('[^']*'|"[^"]*"|[^\s;&,'"]+)/gi,
    (_m, name = "", sep = "") => `${name}${sep}${REDACTED}`,
  ],
  // Authorization: Bearer xyz
  [/\b(Bearer\s+)[A-Za-z0-9._~+/-]+=*/g, (_m, head = "") => `${head}${REDACTED}`],
];

/**
 * Removes secrets from text before it is stored or sent: passwords in connection URLs,
 * `PASSWORD '...'`, the keys and tokens of `CREDENTIALS '...'` (an `aws_iam_role` ARN is kept:
 * it is not a secret and says which role ran the COPY), `aws_secret_access_key=...`,
 * `SECRET_ACCESS_KEY '...'`, session tokens, JSON `"password": "..."` and bearer tokens.
 *
 * @example
 * redactSecrets("postgres://etl:s3cret@db:5432/wh") // "postgres://etl:***@db:5432/wh"
 */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replace] of RULES) out = out.replace(pattern, replace);
  return out;
}

const SECRET_KEY = /pass(word|wd)?$|^pwd$|secret|token|credential|authorization|api_?key/i;

/** True when a property of that name holds a secret by its name alone (`password`, `apiKey`, ...). */
export function isSecretKey(name: string): boolean {
  return SECRET_KEY.test(name);
}

/**
 * Redacts every string in a JSON-like value: values under secret-looking keys entirely, other
 * strings with `redactSecrets`. Returns a copy; the input is not changed.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (depth > 20 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      isSecretKey(key) && (typeof v === "string" || typeof v === "number")
        ? REDACTED
        : redactValue(v, depth + 1);
  }
  return out;
}
