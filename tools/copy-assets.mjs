// tsc compiles TypeScript only; the SQL migrations travel beside the compiled store.
import fs from 'node:fs';
fs.cpSync('src/store/migrations', 'dist/src/store/migrations', { recursive: true });
fs.cpSync('src/server/web/assets', 'dist/src/server/web/assets', { recursive: true });
