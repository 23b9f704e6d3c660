import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { addFigures, brokenByFault, emptyFigures, type Figures, summaryLine } from "./reliability-figures";

/**
 * Global setup for the reliability suite's one summary line: hands every test file a directory for
 * its figures and, after the run, adds them up, prints the line and fails on any broken promise.
 */
export default function setup(project: TestProject) {
  const dir = join(tmpdir(), `caic-reliability-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  project.provide("reliabilityDir", dir);
  return () => {
    const files = readdirSync(dir).filter((name) => name.endsWith(".json"));
    const total = emptyFigures();
    for (const name of files) {
      addFigures(total, JSON.parse(readFileSync(join(dir, name), "utf8")) as Figures);
    }
    rmSync(dir, { recursive: true, force: true });
    if (files.length === 0) return;
    console.log(summaryLine(total));
    const broken =
      total.unexpected5xx +
      total.lostWrites +
      total.duplicateMutations +
      total.personalDataInLogs +
      brokenByFault(total);
    if (broken > 0) throw new Error(`reliability promises broken: ${summaryLine(total)}`);
  };
}
