import { readFileSync } from "node:fs";
import { join } from "node:path";
import { budgetTable } from "@caic-handover/functions/budgets";
import { FUNCTIONS } from "@caic-handover/functions/routes";
import { DOC_TABLES, markedBlock, replaceBlock } from "@caic-handover/local/docs-tables";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";
import { describe, expect, it } from "vitest";

describe("the docs' tables generated from code", () => {
  it.each(DOC_TABLES)("the $name block of $file is the generated table (npm run docs:tables rewrites it)", (table) => {
    const text = readFileSync(join(PROJECT_ROOT, table.file), "utf8");
    expect(markedBlock(text, table.name)).toBe(table.render());
  });

  it("the budget table has one row per function, with its worst case and Lambda timeout", () => {
    const [header, separator, ...rest] = budgetTable().split("\n");
    expect([header, separator]).toEqual([expect.stringMatching(/^\| function \|/), "|---|---|---|---|---|"]);
    const rows = rest.filter((line) => line.startsWith("| "));
    expect(rows.map((row) => row.split(" | ")[0]?.slice(2))).toEqual(Object.keys(FUNCTIONS));
    expect(rows.find((row) => row.startsWith("| chat-status |"))).toMatch(/\| 5 s \| 8 s \|$/);
  });

  it("rewriting a block replaces only what is between its markers", () => {
    const text = "before\n<!-- t:start -->\nold\n<!-- t:end -->\nafter\n";
    const updated = replaceBlock(text, "t", "new\ntable");
    expect(updated).toBe("before\n<!-- t:start -->\nnew\ntable\n<!-- t:end -->\nafter\n");
    expect(markedBlock(updated, "t")).toBe("new\ntable");
  });
});
