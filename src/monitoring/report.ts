import type { Accuracy, SegmentKind } from './accuracy.js';
import type { PsiBand } from './psi.js';

/** What the daily monitoring keeps per tenant and day (stored as JSON, read by the API and dashboard). */
export interface MonitoringReport {
  day: string;
  asOf: string;
  model: {
    version: string | null;
    /** The shipped default model (trained on generated data) is scoring this tenant. */
    isDefault: boolean;
    trainingWindow: { from: string; to: string } | null;
    /** The composite model's AUC on its held-out outcomes: what accuracy is compared with. */
    holdoutAuc: number | null;
    holdoutEce: number | null;
  };
  accuracy: Accuracy & { windowDays: number; from: string; to: string; /** Outcomes in the window whose lead was never scored before it. */ unscored: number };
  segments: Array<{ kind: SegmentKind; value: string; accuracy: Accuracy }>;
  drift: {
    status: 'ok' | 'not_enough_data';
    message: string | null;
    openLeads: number;
    trainingLeads: number;
    features: Array<{ name: string; group: 'fit' | 'engagement'; psi: number; band: PsiBand }>;
    /**
     * Fit features of the open leads created in the last `days` days against the training leads:
     * new arrivals show a change of market or campaign long before it dominates the open leads.
     */
    newLeads: { days: number; leads: number; features: Array<{ name: string; group: 'fit' | 'engagement'; psi: number; band: PsiBand }> } | null;
    /** Composite probabilities of open leads against the deciles of the model's training scores. */
    score: { psi: number; band: PsiBand; edges: number[]; expected: number[]; actual: number[] } | null;
  };
  hotShare: {
    tier: string;
    /** Share of open leads in the top tier today. */
    current: number | null;
    /** Share of the model's training leads the top tier's cut-off keeps. */
    expected: number | null;
    openLeads: number;
  };
  /** Counts of open leads' composite scores (0-100) in ten bins of 10 points: the histogram over time. */
  scoreHistogram: number[];
}
