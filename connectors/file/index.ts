import { z } from 'zod';
import { LeadscoreError, registerConnector, type Connector } from '../../src/domain/index.js';
import { FileBundleSource, type FileProgress } from './reader.js';

export { FileBundleSource, type FileProgress, type HeaderNotes } from './reader.js';
export { FileBundleSink } from './sink.js';
export { LEAD_COLUMNS, ACTIVITY_COLUMNS, OUTCOME_COLUMNS, leadsFile, activitiesFile, outcomesFile } from './format.js';
export { CsvReader } from '../shared/csv.js';
export { parseIsoDate, parseAmount } from './values.js';

const FileConnectorOptions = z.object({
  dir: z.string().min(1),
  batchSize: z.number().int().min(1).max(50_000).optional(),
  onProgress: z.custom<(p: FileProgress) => void>((v) => typeof v === 'function').optional(),
});

export const fileConnector = {
  kind: 'file' as const,
  create(options: unknown): Connector {
    const parsed = FileConnectorOptions.safeParse(options);
    if (!parsed.success) {
      throw new LeadscoreError('CONNECTOR_OPTIONS_INVALID', `file connector: ${z.prettifyError(parsed.error)}`);
    }
    const source = new FileBundleSource(parsed.data);
    return { kind: 'file', source, sink: null, close: async () => undefined };
  },
};

registerConnector(fileConnector);
