import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { budgetTable } from "@caic-handover/functions/budgets";
import { PROJECT_ROOT } from "./local-defaults";

/**
 * `npm run docs:tables`: rewrites the blocks of the docs generated from code, each between
 * `<!-- <name>:start -->` and `<!-- <name>:end -->`; `-- --check` only says which differ (exit 1).
 * A test asserts each block equals its generated text, so a change to the code that a table
 * shows fails until this command is run.
 */
export const DOC_TABLES = [{ file: "docs/design.md", name: "budgets", render: budgetTable }] as const;

const markers = (name: string) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`] as const;

/** The text between a block's markers, without the newlines next to them; undefined without both markers. */
export function markedBlock(text: string, name: string): string | undefined {
  const [start, end] = markers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end, from);
  if (from === -1 || to === -1) return undefined;
  return text
    .slice(from + start.length, to)
    .replace(/^\n/, "")
    .replace(/\n$/, "");
}

/** The text with the block between a block's markers replaced. */
export function replaceBlock(text: string, name: string, content: string): string {
  const [start, end] = markers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end, from);
  if (from === -1 || to === -1) throw new Error(`no ${start} … ${end} block`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

function main() {
  const check = process.argv.includes("--check");
  for (const table of DOC_TABLES) {
    const path = join(PROJECT_ROOT, table.file);
    const text = readFileSync(path, "utf8");
    const updated = replaceBlock(text, table.name, table.render());
    if (updated === text) continue;
    if (check) {
      console.error(`${table.file}: the ${table.name} table differs from the code (npm run docs:tables)`);
      process.exitCode = 1;
    } else {
      writeFileSync(path, updated);
      console.error(`${table.file}: ${table.name} table rewritten`);
    }
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main();
