import { afterEach, describe, expect, it } from "vitest";
import type { Dashboard } from "./dashboard";
import type { PageModel } from "./page-model";
import { isLoopback, newToken, type RunningServer, startDashboardServer } from "./server";

const model = (id: PageModel["id"], extra: Partial<PageModel> = {}): PageModel => ({
  id,
  title: id,
  figures: [{ id: "facts", label: "orders", kind: "count", value: 3 }],
  charts: [],
  lists: [],
  notices: [],
  source: "test",
  ...extra,
});

function fakeDashboard(extra: Partial<PageModel> = {}, asked: unknown[] = []): Dashboard {
  return {
    warm: async () => undefined,
    page: async (id, filters) => {
      asked.push({ id, filters });
      return { model: model(id, extra), timings: { ledger: 1, snapshot: 0, page: 2 }, currencies: ["GBP"] };
    },
  };
}

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const base = (s: RunningServer) => s.url.replace(/\/sales.*$/, "");

describe("the dashboard server", () => {
  it("answers a page with its server time by part, and passes the filters on", async () => {
    const asked: unknown[] = [];
    server = await startDashboardServer({ dashboard: fakeDashboard({}, asked) });

    const response = await fetch(`${base(server)}/sales?currency=eur&from=2026-01-01&to=bad`);
    const html = await response.text();

    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sales$/);
    expect(response.status).toBe(200);
    expect(response.headers.get("server-timing")).toMatch(
      /^ledger;dur=1\.0, snapshot;dur=0\.0, page;dur=2\.0, render;dur=[\d.]+, total;dur=[\d.]+$/,
    );
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(asked).toEqual([{ id: "sales", filters: { currency: "EUR", from: "2026-01-01" } }]);
    expect(html).toContain("ignored to=&quot;bad&quot;: a day is written YYYY-MM-DD");
    expect(html).toContain('<option value="GBP">GBP</option>');
  });

  it.each([
    ["/", 302, "/sales?x=1"],
    ["/nowhere", 404, null],
  ])("GET %s answers %i", async (path, status, location) => {
    server = await startDashboardServer({ dashboard: fakeDashboard() });

    const response = await fetch(`${base(server)}${path}${path === "/" ? "?x=1" : ""}`, {
      redirect: "manual",
    });

    expect(response.status).toBe(status);
    expect(response.headers.get("location")).toBe(location);
  });

  it("refuses anything but GET and HEAD", async () => {
    server = await startDashboardServer({ dashboard: fakeDashboard() });

    const post = await fetch(`${base(server)}/sales`, { method: "POST" });
    const head = await fetch(`${base(server)}/pipeline`, { method: "HEAD" });

    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(head.status).toBe(200);
  });

  it("answers 503 when the warehouse cannot be read, 200 when a star is only empty", async () => {
    server = await startDashboardServer({
      dashboard: fakeDashboard({ problem: { kind: "unreachable", message: "down" } }),
    });
    const down = await fetch(`${base(server)}/sales`);
    await server.close();
    server = await startDashboardServer({
      dashboard: fakeDashboard({ problem: { kind: "empty", message: "none" } }),
    });

    const empty = await fetch(`${base(server)}/sales`);

    expect(down.status).toBe(503);
    expect(await down.text()).toContain('data-problem="unreachable">down<');
    expect(empty.status).toBe(200);
  });

  it("says when the dashboard itself fails", async () => {
    const broken: Dashboard = {
      warm: async () => undefined,
      page: async () => Promise.reject(new Error("bug")),
    };
    server = await startDashboardServer({ dashboard: broken });

    const response = await fetch(`${base(server)}/payments`);

    expect(response.status).toBe(500);
    expect(await response.text()).toContain("The dashboard failed");
  });

  it("with a token, needs it as a query parameter or a bearer header, and keeps it in links", async () => {
    const token = newToken();
    server = await startDashboardServer({ dashboard: fakeDashboard(), token });

    const none = await fetch(`${base(server)}/sales`);
    const wrong = await fetch(`${base(server)}/sales?token=${"x".repeat(token.length)}`);
    const header = await fetch(`${base(server)}/sales`, { headers: { authorization: `Bearer ${token}` } });
    const query = await fetch(server.url);

    expect(server.url).toBe(`${base(server)}/sales?token=${token}`);
    expect([none.status, wrong.status, header.status, query.status]).toEqual([401, 401, 200, 200]);
    expect(await query.text()).toContain(`href="/payments?token=${token}"`);
  });

  it("will not listen off loopback without a token", async () => {
    await expect(startDashboardServer({ dashboard: fakeDashboard(), host: "0.0.0.0" })).rejects.toThrow(
      "listening on 0.0.0.0 makes the dashboard reachable from other machines: it needs a token",
    );
  });
});

describe("isLoopback", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["::1", true],
    ["0.0.0.0", false],
    ["192.168.1.10", false],
  ])("%s", (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
