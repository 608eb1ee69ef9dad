// Create or drop a database on the CI Postgres server: `node tools/ci-database.mjs create|drop URL`.
// The URL names the database; the statement runs through the server's "postgres" database.
import pg from 'pg';

const [action, url] = process.argv.slice(2);
if (!['create', 'drop'].includes(action) || !url) {
  console.error('usage: node tools/ci-database.mjs create|drop postgres://user@host:port/name');
  process.exit(2);
}
const target = new URL(url);
const name = target.pathname.slice(1);
if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`database name "${name}" must be lower case letters, digits and _`);
target.pathname = '/postgres';
const client = new pg.Client({ connectionString: target.toString() });
await client.connect();
try {
  if (action === 'create') await client.query(`CREATE DATABASE ${name}`);
  else await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
} finally {
  await client.end();
}
