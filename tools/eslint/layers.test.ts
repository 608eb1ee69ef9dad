import path from 'node:path';
import { RuleTester } from 'eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript ESLint plugin without type declarations
import { areaOf, layersRule, violation } from './layers.js';

const root = '/project';
const tester = new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: 'module' } });

describe('layers rule', () => {
  it('allows the one-way flow and refuses the rest', () => {
    tester.run('layers', layersRule, {
      valid: [
        { filename: `${root}/src/store/leads.ts`, code: "import { x } from '../domain/index.js';", options: [{ root }] },
        { filename: `${root}/src/sync/import.ts`, code: "import { x } from '../store/index.js';", options: [{ root }] },
        { filename: `${root}/src/cli/main.ts`, code: "import '../../connectors/file/index.js';", options: [{ root }] },
        { filename: `${root}/connectors/file/reader.ts`, code: "import { x } from '../../src/domain/index.js';", options: [{ root }] },
        { filename: `${root}/src/store/x.test.ts`, code: "import { y } from '../sync/index.js';", options: [{ root }] },
        { filename: `${root}/src/store/leads.ts`, code: "import pg from 'pg';", options: [{ root }] },
      ],
      invalid: [
        { filename: `${root}/src/store/leads.ts`, code: "import { x } from '../sync/index.js';", options: [{ root }], errors: 1 },
        { filename: `${root}/src/domain/lead.ts`, code: "export * from '../config/config.js';", options: [{ root }], errors: 1 },
        { filename: `${root}/src/writeback/run.ts`, code: "import '../../connectors/hubspot/index.js';", options: [{ root }], errors: 1 },
        { filename: `${root}/src/scoring/s.ts`, code: "const m = await import('../server/app.js');", options: [{ root }], errors: 1 },
        { filename: `${root}/connectors/hubspot/c.ts`, code: "import { x } from '../../src/store/index.js';", options: [{ root }], errors: 1 },
        { filename: `${root}/src/newthing/a.ts`, code: "import { x } from '../store/index.js';", options: [{ root }], errors: 1 },
      ],
    });
  });

  it('explains why', () => {
    expect(violation('src/store', 'src/sync')).toMatch(/comes after src\/store in the flow/);
    expect(violation('connectors/hubspot', 'connectors/shared')).toBeNull();
    expect(areaOf(path.join('src', 'store', 'leads.ts'))).toBe('src/store');
    expect(areaOf(path.join('test', 'import.test.ts'))).toBeNull();
  });
});
