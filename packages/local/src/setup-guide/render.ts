import { type Guide, type Setting, text, type Value } from "./document";

// Rendering: plain text for a terminal, Markdown for a document a team keeps.

export function renderText(guide: Guide): string {
  const lines = [guide.title, "=".repeat(guide.title.length), ""];
  const width = Math.max(...guide.about.map((entry) => entry.label.length));
  for (const entry of guide.about) lines.push(`${entry.label.padEnd(width)}  ${text(entry.value)}`);
  lines.push("", ...guide.conventions.map((line) => `* ${line}`));
  for (const section of guide.sections) {
    const heading = `${section.number}. ${section.title}`;
    lines.push("", "", heading, "-".repeat(heading.length));
    lines.push(...section.intro);
    for (const step of section.steps) {
      lines.push("", `${step.number} ${step.title}`);
      const labelWidth = Math.max(0, ...step.settings.map((setting) => setting.label.length));
      for (const setting of step.settings)
        lines.push(`      ${setting.label.padEnd(labelWidth)}  ${text(setting.value)}`);
      for (const note of step.notes) lines.push(`      - ${note}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Prose for Markdown: outside `code` spans a `<` would start an HTML tag (hiding `<HANDOVER_WEBHOOK_KEY>`). */
const prose = (line: string) =>
  line
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replaceAll("<", "\\<")))
    .join("");
const cell = (value: Value) => (typeof value === "string" ? prose(value) : `\`${value.code}\``).replaceAll("|", "\\|");

export function renderMarkdown(guide: Guide): string {
  const table = (settings: Setting[], heading: [string, string]) => [
    `| ${heading[0]} | ${heading[1]} |`,
    "| --- | --- |",
    ...settings.map((setting) => `| ${cell(setting.label)} | ${cell(setting.value)} |`),
  ];
  const lines = [
    `# ${guide.title}`,
    "",
    ...guide.about.map((entry) => `- **${entry.label}**: ${cell(entry.value)}`),
    "",
    ...guide.conventions.map((line) => `- ${prose(line)}`),
  ];
  for (const section of guide.sections) {
    lines.push("", `## ${section.number}. ${section.title}`);
    if (section.intro.length > 0) lines.push("", ...section.intro.map(prose));
    for (const step of section.steps) {
      lines.push("", `### ${step.number} ${step.title}`, "");
      if (step.settings.length > 0)
        lines.push(...table(step.settings, step.branches ? ["If", "Then"] : ["Setting", "Value"]), "");
      lines.push(...step.notes.map((note) => `- ${prose(note)}`));
    }
  }
  return `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}
