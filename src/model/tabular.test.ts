import { describe, expect, it } from 'vitest';
import { encodeTabular, parseLabel, stratifiedFolds, typeColumns } from './tabular.js';

describe('tabular', () => {
  const header = ['id', 'age', 'city', 'note'];
  const rows = Array.from({ length: 40 }, (_, i) => [String(i), i % 10 === 0 ? '' : String(20 + i), i % 4 === 0 ? 'Mumbai' : 'Pune', i === 3 ? 'x' : '']);

  it('types columns from their values and encodes blanks as missing and rare values as other', () => {
    const columns = typeColumns(header, rows, [1, 2]);
    expect(columns).toEqual([
      { name: 'age', index: 1, kind: 'numeric' },
      { name: 'city', index: 2, kind: 'categorical', categories: ['Pune', 'Mumbai', 'other'] },
    ]);
    const m = encodeTabular(columns, [['0', '', 'Pune'], ['1', '33', 'Delhi']]);
    expect(Array.from(m.values)).toEqual([NaN, 0, 33, 2]);
  });

  it('reads labels in their usual spellings', () => {
    expect(['1', 'Yes', 'TRUE', 'y'].map(parseLabel)).toEqual([1, 1, 1, 1]);
    expect(['0', 'no', 'False'].map(parseLabel)).toEqual([0, 0, 0]);
    expect(parseLabel('maybe')).toBeNull();
  });

  it('splits into folds that keep each class share, the same for the same seed', () => {
    const labels = Array.from({ length: 100 }, (_, i) => (i < 20 ? 1 : 0));
    const folds = stratifiedFolds(labels, 5, 7);
    for (let k = 0; k < 5; k++) {
      const members = labels.filter((_, i) => folds[i] === k);
      expect(members).toHaveLength(20);
      expect(members.filter((y) => y === 1)).toHaveLength(4);
    }
    expect(stratifiedFolds(labels, 5, 7)).toEqual(folds);
    expect(stratifiedFolds(labels, 5, 8)).not.toEqual(folds);
    expect(() => stratifiedFolds(labels, 1, 7)).toThrow(/at least 2/);
  });
});
