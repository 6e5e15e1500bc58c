import { describe, expect, it } from "vitest";
import type { PageModel } from "./page-model";
import { escapeHtml, pageSection, renderPage, renderReport, scriptJson } from "./render";

const pipeline: PageModel = {
  id: "pipeline",
  title: "Pipeline health",
  figures: [],
  charts: [
    {
      id: "latency",
      title: "Latency",
      type: "line",
      labelKind: "text",
      labelHeader: "run",
      labels: ["r1"],
      series: [{ name: "s", kind: "seconds", values: [null] }],
    },
  ],
  lists: [
    {
      id: "failures",
      title: "Failures",
      columns: [
        { header: "at", kind: "time" },
        { header: "error", kind: "text" },
      ],
      rows: [["2026-01-01T00:00:00.000Z", "</script><b>x</b>"]],
      empty: "None recorded.",
    },
  ],
  notices: ["a <notice>"],
  source: "",
};

describe("escaping", () => {
  it("escapes HTML and keeps JSON inside a script element", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(scriptJson({ a: "</script>\u2028" })).toBe('{"a":"\\u003c/script>\\u2028"}');
  });
});

describe("pageSection", () => {
  it("escapes what the warehouse holds, and leaves a missing value empty", () => {
    const html = pageSection(pipeline);

    expect(html).toContain("&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;");
    expect(html).not.toContain("<b>x</b>");
    expect(html).toContain('<p class="notice">a &lt;notice&gt;</p>');
    expect(html).toContain('<td class="num"></td>');
    expect(html).not.toContain('class="source"');
  });
});

describe("renderPage", () => {
  it("the pipeline page has no filter form, and its links keep the filters", () => {
    const html = renderPage(pipeline, { filters: { currency: "EUR" }, currencies: ["EUR"] });

    expect(html).not.toContain('<form class="filters"');
    expect(html).toContain('href="/sales?currency=EUR"');
    expect(html).toContain('aria-current="page">Pipeline health');
  });

  it("a star page with a token keeps it in the form and in clear", () => {
    const html = renderPage(
      { ...pipeline, id: "sales", title: "Sales" },
      { filters: {}, currencies: ["EUR"], token: "t0k" },
    );

    expect(html).toContain('<input type="hidden" name="token" value="t0k">');
    expect(html).toContain('<a href="/sales?token=t0k">clear</a>');
    expect(html).toContain('<option value="" selected>all currencies</option>');
  });
});

describe("renderReport", () => {
  it("says what the figures are narrowed to", () => {
    const narrowed = renderReport([pipeline], {
      filters: { from: "2026-01-01", to: "2026-02-01", currency: "GBP" },
      writtenAt: "now",
    });
    const whole = renderReport([pipeline], { filters: {}, writtenAt: "now" });

    expect(narrowed).toContain("Written now; figures from 2026-01-01, to 2026-02-01, in GBP only.");
    expect(whole).toContain("Written now; every day and currency.");
    expect(whole).toContain('<a href="#pipeline">Pipeline health</a>');
  });
});
