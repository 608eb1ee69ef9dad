import { describe, expect, it } from 'vitest';
import { parseAmount, parseIsoDate } from './values.js';

describe('parseIsoDate', () => {
  it.each([
    ['2024-03-05', '2024-03-05T00:00:00.000Z'],
    ['2024-03-05T14:30:00Z', '2024-03-05T14:30:00.000Z'],
    ['2024-03-05T14:30Z', '2024-03-05T14:30:00.000Z'],
    ['2024-03-05 14:30:15', '2024-03-05T14:30:15.000Z'],
    ['2024-03-05T14:30:15.123456Z', '2024-03-05T14:30:15.123Z'],
    ['2024-03-05T14:30:00+02:00', '2024-03-05T12:30:00.000Z'],
    ['2024-03-05T14:30:00-0530', '2024-03-05T20:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseIsoDate(text)?.toISOString()).toBe(iso);
  });

  it.each(['2024-02-30', '2023-02-29', '2024-13-01', '05/03/2024', '2024-03-05T25:00:00Z', 'yesterday', '', '2024-03-05T10:00:00+19:00'])(
    'refuses %s',
    (text) => {
      expect(parseIsoDate(text)).toBeNull();
    },
  );
});

describe('parseAmount', () => {
  it.each([
    ['1200', 1200],
    ['1,200', 1200],
    ['1 200 000', 1_200_000],
    ['$1,200.50', 1200.5],
    ['1.2M', 1_200_000],
    ['250k', 250_000],
    ['3bn', 3e9],
    ['0', 0],
  ])('reads %s', (text, value) => {
    expect(parseAmount(text)).toBe(value);
  });

  it.each(['51-200', 'about 50', '-5', '1,20', 'n/a', '1.2.3'])('refuses %s', (text) => {
    expect(parseAmount(text)).toBeNull();
  });
});
