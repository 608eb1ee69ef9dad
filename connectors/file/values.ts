import { z } from 'zod';

/**
 * Field parsers for the bundle's text values, as zod schemas so that a row's problems come out
 * as issues on the column at fault. Messages say what was expected with an example.
 */

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * An ISO 8601 date or date-time. A time without an offset is taken as UTC, as is a bare date
 * (midnight UTC). Impossible dates (2024-02-30) are refused rather than rolled over.
 */
export function parseIsoDate(text: string): Date | null {
  const m = ISO_DATE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  let time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    if (offsetMinutes > 18 * 60) return null;
    time -= sign * offsetMinutes * 60_000;
  }
  return new Date(time);
}

const MAGNITUDE: Record<string, number> = { k: 1e3, m: 1e6, mm: 1e6, b: 1e9, bn: 1e9 };

/**
 * A non-negative number as exports write them: 1200, 1,200, 1 200, 1200.50, $1,200, 1.2M, 250k.
 * Ranges ("51-200") and words are refused: they have no single value.
 */
export function parseAmount(text: string): number | null {
  const m = /^\$?\s*((?:\d{1,3}(?:[, ]\d{3})+|\d+)(?:\.\d+)?)\s*(k|m|mm|b|bn)?$/i.exec(text);
  if (!m) return null;
  const value = Number(m[1]!.replace(/[, ]/g, '')) * (m[2] ? MAGNITUDE[m[2].toLowerCase()]! : 1);
  return Number.isFinite(value) ? value : null;
}

const quoted = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);

export const requiredText = z
  .string()
  .transform((s) => s.trim())
  .refine((s) => s.length > 0, 'is empty; a value is required');

export const optionalText = z.string().transform((s) => {
  const t = s.trim();
  return t === '' ? null : t;
});

export const requiredDate = z.string().transform((s, ctx) => {
  const t = s.trim();
  if (t === '') {
    ctx.addIssue({ code: 'custom', message: 'is empty; a date is required (ISO 8601, e.g. 2024-03-05T14:30:00Z)' });
    return z.NEVER;
  }
  const date = parseIsoDate(t);
  if (!date) {
    ctx.addIssue({ code: 'custom', message: `${quoted(t)} is not an ISO 8601 date (e.g. 2024-03-05 or 2024-03-05T14:30:00Z)` });
    return z.NEVER;
  }
  return date;
});

export const optionalWholeNumber = z.string().transform((s, ctx) => {
  const t = s.trim();
  if (t === '') return null;
  const n = parseAmount(t);
  if (n === null || !Number.isInteger(n) || n > 2_147_483_647) {
    ctx.addIssue({ code: 'custom', message: `${quoted(t)} is not a whole number (e.g. 250 or 1,200)` });
    return z.NEVER;
  }
  return n;
});

export const optionalAmount = z.string().transform((s, ctx) => {
  const t = s.trim();
  if (t === '') return null;
  const n = parseAmount(t);
  if (n === null) {
    ctx.addIssue({ code: 'custom', message: `${quoted(t)} is not an amount (e.g. 1200000, 1,200,000 or 1.2M)` });
    return z.NEVER;
  }
  return n;
});

const TRUE = new Set(['1', 'true', 'yes', 'y']);
const FALSE = new Set(['0', 'false', 'no', 'n']);

export const requiredBoolean = z.string().transform((s, ctx) => {
  const t = s.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  ctx.addIssue({ code: 'custom', message: `${quoted(s.trim())} is not 1/0 or true/false` });
  return z.NEVER;
});
