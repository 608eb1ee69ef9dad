import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TenantId } from '../domain/index.js';
import { loadModelFolder, writeModelFolder, type LoadedModelSet } from '../model/artifact.js';
import type { ModelSet } from '../model/model-set.js';
import { readModelFiles, type Queryable } from '../store/index.js';

/** A model set as the files of its folder (ONNX, trees, manifest, card), ready to store as bytes. */
export function modelSetFiles(set: ModelSet, card: string): Array<{ name: string; bytes: Uint8Array }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-model-'));
  try {
    writeModelFolder(set, dir, card);
    return fs.readdirSync(dir).sort().map((name) => ({ name, bytes: fs.readFileSync(path.join(dir, name)) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Write a stored version's files into `<cacheDir>/<tenant>/<version>` (once; the folder appears
 * whole or not at all) and load it. Files whose bytes no longer match their recorded SHA-256, or
 * that do not load, are refused with the version and file named.
 */
export async function loadStoredVersion(db: Queryable, tenant: TenantId, version: string, cacheDir: string): Promise<LoadedModelSet> {
  const dir = path.join(cacheDir, tenant, version);
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    const files = await readModelFiles(db, tenant, version);
    if (files.length === 0) throw new Error(`model version ${version} has no stored files`);
    for (const f of files) {
      if (createHash('sha256').update(f.bytes).digest('hex') !== f.sha256) throw new Error(`model version ${version}: ${f.name} is corrupt (its bytes do not match the SHA-256 recorded when it was stored)`);
    }
    const staging = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    fs.mkdirSync(staging, { recursive: true });
    for (const f of files) fs.writeFileSync(path.join(staging, f.name), f.bytes);
    try {
      fs.renameSync(staging, dir);
    } catch (err) {
      // Another process wrote the same version first: its copy is as good as ours.
      fs.rmSync(staging, { recursive: true, force: true });
      if (!fs.existsSync(path.join(dir, 'manifest.json'))) throw err;
    }
  }
  try {
    return await loadModelFolder(dir);
  } catch (err) {
    // A folder that does not load is not kept: the next attempt reads the database again.
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`model version ${version} does not load: ${(err as Error).message}`);
  }
}
