/** The figures every reliability file contributes to the suite's one summary line. */
export interface Figures {
  cases: number;
  faults: number;
  /** 5xx answers nobody asked for: everything except the 503 a DynamoDB outage is expected to give. */
  unexpected5xx: number;
  lostWrites: number;
  duplicateMutations: number;
  personalDataInLogs: number;
}

export const emptyFigures = (): Figures => ({
  cases: 0,
  faults: 0,
  unexpected5xx: 0,
  lostWrites: 0,
  duplicateMutations: 0,
  personalDataInLogs: 0,
});

export function summaryLine(f: Figures): string {
  return `reliability: ${f.cases} cases, ${f.faults} faults, ${f.unexpected5xx} 5xx, ${f.lostWrites} lost writes, ${f.duplicateMutations} duplicate mutations, ${f.personalDataInLogs} personal data in logs`;
}
