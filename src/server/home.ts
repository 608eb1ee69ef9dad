import type { TenantCounts, ImportRun } from '../store/index.js';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface HomeModel {
  databaseKind: 'embedded' | 'server';
  schemaVersion: number;
  demo: { tenant: string; counts: TenantCounts; lastImport: ImportRun | null } | null;
}

/** The health page: is Leadscore up, on which database, and what the demo tenant holds. */
export function homePage(model: HomeModel): string {
  const db = model.databaseKind === 'embedded' ? 'embedded Postgres (PGlite)' : 'Postgres server';
  let demo = '<p>No demo tenant (DEMO_TENANT is empty).</p>';
  if (model.demo) {
    const c = model.demo.counts;
    const closed = c.outcomes;
    const rate = closed > 0 ? `${((100 * c.converted) / closed).toFixed(1)}%` : 'n/a';
    const last = model.demo.lastImport;
    demo = `<h2>Demo tenant <code>${escape(model.demo.tenant)}</code></h2>
<table>
<tr><th>Leads</th><td>${c.leads}</td></tr>
<tr><th>Open leads (no outcome yet)</th><td>${c.openLeads}</td></tr>
<tr><th>Activities</th><td>${c.activities}</td></tr>
<tr><th>Outcomes</th><td>${c.outcomes} (${c.converted} converted, ${rate})</td></tr>
<tr><th>Last import</th><td>${last ? `${escape(last.status)} at ${last.startedAt.toISOString()}` : 'none'}</td></tr>
</table>`;
  }
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Leadscore</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:40rem;color:#181818}
th{text-align:left;padding-right:1.5rem;font-weight:600}code{background:#f3f3f3;padding:0 .25rem}
.ok{color:#2e844a;font-weight:600}</style></head>
<body>
<h1>Leadscore</h1>
<p class="ok" role="status">Running</p>
<p>Database: ${db}, schema version ${model.schemaVersion}. Machine-readable status: <a href="/health">/health</a>.</p>
${demo}
</body>
</html>
`;
}
