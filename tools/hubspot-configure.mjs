// Writes the Leadscore server's public URL into every file of hubspot-app/ that names it: the
// OAuth redirect URL and the permitted fetch origin (app-hsmeta.json), the webhook target
// (webhooks-hsmeta.json) and the origin each extension calls (cards/ and settings/ app-url.ts,
// one per folder because HubSpot bundles each extension from its own folder).
//   npm run hubspot:configure -- --public-url https://leadscore.acme.com   (or PUBLIC_URL=...)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HUBSPOT_APP_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'hubspot-app');

/** Files under hubspot-app/src/app that carry the URL. */
export const FILES = {
  app: 'src/app/app-hsmeta.json',
  webhooks: 'src/app/webhooks/webhooks-hsmeta.json',
  extensions: ['src/app/cards/app-url.ts', 'src/app/settings/app-url.ts'],
};

/**
 * The origin HubSpot may call: https (HubSpot refuses plain http in permitted URLs), no path,
 * query or credentials. Throws a message naming what is wrong.
 * @param {string | undefined} input
 * @returns {string}
 */
export function publicOrigin(input) {
  if (!input) throw new Error('give the server\'s public URL: --public-url https://leadscore.example.com (or set PUBLIC_URL)');
  let url;
  try {
    url = new URL(input);
  } catch {
    throw new Error(`--public-url "${input}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw new Error(`--public-url "${input}" must use https: HubSpot calls only https origins`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new Error(`--public-url "${input}" must be an origin only (https://host[:port]), with no path, query or credentials: the server answers at its root`);
  }
  return url.origin;
}

const extensionSource = (origin) => `// Written by \`npm run hubspot:configure\` (tools/hubspot-configure.mjs); edit with it, not by hand.
/** The Leadscore server this extension calls; listed in app-hsmeta.json \`permittedUrls.fetch\`. */
export const LEADSCORE_BASE_URL = ${JSON.stringify(origin)};
`;

const readJson = (root, file) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
const writeJson = (root, file, value) => fs.writeFileSync(path.join(root, file), `${JSON.stringify(value, null, 2)}\n`);

/**
 * Write `origin` into every file that names the app's URL; other fields stay as they are.
 * @param {string} root hubspot-app directory
 * @param {string} origin from publicOrigin
 * @returns {string[]} the files written, relative to root
 */
export function configureHubspotApp(root, origin) {
  const app = readJson(root, FILES.app);
  app.config.auth.redirectUrls = [`${origin}/oauth/hubspot/callback`];
  app.config.permittedUrls.fetch = [origin];
  const webhooks = readJson(root, FILES.webhooks);
  webhooks.config.settings.targetUrl = `${origin}/webhooks/hubspot`;
  writeJson(root, FILES.app, app);
  writeJson(root, FILES.webhooks, webhooks);
  for (const file of FILES.extensions) fs.writeFileSync(path.join(root, file), extensionSource(origin));
  return [FILES.app, FILES.webhooks, ...FILES.extensions];
}

/**
 * Every place the URL appears, as written now (for the check that they agree).
 * @param {string} root
 * @returns {Record<string, string>} place -> URL found there
 */
export function configuredUrls(root) {
  const app = readJson(root, FILES.app);
  const webhooks = readJson(root, FILES.webhooks);
  const found = {
    [`${FILES.app} auth.redirectUrls`]: app.config.auth.redirectUrls.join(' '),
    [`${FILES.app} permittedUrls.fetch`]: app.config.permittedUrls.fetch.join(' '),
    [`${FILES.webhooks} settings.targetUrl`]: webhooks.config.settings.targetUrl,
  };
  for (const file of FILES.extensions) {
    const match = /LEADSCORE_BASE_URL = ("[^"]*")/.exec(fs.readFileSync(path.join(root, file), 'utf8'));
    found[file] = match ? JSON.parse(match[1]) : '(no LEADSCORE_BASE_URL)';
  }
  return found;
}

function main(argv, env) {
  const at = argv.indexOf('--public-url');
  const given = at >= 0 ? argv[at + 1] : (argv.find((a) => a.startsWith('--public-url='))?.slice('--public-url='.length) ?? env.PUBLIC_URL);
  const origin = publicOrigin(given);
  const written = configureHubspotApp(HUBSPOT_APP_DIR, origin);
  console.log(`hubspot-app now points at ${origin}:\n${written.map((f) => `  hubspot-app/${f}`).join('\n')}\nUpload with \`hs project upload\` from hubspot-app/.`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`hubspot:configure: ${err.message}`);
    process.exitCode = 1;
  }
}
