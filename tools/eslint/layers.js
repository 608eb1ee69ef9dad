// @ts-check
/**
 * ESLint rule: data flows one way (../shared/ARCHITECTURE.md). A step may import src/domain and
 * earlier steps, never later ones; connectors and the synthetic generator are sources that only
 * the wiring (server, workers, cli) loads; nothing imports the wiring but the wiring itself.
 */
import path from 'node:path';

/** The steps of the flow, in order. */
export const STEPS = [
  'src/domain',
  'src/config',
  'src/store',
  'src/settings',
  'src/sync',
  'src/features',
  'src/model',
  'src/scoring',
  'src/writeback',
  'src/routing',
  'src/learning',
  'src/monitoring',
];
/**
 * Wiring: may import anything; imported by nothing else. src/crm holds the per-CRM jobs (connect,
 * sync, writeback, owner routing) that the server, the workers and the CLI all run.
 */
export const WIRING = ['src/server', 'src/workers', 'src/crm', 'src/cli', 'connectors/index'];
/** Sources of data: import only src/domain (and, for connectors, connectors/shared). */
export const SOURCES = ['src/synthetic'];
/** Exceptions, each with its reason. */
const ALLOWED = new Set([
  // The generator writes the CSV bundle format that the file connector defines.
  'src/synthetic -> connectors/file',
]);

/** The area a project file belongs to, or null for files the rule leaves alone (tests, tools). */
export function areaOf(relativePath) {
  const p = relativePath.split(path.sep).join('/');
  if (/(^|\/)(test|bench|tools|__tests__)\//.test(p) || /\.test\.[cm]?[jt]s$/.test(p)) return null;
  if (p === 'connectors/index.ts' || p === 'connectors/index.js') return 'connectors/index';
  const connector = /^connectors\/([^/]+)\//.exec(p);
  if (connector) return `connectors/${connector[1]}`;
  const src = /^src\/([^/]+)\//.exec(p);
  if (src) return `src/${src[1]}`;
  return null;
}

/** Why `from` may not import `to`, or null when it may. */
export function violation(from, to) {
  if (from === to || to === 'src/domain') return null;
  if (from.startsWith('connectors/') && to === 'connectors/shared') return null;
  if (ALLOWED.has(`${from} -> ${to}`)) return null;
  if (WIRING.includes(from)) return null;
  if (WIRING.includes(to)) return `${to} is wiring: nothing but the wiring imports it`;
  if (to.startsWith('connectors/')) {
    return `connectors register themselves and are loaded only by the wiring (server, workers, cli); use the connector interfaces in src/domain`;
  }
  if (SOURCES.includes(to)) return `${to} is a data source: only the wiring loads it`;
  if (from.startsWith('connectors/') || SOURCES.includes(from)) return `${from} is a source: it may import only src/domain`;
  const fromStep = STEPS.indexOf(from);
  const toStep = STEPS.indexOf(to);
  if (fromStep === -1) return `${from} is not in the layer list; add it to tools/eslint/layers.js`;
  if (toStep === -1) return `${to} is not in the layer list; add it to tools/eslint/layers.js`;
  if (toStep > fromStep) return `${to} comes after ${from} in the flow (${STEPS.map((s) => s.slice(4)).join(' -> ')})`;
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the one-way data flow between folders' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: { forbidden: '{{from}} may not import {{to}}: {{why}}.' },
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const file = context.filename;
    const from = areaOf(path.relative(root, file));
    if (!from) return {};
    /** @param {any} node */
    const check = (node) => {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      if (!source.value.startsWith('.')) return;
      const target = path.relative(root, path.resolve(path.dirname(file), source.value));
      const to = areaOf(target);
      if (!to) return;
      const why = violation(from, to);
      if (why) context.report({ node: source, messageId: 'forbidden', data: { from, to, why } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { layers: layersRule } };
