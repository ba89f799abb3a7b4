export interface MergeContext {
  runId: number;
  /** aneel_sources key of the file or resource being loaded. */
  sourceKey: string;
  /** How many duplicate lines to name in the run's errors. */
  maxReported: number;
}

export interface MergeResult {
  inserted: number;
  updated: number;
  /** Staged lines dropped because an earlier line of the same file had the same natural key. */
  duplicates: number;
  duplicateLines: number[];
}
