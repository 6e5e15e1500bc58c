import { vi } from "vitest";
import { runEtl } from "../../src/cli/cli";

export interface EtlResult {
  code: number;
  out: string;
  err: string;
}

/** Runs one `etl` command line in this process, as main.ts would, and returns what it printed. */
export async function etl(...argv: string[]): Promise<EtlResult> {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(String(chunk));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation(capture(out));
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(capture(err));
  try {
    const code = await runEtl(argv);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** True when the text is at most `n` non-empty lines and holds no stack frame or zod issue. */
export function isShort(text: string, n = 2): boolean {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return lines.length >= 1 && lines.length <= n && !/\n\s+at |"code":|UnknownError/.test(text);
}

/**
 * Captures what the process writes to stdout and stderr, together, until the spies are restored
 * (`vi.restoreAllMocks()` in an `afterEach`): for tests that call a command's `run` directly.
 */
export function captureOutput(): { text: () => string } {
  const lines: string[] = [];
  const record = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(record);
  vi.spyOn(process.stderr, "write").mockImplementation(record);
  return { text: () => lines.join("") };
}
