// tsc compiles TypeScript only; the SQL migrations travel beside the compiled store. The folder is
// replaced, not merged, so a migration renamed or removed in src never lingers in dist.
import fs from 'node:fs';
fs.rmSync('dist/src/store/migrations', { recursive: true, force: true });
fs.cpSync('src/store/migrations', 'dist/src/store/migrations', { recursive: true });
fs.cpSync('src/server/web/assets', 'dist/src/server/web/assets', { recursive: true });
