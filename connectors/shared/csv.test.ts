import { describe, expect, it } from 'vitest';
import { CsvReader, type CsvItem } from './csv.js';

function readAll(text: string, chunkSize = text.length || 1, maxRecordChars?: number): CsvItem[] {
  const reader = new CsvReader(maxRecordChars);
  const items: CsvItem[] = [];
  for (let i = 0; i < text.length; i += chunkSize) items.push(...reader.push(text.slice(i, i + chunkSize)));
  items.push(...reader.end());
  return items;
}

const records = (items: CsvItem[]) => items.flatMap((i) => (i.kind === 'record' ? [[i.line, ...i.fields]] : []));
const problems = (items: CsvItem[]) => items.flatMap((i) => (i.kind === 'problem' ? [i] : []));

describe('CsvReader', () => {
  it('reads plain, quoted and escaped fields', () => {
    const items = readAll('a,b,c\n1,"two, too","say ""hi"""\n,,\n');
    expect(records(items)).toEqual([
      [1, 'a', 'b', 'c'],
      [2, '1', 'two, too', 'say "hi"'],
      [3, '', '', ''],
    ]);
  });

  it('numbers each record by the line it starts on, across quoted line breaks, CRLF and blank lines', () => {
    const items = readAll('h1,h2\r\nx,"line one\r\nline two\nline three"\r\n\r\ny,z\n\nlast,row');
    expect(records(items)).toEqual([
      [1, 'h1', 'h2'],
      [2, 'x', 'line one\r\nline two\nline three'],
      [6, 'y', 'z'],
      [8, 'last', 'row'],
    ]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = '\uFEFFid,note\r\n1,"a ""quoted"", multi\nline"\r\n2,plain\n3,"x"\n';
    const whole = readAll(text);
    for (const size of [1, 2, 3, 5, 7]) expect(readAll(text, size)).toEqual(whole);
    expect(records(whole)[0]).toEqual([1, 'id', 'note']); // byte order mark dropped
  });

  it('keeps a quote inside an unquoted value as it is', () => {
    expect(records(readAll('a,b\n5" pipe,x\n'))).toEqual([
      [1, 'a', 'b'],
      [2, '5" pipe', 'x'],
    ]);
  });

  it('reports text after a closing quote and goes on with the next line', () => {
    const items = readAll('a,b\n"bad"x,1\nok,2\n');
    expect(problems(items)).toEqual([expect.objectContaining({ line: 2, fieldIndex: 0 })]);
    expect(problems(items)[0]!.reason).toMatch(/after a closing quote/);
    expect(records(items)).toEqual([
      [1, 'a', 'b'],
      [3, 'ok', '2'],
    ]);
  });

  it('reports a quote that is never closed and keeps the rows after its line', () => {
    const items = readAll('a,b\n1,"open\n2,fine\n3,fine\n');
    expect(problems(items)).toEqual([
      { kind: 'problem', line: 2, fieldIndex: 1, reason: 'a quoted value starts here but its closing quote is missing' },
    ]);
    expect(records(items)).toEqual([
      [1, 'a', 'b'],
      [3, '2', 'fine'],
      [4, '3', 'fine'],
    ]);
  });

  it('gives up on a record longer than the limit without holding it all in memory', () => {
    const long = 'x'.repeat(5000);
    const items = readAll(`a,b\n${long},1\nok,2\n`, 100, 1000);
    expect(problems(items)).toEqual([expect.objectContaining({ line: 2, fieldIndex: null })]);
    expect(records(items)).toEqual([
      [1, 'a', 'b'],
      [3, 'ok', '2'],
    ]);
  });
});
