/**
 * The docs' tables generated from code: each is rendered here and held in its doc between
 * `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`, so docs.test.ts fails when code and doc
 * drift. `UPDATE_DOCS=1 npx vitest run test/unit/docs` writes the rendered blocks into the docs.
 */
import { ConfigSchema, PREVIOUS_KEY_NAMES, REQUIRED_SECRET_NAMES } from "@caic-handover/core/config/config";
import { DIMENSION_VALUES, FUNNEL, Metric, type MetricName } from "@caic-handover/core/shared/metrics";
import { CALLERS, ROUTES } from "@caic-handover/functions/routes";
import * as z from "zod/mini";
import { PARAMETER_NAMES, STACK_SETTING_NAMES, StackSettingsSchema } from "../../../stacks/settings";

const code = (text: string) => `\`${text}\``;
const row = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;

/** Every route of `ROUTES`: who calls it, with which key, where the key goes, and its function and stack output. */
export function routesTable(): string {
  return [
    row(["route", "called by", "key", "the guide sends it in", "function", "stack output"]),
    row(["---", "---", "---", "---", "---", "---"]),
    ...ROUTES.map((route) =>
      row([
        code(`${route.method} ${route.path}`),
        route.calledBy,
        code(CALLERS[route.caller].key),
        route.keyIn === "query" ? "`?key=`" : "header `X-Handover-Key`",
        code(route.function),
        code(route.output),
      ]),
    ),
  ].join("\n");
}

/** Every metric of `Metric`, in its order, with its dimension and funnel step; then the values of each dimension. */
export function metricsTable(): string {
  return [
    row(["metric", "dimension", "funnel step"]),
    row(["---", "---", "---"]),
    ...(Object.keys(Metric) as MetricName[]).map((name) => {
      const dimension: string | undefined = Metric[name].dimension;
      const step = FUNNEL.indexOf(name);
      return row([code(name), dimension ? code(dimension) : "", step < 0 ? "" : String(step + 1)]);
    }),
    "",
    ...Object.entries(DIMENSION_VALUES).map(
      ([dimension, values]) => `Values of \`${dimension}\`: ${values.map(code).join(", ")}.`,
    ),
  ].join("\n");
}

type Kind = "secret" | "secret, optional" | "parameter" | "deploy" | "local";

/** The kind of each setting, as the stack and the functions read it. */
export function settingKinds(): Map<string, Kind> {
  const kinds = new Map<string, Kind>();
  for (const name of Object.keys(ConfigSchema.shape)) {
    if ((REQUIRED_SECRET_NAMES as readonly string[]).includes(name)) kinds.set(name, "secret");
    else if ((PREVIOUS_KEY_NAMES as readonly string[]).includes(name)) kinds.set(name, "secret, optional");
    else if (PARAMETER_NAMES.includes(name)) kinds.set(name, "parameter");
    else kinds.set(name, "local");
  }
  for (const name of STACK_SETTING_NAMES) kinds.set(name, "deploy");
  return kinds;
}

/** A setting's default as the schema applies it: a value, `unset` (optional), or `—` (required). */
function defaultOf(schema: z.core.$ZodType, kind: Kind): string {
  if (kind === "secret") return "—";
  const parsed = z.safeParse(schema, undefined);
  if (!parsed.success) return "—";
  const value: unknown = parsed.data;
  if (value === undefined) return "unset";
  if (Array.isArray(value)) return code(value.join(","));
  if (typeof value === "object" && value !== null && "locale" in value) return code(String(value.locale));
  return code(String(value));
}

/** Every setting's name, kind and default; the doc adds a meaning per row, which this does not compare. */
export function settingsRows(): string[][] {
  const shapes: Record<string, z.core.$ZodType> = { ...ConfigSchema.shape, ...StackSettingsSchema.shape };
  return [...settingKinds()].map(([name, kind]) => [code(name), kind, defaultOf(shapes[name] ?? z.unknown(), kind)]);
}
