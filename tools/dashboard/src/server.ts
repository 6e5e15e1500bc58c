import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Dashboard } from "./dashboard";
import { parseFilters } from "./filters";
import type { PageId } from "./page-model";
import { escapeHtml, PAGE_IDS, renderPage } from "./render";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** True for a host name that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A token for a dashboard reachable from other machines: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export interface ServerOptions {
  dashboard: Dashboard;
  /** Default `127.0.0.1`. Any other host needs `token`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Required on every request (`?token=` or `Authorization: Bearer`) when set. */
  token?: string;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

// The page's own script and styles are inline; nothing is fetched from anywhere.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

function tokenMatches(expected: string, request: IncomingMessage, url: URL): boolean {
  const header = request.headers.authorization ?? "";
  const given = url.searchParams.get("token") ?? (header.startsWith("Bearer ") ? header.slice(7) : "");
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "text/html; charset=utf-8", ...SECURITY_HEADERS, ...headers });
  response.end(body);
}

const plainPage = (title: string, message: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p></body></html>`;

/**
 * The dashboard's web server: `GET /sales`, `/purchases`, `/payments`, `/pipeline` (and `/`,
 * which goes to sales). Each answer says its server time by part in `Server-Timing`.
 * A host other than loopback is refused without a token: the figures are the business's own.
 */
export async function startDashboardServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host) && !options.token)
    throw new Error(
      `listening on ${host} makes the dashboard reachable from other machines: it needs a token`,
    );
  const { dashboard, token } = options;
  const server = createServer((request, response) => {
    const started = performance.now();
    const url = new URL(request.url ?? "/", "http://dashboard.invalid");
    if (request.method !== "GET" && request.method !== "HEAD") {
      send(response, 405, plainPage("Method not allowed", "The dashboard only answers GET."), {
        allow: "GET, HEAD",
      });
      return;
    }
    if (token && !tokenMatches(token, request, url)) {
      send(
        response,
        401,
        plainPage(
          "Token needed",
          "Open the URL the dashboard printed when it started: it carries the token.",
        ),
      );
      return;
    }
    if (url.pathname === "/") {
      response.writeHead(302, { location: `/sales${url.search}`, ...SECURITY_HEADERS });
      response.end();
      return;
    }
    const id = url.pathname.slice(1) as PageId;
    if (!PAGE_IDS.includes(id)) {
      send(
        response,
        404,
        plainPage(
          "Not found",
          `There is no page ${url.pathname}: the pages are ${PAGE_IDS.map((p) => `/${p}`).join(", ")}.`,
        ),
      );
      return;
    }
    const { filters, problems } = parseFilters(url.searchParams);
    dashboard
      .page(id, filters)
      .then(({ model, timings, currencies }) => {
        const rendering = performance.now();
        const html = renderPage(
          { ...model, notices: [...problems, ...model.notices] },
          { filters, currencies, token },
        );
        const done = performance.now();
        const timing = [
          `ledger;dur=${timings.ledger.toFixed(1)}`,
          `snapshot;dur=${timings.snapshot.toFixed(1)}`,
          `page;dur=${timings.page.toFixed(1)}`,
          `render;dur=${(done - rendering).toFixed(1)}`,
          `total;dur=${(done - started).toFixed(1)}`,
        ].join(", ");
        const status = model.problem && model.problem.kind !== "empty" ? 503 : 200;
        send(response, status, request.method === "HEAD" ? "" : html, { "server-timing": timing });
      })
      .catch((error: unknown) => {
        // A bug, not the warehouse (the dashboard turns its failures into pages): say so briefly.
        send(
          response,
          500,
          plainPage("The dashboard failed", error instanceof Error ? error.message : String(error)),
        );
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${address.port}/sales${token ? `?token=${encodeURIComponent(token)}` : ""}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
