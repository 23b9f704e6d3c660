/** The figures every reliability file contributes to the suite's one summary line. */
export interface Figures {
  cases: number;
  faults: number;
  /** 5xx answers nobody asked for: everything except the 503 a DynamoDB outage is expected to give. */
  unexpected5xx: number;
  lostWrites: number;
  duplicateMutations: number;
  personalDataInLogs: number;
  /** Per fault kind (issue 20): the most requests CM applied for one chat in one run, and chats left stuck past their lease. */
  byFault?: Record<string, FaultFigures>;
}

export interface FaultFigures {
  mostAppliedPerRun: number;
  stuck: number;
}

/** Adds one file's figures to the total: counts summed, per fault kind the maximum applied and the stuck summed. */
export function addFigures(total: Figures, figures: Figures) {
  for (const key of COUNTS) total[key] += figures[key] ?? 0;
  for (const [kind, f] of Object.entries(figures.byFault ?? {})) {
    total.byFault ??= {};
    total.byFault[kind] ??= { mostAppliedPerRun: 0, stuck: 0 };
    const t = total.byFault[kind];
    t.mostAppliedPerRun = Math.max(t.mostAppliedPerRun, f.mostAppliedPerRun);
    t.stuck += f.stuck;
  }
}

const COUNTS = ["cases", "faults", "unexpected5xx", "lostWrites", "duplicateMutations", "personalDataInLogs"] as const;

export const emptyFigures = (): Figures => ({
  cases: 0,
  faults: 0,
  unexpected5xx: 0,
  lostWrites: 0,
  duplicateMutations: 0,
  personalDataInLogs: 0,
});

export function summaryLine(f: Figures): string {
  const perFault = Object.entries(f.byFault ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, x]) => `${kind} ${x.mostAppliedPerRun}/${x.stuck}`);
  const faults =
    perFault.length > 0
      ? `; per fault kind, most CM applied for one chat per run / chats stuck: ${perFault.join(", ")}`
      : "";
  return `reliability: ${f.cases} cases, ${f.faults} faults, ${f.unexpected5xx} 5xx, ${f.lostWrites} lost writes, ${f.duplicateMutations} duplicate mutations, ${f.personalDataInLogs} personal data in logs${faults}`;
}

/** A promise the per-fault figures break: more than one request CM applied in a run, or a chat stuck. */
export const brokenByFault = (f: Figures) =>
  Object.values(f.byFault ?? {}).reduce((n, x) => n + Math.max(0, x.mostAppliedPerRun - 1) + x.stuck, 0);
