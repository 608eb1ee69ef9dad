#!/usr/bin/env node
// The CLI is TypeScript compiled by `npm run build` (run by npm install through "prepare").
import '../dist/src/cli/main.js';
