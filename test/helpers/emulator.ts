import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface EmulatorState {
  records: Record<string, Record<string, unknown>>;
  writes: Array<{ crm: string; id: string; fields: Record<string, unknown> }>;
  calls: number;
  limited: number;
  failed: number;
  rejectedBatches: number;
}

/** The CRM emulator (test/crm-emulator/server.mjs) in its own process. */
export class CrmEmulator {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static start(): Promise<CrmEmulator> {
    const child = spawn(process.execPath, [path.resolve(import.meta.dirname, '../crm-emulator/server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.stdout!.once('data', (chunk: Buffer) => {
        const port = /listening (\d+)/.exec(chunk.toString())?.[1];
        if (!port) reject(new Error(`the emulator said ${chunk.toString()}`));
        else resolve(new CrmEmulator(child, `http://127.0.0.1:${port}`));
      });
    });
  }

  async configure(config: Record<string, unknown>): Promise<void> {
    await fetch(`${this.url}/__admin/config`, { method: 'POST', body: JSON.stringify(config) });
  }

  async reset(): Promise<void> {
    await fetch(`${this.url}/__admin/reset`, { method: 'POST' });
  }

  async state(): Promise<EmulatorState> {
    return (await (await fetch(`${this.url}/__admin/state`)).json()) as EmulatorState;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await new Promise((r) => this.child.once('exit', r));
  }
}
