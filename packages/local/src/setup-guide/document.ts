import type { RouteSpec } from "@caic-handover/functions/routes";

/**
 * The setup guide as data: sections of steps, each a list of settings and notes. Steps and sections
 * are written with ids and refer to each other with `ref(id)`; `numberGuide` numbers them in order
 * and puts each number in place of its reference, so inserting a step renumbers every reference.
 */

export class SetupGuideError extends Error {
  override name = "SetupGuideError";
}

/** A value a user copies verbatim (URL, header, JSON, variable name) rather than reads. */
export type Value = string | { code: string };
export interface Setting {
  label: string;
  value: Value;
}
export interface Step {
  /** Stable name other steps refer to (`ref(id)`); never shown. */
  id: string;
  /** `n.m`, from the step's place in the guide. */
  number: string;
  title: string;
  settings: Setting[];
  notes: string[];
  /** The route this step configures, if any. */
  route?: RouteSpec;
  /** A Logical Step lists conditions and where each leads instead of settings. */
  branches?: true;
}
export interface Section {
  id: string;
  number: string;
  title: string;
  intro: string[];
  steps: Step[];
}
export interface Guide {
  title: string;
  about: Setting[];
  conventions: string[];
  sections: Section[];
}

/** A step or section as written, before numbering. */
export type StepDraft = Omit<Step, "number">;
export interface SectionDraft extends Omit<Section, "number" | "steps"> {
  steps: StepDraft[];
}
export interface GuideDraft extends Omit<Guide, "sections"> {
  sections: SectionDraft[];
}

export const code = (text: string): Value => ({ code: text });
export const text = (value: Value) => (typeof value === "string" ? value : value.code);
export const set = (label: string, value: Value): Setting => ({ label, value });

const REFERENCE = /⟦([^⟦⟧]*)⟧/g;
/** The number of step or section `id`, written into any text of the guide. */
export const ref = (id: string) => `⟦${id}⟧`;

/** Numbers sections `n` and steps `n.m` in order, and resolves every `ref`; an unknown or repeated id throws. */
export function numberGuide(draft: GuideDraft): Guide {
  const numbers = new Map<string, string>();
  const name = (id: string, number: string) => {
    if (numbers.has(id)) throw new SetupGuideError(`setup guide: the id "${id}" is used twice`);
    numbers.set(id, number);
  };
  draft.sections.forEach((section, i) => {
    name(section.id, `${i + 1}`);
    section.steps.forEach((step, j) => {
      name(step.id, `${i + 1}.${j + 1}`);
    });
  });
  const resolve = (line: string, where: string) =>
    line.replace(REFERENCE, (_, id: string) => {
      const number = numbers.get(id);
      if (number === undefined) throw new SetupGuideError(`setup guide: ${where} refers to "${id}", which is no step`);
      return number;
    });
  const resolveValue = (value: Value, where: string): Value =>
    typeof value === "string" ? resolve(value, where) : code(resolve(value.code, where));
  const resolveSettings = (settings: Setting[], where: string) =>
    settings.map((setting) => set(resolve(setting.label, where), resolveValue(setting.value, where)));
  return {
    title: resolve(draft.title, "the title"),
    about: resolveSettings(draft.about, "the header"),
    conventions: draft.conventions.map((line) => resolve(line, "the conventions")),
    sections: draft.sections.map((section) => ({
      id: section.id,
      number: numbers.get(section.id)!,
      title: resolve(section.title, section.id),
      intro: section.intro.map((line) => resolve(line, section.id)),
      steps: section.steps.map((step) => ({
        ...step,
        number: numbers.get(step.id)!,
        title: resolve(step.title, step.id),
        settings: resolveSettings(step.settings, step.id),
        notes: step.notes.map((note) => resolve(note, step.id)),
      })),
    })),
  };
}
