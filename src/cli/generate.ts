import path from 'node:path';
import { generateBundle } from '../synthetic/index.js';
import { EXIT } from './exit.js';
import { ProgressBar } from './progress.js';

export async function runGenerate(
  args: { leads: number; seed: number; out: string; exportAt?: Date; json: boolean },
  out: (text: string) => void,
): Promise<number> {
  const outDir = path.resolve(args.out);
  const progress = new ProgressBar('generate');
  const summary = await generateBundle({
    leads: args.leads,
    seed: args.seed,
    outDir,
    ...(args.exportAt ? { exportAt: args.exportAt } : {}),
    onProgress: (done, total) => progress.update(done, total, `${done} leads`),
  });
  progress.done();
  if (args.json) {
    out(JSON.stringify({ outDir, ...summary }, null, 2) + '\n');
  } else {
    out(
      [
        `Wrote a synthetic bundle to ${outDir} (seed ${args.seed}, exported ${summary.exportAt})`,
        `  leads.csv       ${summary.leads} leads (${summary.leadRows} rows with repeated deliveries)`,
        `  activities.csv  ${summary.activities} activities (${summary.activityRows} rows)`,
        `  outcomes.csv    ${summary.outcomes} outcomes, ${summary.converted} converted`,
        `  truth.csv       ${summary.open} open leads with their true probability and eventual outcome`,
        `What predicts conversion changes on ${summary.changeAt}.`,
        `Import it with: leadscore import --data ${outDir}`,
      ].join('\n') + '\n',
    );
  }
  return EXIT.ok;
}
