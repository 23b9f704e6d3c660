import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { SECRET_NAMES } from "@caic-handover/core/config/config";
import { FUNCTIONS, ROUTES } from "@caic-handover/functions/routes";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";
import { describe, expect, it } from "vitest";
import { metricsTable, routesTable, settingKinds, settingsRows } from "./tables";

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), "utf8");
const DOCS = [
  "README.md",
  ...readdirSync(join(PROJECT_ROOT, "docs")).flatMap((f) => (f.endsWith(".md") ? [`docs/${f}`] : [])),
];

/** The text outside fenced code blocks and inline code spans, where a link is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's heading slug: inline markup dropped, lower case, punctuation but `-` and `_` removed, spaces to `-`. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a file has: its headings' slugs (a repeated one numbered as GitHub does) and `<a id>`/`<a name>`. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const [, heading] of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(heading ?? "");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(id ?? "");
  return found;
}

/** What is wrong with a link from `from` (a path from the root) to `target`, or undefined. */
function brokenLink(from: string, target: string): string | undefined {
  const [path, anchor] = target.split("#", 2) as [string, string | undefined];
  const file = path === "" ? from : relative(PROJECT_ROOT, resolve(PROJECT_ROOT, dirname(from), decodeURI(path)));
  if (!existsSync(join(PROJECT_ROOT, file))) return `${from}: ${target}: no file ${file}`;
  if (anchor === undefined || !file.endsWith(".md")) return undefined;
  return anchors(read(file)).has(anchor) ? undefined : `${from}: ${target}: no heading or anchor #${anchor} in ${file}`;
}

/** Relative links and images of a Markdown text, outside code. */
function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map(([, target]) => target ?? "")
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** The text between `<!-- KIND:NAME -->` and `<!-- /KIND:NAME -->` (`generated`: rendered whole; `table`: compared in part). */
function block(markdown: string, name: string, kind: "generated" | "table" = "generated"): string {
  const match = markdown.match(new RegExp(`<!-- ${kind}:${name} -->\\n([\\s\\S]*?)\\n<!-- /${kind}:${name} -->`));
  if (!match) throw new Error(`no <!-- ${kind}:${name} --> block`);
  return match[1] ?? "";
}

/** A generated block compared with its renderer; `UPDATE_DOCS=1` writes the rendered one instead. */
function expectGenerated(path: string, name: string, rendered: string) {
  const markdown = read(path);
  if (process.env.UPDATE_DOCS === "1") {
    writeFileSync(
      join(PROJECT_ROOT, path),
      markdown.replace(block(markdown, name), () => rendered),
    );
  }
  expect(block(read(path), name), `${path} <!-- generated:${name} --> (UPDATE_DOCS=1 rewrites it)`).toBe(rendered);
}

/** A Markdown table's rows as cells (header and separator left out); `\|` stays inside a cell. */
function tableRows(table: string): string[][] {
  return table
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Names a `.env` file sets or shows commented out (`# NAME=`). */
function envNames(text: string): string[] {
  return [...text.matchAll(/^#?\s?([A-Z][A-Z0-9_]*)=/gm)].map(([, name]) => name ?? "");
}

describe("docs: links", () => {
  it("every relative link and #anchor in README.md and docs/*.md resolves, by GitHub's slug rules", () => {
    const broken = DOCS.flatMap((doc) => links(read(doc)).flatMap((target) => brokenLink(doc, target) ?? []));
    expect(broken).toEqual([]);
  });

  it("every docs/….md path (and #anchor) named in code, tests, stacks and .env.example exists", () => {
    const roots = ["packages", "stacks", "test", "bench", "scripts"].filter((dir) =>
      existsSync(join(PROJECT_ROOT, dir)),
    );
    const files = [
      ".env.example",
      ...roots.flatMap((dir) =>
        (readdirSync(join(PROJECT_ROOT, dir), { recursive: true }) as string[])
          .filter((f) => /\.(ts|mjs|js|java)$/.test(f) && !f.includes("node_modules"))
          .map((f) => join(dir, f)),
      ),
    ];
    const broken = files.flatMap((file) =>
      [...read(file).matchAll(/\bdocs\/([a-z0-9-]+\.md)(#[a-z0-9_-]+)?/g)].flatMap(
        ([, doc, anchor]) => brokenLink("README.md", `docs/${doc}${anchor ?? ""}`)?.replace("README.md", file) ?? [],
      ),
    );
    expect(broken).toEqual([]);
  });

  it("every file path the docs name (packages/, test/, stacks/, bench/) exists, so a moved file cannot leave a stale path", () => {
    const path = /(?:packages|test|stacks|bench)\/[A-Za-z0-9_./-]+\.(?:ts|mjs|md|json)/g;
    const missing = DOCS.flatMap((doc) =>
      [...read(doc).matchAll(path)].flatMap(([named]) =>
        // What a run writes (npm run bench's results) is not in a clone.
        named.startsWith("bench/results/") || existsSync(join(PROJECT_ROOT, named)) ? [] : [`${doc}: ${named}`],
      ),
    );
    expect(missing).toEqual([]);
  });

  it("slugs as GitHub makes them", () => {
    expect(slug("Business hours and holidays (`BUSINESS_HOURS`)")).toBe("business-hours-and-holidays-business_hours");
    expect(slug("7. Questions")).toBe("7-questions");
    expect(slug("8. The visitor's language")).toBe("8-the-visitors-language");
    expect(slug('Saying "we open at …" in the CAIC dialog')).toBe("saying-we-open-at--in-the-caic-dialog");
    expect([...anchors('# A\n## A\n```\n# B\n```\n<a id="x"></a>')]).toEqual(["a", "a-1", "x"]);
  });
});

describe("docs: one purpose per page", () => {
  it("every page under docs/ states its one purpose in a `This page: …` line right under its title", () => {
    const missing = DOCS.filter((doc) => doc.startsWith("docs/")).filter(
      (doc) => !/^# .+\n\nThis page: \S/.test(read(doc)),
    );
    expect(missing).toEqual([]);
  });
});

describe("docs: counts", () => {
  it("the numbers of functions, routes and secrets docs/deploy.md and the README give are the code's", () => {
    const words = [
      "zero",
      "one",
      "two",
      "three",
      "four",
      "five",
      "six",
      "seven",
      "eight",
      "nine",
      "ten",
      "eleven",
      "twelve",
      "thirteen",
      "fourteen",
      "fifteen",
    ];
    const actual: Record<string, number> = {
      functions: Object.keys(FUNCTIONS).length,
      routes: ROUTES.length,
      secrets: SECRET_NAMES.length,
    };
    const stated = ["docs/deploy.md", "README.md"].flatMap((doc) =>
      [...read(doc).matchAll(/\b(\d+|[a-z]+) (?:Lambda )?(functions|routes|secrets)\b/gi)].flatMap(
        ([text, count, what]) => {
          const n = /^\d+$/.test(count!) ? Number(count) : words.indexOf(count!.toLowerCase());
          return n < 0 ? [] : [{ doc, text, n, expected: actual[what!.toLowerCase()] }];
        },
      ),
    );
    expect(stated.length).toBeGreaterThan(0);
    expect(stated.filter(({ n, expected }) => n !== expected)).toEqual([]);
  });
});

describe("docs: settings", () => {
  const configuration = read("docs/configuration.md");
  /** The names docs/local.md's table says `npm start` reads (some are config settings too). */
  const localRunner = tableRows(block(read("docs/local.md"), "local-runner", "table")).flatMap(([names = ""]) =>
    names.split(",").map((name) => name.replaceAll("`", "").trim()),
  );
  const example = envNames(read(".env.example"));

  it("docs/configuration.md lists every setting of the config and deploy schemas, with its kind and default, and nothing else", () => {
    const documented = tableRows(block(configuration, "settings", "table")).map((cells) => cells.slice(0, 3));
    expect(documented).toEqual(settingsRows());
  });

  it(".env.example shows every setting, and names nothing that is neither a setting nor one docs/local.md says npm start reads", () => {
    const settings = [...settingKinds().keys()];
    expect(settings.filter((name) => !example.includes(name))).toEqual([]);
    expect(example.filter((name) => !settings.includes(name) && !localRunner.includes(name))).toEqual([]);
  });

  it("every setting docs/local.md says npm start reads is in .env.example", () => {
    expect(localRunner.filter((name) => !example.includes(name))).toEqual([]);
  });
});

describe("docs: tables generated from code", () => {
  it("docs/http-api.md's route table is ROUTES", () => {
    expectGenerated("docs/http-api.md", "routes", routesTable());
  });

  it("docs/http-api.md's answers table gives an answer for every route of ROUTES", () => {
    const http = read("docs/http-api.md");
    const answered = tableRows(http.slice(http.indexOf("## Answers"))).map(([route = ""]) => route);
    const missing = ROUTES.map((route) => `${route.method} ${route.path}`).filter(
      (route) => !answered.some((cell) => new RegExp(`\`${escapeRegExp(route)}[\`?]`).test(cell)),
    );
    expect(missing).toEqual([]);
  });

  it("docs/operations.md's metric table is Metric", () => {
    expectGenerated("docs/operations.md", "metrics", metricsTable());
  });
});
