import { describe, expect, it } from "vitest";
import { globToRegExp } from "./key-glob";

describe("globToRegExp", () => {
  it.each([
    ["landing/sales/*.csv", "landing/sales/a.csv", true],
    ["landing/sales/*.csv", "landing/sales/2026/a.csv", false],
    ["landing/sales/**", "landing/sales/2026/a.csv", true],
    ["landing/**/*.csv", "landing/a/b/c.csv", true],
    ["landing/?.csv", "landing/a.csv", true],
    ["landing/?.csv", "landing/ab.csv", false],
    ["landing/a.csv", "landing/aXcsv", false],
    ["landing/(x)+\\[y\\].csv", "landing/(x)+[y].csv", true],
    ["landing/(x)+[y].csv", "landing/(x)+y.csv", true],
    ["landing/*.csv", "landing/x';drop table t;--.csv", true],
    // `**/` is zero or more folders, as in picomatch and minimatch
    ["landing/sales/**/*.csv", "landing/sales/a.csv", true],
    ["landing/sales/**/*.csv", "landing/sales/2026/11/a.csv", true],
    ["landing/sales/**/*.csv", "landing/salesX/a.csv", false],
    ["**/*.csv", "a.csv", true],
    ["**/*.csv", "landing/a/b.csv", true],
    ["landing/**", "landing/a/b/c", true],
    ["landing/a**b.csv", "landing/aXXb.csv", true],
    ["landing/a**b.csv", "landing/a/b.csv", false],
    // braces
    ["landing/{sales,returns}/*.csv", "landing/returns/a.csv", true],
    ["landing/{sales,returns}/*.csv", "landing/other/a.csv", false],
    ["landing/*.{csv,txt}", "landing/a.txt", true],
    ["landing/{a,b{1,2}}.csv", "landing/b2.csv", true],
    ["landing/{a}.csv", "landing/{a}.csv", true],
    ["landing/{a,b.csv", "landing/{a,b.csv", true],
    // classes
    ["landing/[ab].csv", "landing/b.csv", true],
    ["landing/[ab].csv", "landing/c.csv", false],
    ["landing/file[0-9].csv", "landing/file7.csv", true],
    ["landing/file[!0-9].csv", "landing/file7.csv", false],
    ["landing/file[!0-9].csv", "landing/fileX.csv", true],
    ["landing/a[/]b", "landing/a/b", false],
    ["landing/[.csv", "landing/[.csv", true],
  ])("%s against %s is %s", (glob, key, expected) => {
    expect(globToRegExp(glob).test(key)).toBe(expected);
  });
});
