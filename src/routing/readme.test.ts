import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, SettingsSchema, describeIssues } from '../settings/index.js';

describe('routing README', () => {
  it('shows settings that are valid', () => {
    const text = fs.readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const example = /```json\n([\s\S]*?)\n```/.exec(text)![1]!;
    const parsed = SettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...JSON.parse(`{${example}}`) });
    expect(parsed.success ? [] : describeIssues(parsed.error)).toEqual([]);
  });
});
