import fs from 'node:fs';
import path from 'node:path';
import { LeadscoreError } from '../domain/index.js';

interface LockInfo {
  pid: number;
  command: string;
  since: string;
}

export interface DirectoryLock {
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

/**
 * PGlite's files may only be open in one process: a second one would corrupt them. The lock is a
 * file created atomically beside them; a lock left by a process that no longer runs is taken over.
 */
export function lockDirectory(dir: string, command: string): DirectoryLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'leadscore.lock');
  const info: LockInfo = { pid: process.pid, command, since: new Date().toISOString() };

  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const current = readLock(file);
        if (current?.pid === process.pid) fs.rmSync(file, { force: true });
      };
      process.once('exit', release);
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(file);
      if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
        throw new LeadscoreError(
          'DATABASE_LOCKED',
          `the embedded database in ${dir} is in use by another Leadscore process ` +
            `(pid ${holder.pid}, "${holder.command}", since ${holder.since}). ` +
            'Only one process may open it at a time: stop that process first, or run both against a Postgres server by setting DATABASE_URL.',
        );
      }
      // Stale: its process is gone (or it is our own from a crashed earlier open).
      fs.rmSync(file, { force: true });
    }
  }
  throw new LeadscoreError('DATABASE_LOCKED', `could not take the lock ${file}; another process keeps creating it`);
}
