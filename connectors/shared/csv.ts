/**
 * A streaming CSV reader (RFC 4180: comma separated, fields quoted with ", "" for a quote inside,
 * line breaks allowed inside quotes) that knows on which line each record starts, as an editor
 * shows it, and recovers from a broken record without losing the rows after it.
 */

export interface CsvRecord {
  kind: 'record';
  fields: string[];
  /** Line where the record starts; the first line of the file is 1. */
  line: number;
}

export interface CsvProblem {
  kind: 'problem';
  line: number;
  /** Field position (0-based) where the problem is, when it is in one field. */
  fieldIndex: number | null;
  reason: string;
}

export type CsvItem = CsvRecord | CsvProblem;

const QUOTE = 34;
const LF = 10;
const CR = 13;

type Parsed =
  | { kind: 'record'; fields: string[]; end: number }
  | { kind: 'problem'; fieldIndex: number | null; reason: string; end: number }
  | { kind: 'incomplete'; unclosedQuoteField: number | null };

export class CsvReader {
  /** Input not yet turned into records; it always starts at the beginning of a record. */
  private buffer = '';
  private line = 1;
  private started = false;
  /** Inside a line too long to be a record: input is dropped up to the next line break. */
  private skipping = false;

  /**
   * A record longer than `maxRecordChars` is taken as broken (an unclosed quote, or not a CSV
   * file). `delimiter` is the field separator: a comma unless told otherwise.
   */
  constructor(
    private readonly maxRecordChars = 1 << 20,
    private readonly delimiter = ',',
  ) {}

  push(chunk: string): CsvItem[] {
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1); // UTF-8 byte order mark
    }
    if (this.skipping) {
      const next = lineBreakEnd(chunk, 0);
      if (next === -1) return [];
      this.skipping = false;
      this.line++;
      chunk = chunk.slice(next);
    }
    this.buffer += chunk;
    return this.drain(false);
  }

  end(): CsvItem[] {
    return this.drain(true);
  }

  private drain(final: boolean): CsvItem[] {
    const items: CsvItem[] = [];
    let pos = 0;
    const buf = this.buffer;
    while (pos < buf.length) {
      // Empty lines carry no record.
      const c = buf.charCodeAt(pos);
      if (c === LF || c === CR) {
        if (c === CR && pos + 1 >= buf.length && !final) break;
        this.line++;
        pos = c === CR && buf.charCodeAt(pos + 1) === LF ? pos + 2 : pos + 1;
        continue;
      }
      const parsed = parseRecord(buf, pos, final, this.delimiter.charCodeAt(0));
      if (parsed.kind === 'incomplete') {
        if (!final && buf.length - pos <= this.maxRecordChars) break;
        items.push({
          kind: 'problem',
          line: this.line,
          fieldIndex: parsed.unclosedQuoteField,
          reason:
            parsed.unclosedQuoteField !== null
              ? 'a quoted value starts here but its closing quote is missing'
              : `the line is longer than ${this.maxRecordChars} characters; is this a CSV file?`,
        });
        // Resume at the next line: the rows after a broken one are kept.
        const next = lineBreakEnd(buf, pos);
        if (next === -1) {
          this.skipping = !final;
          pos = buf.length;
          break;
        }
        this.line++;
        pos = next;
        continue;
      }
      if (parsed.kind === 'record') items.push({ kind: 'record', fields: parsed.fields, line: this.line });
      else items.push({ kind: 'problem', line: this.line, fieldIndex: parsed.fieldIndex, reason: parsed.reason });
      this.line += countLineBreaks(buf, pos, parsed.end);
      pos = parsed.end;
    }
    this.buffer = buf.slice(pos);
    return items;
  }
}

/** Position just after the first line break at or after `from`, or -1 when there is none. */
function lineBreakEnd(buf: string, from: number): number {
  for (let i = from; i < buf.length; i++) {
    const c = buf.charCodeAt(i);
    if (c === LF) return i + 1;
    if (c === CR) return buf.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
  }
  return -1;
}

/** Line breaks (\n, \r\n or a lone \r, as editors count them) in buf[from, to). */
function countLineBreaks(buf: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = buf.charCodeAt(i);
    if (c === LF) n++;
    else if (c === CR && buf.charCodeAt(i + 1) !== LF) n++;
  }
  return n;
}

/** Parse one record starting at `start`; `end` is just past its line break. */
function parseRecord(buf: string, start: number, final: boolean, separator: number): Parsed {
  const fields: string[] = [];
  let pos = start;
  const len = buf.length;
  for (;;) {
    if (buf.charCodeAt(pos) === QUOTE) {
      let value = '';
      let from = pos + 1;
      for (;;) {
        const q = buf.indexOf('"', from);
        if (q === -1) return { kind: 'incomplete', unclosedQuoteField: fields.length };
        if (q + 1 >= len && !final) return { kind: 'incomplete', unclosedQuoteField: null };
        if (buf.charCodeAt(q + 1) === QUOTE) {
          value += buf.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += buf.slice(from, q);
        pos = q + 1;
        break;
      }
      fields.push(value);
      const c = buf.charCodeAt(pos);
      if (pos >= len) return { kind: 'record', fields, end: len };
      if (c === separator) {
        pos++;
        continue;
      }
      if (c === LF || c === CR) return recordEnd(buf, fields, pos, final);
      const end = lineBreakEnd(buf, pos);
      if (end === -1 && !final) return { kind: 'incomplete', unclosedQuoteField: null };
      return {
        kind: 'problem',
        fieldIndex: fields.length - 1,
        reason: `unexpected text after a closing quote: ${JSON.stringify(buf.slice(pos, pos + 20))}; a quote inside a quoted value is written as ""`,
        end: end === -1 ? len : end,
      };
    }
    // Unquoted field: up to the next comma or line break. A quote inside is kept as it is.
    let i = pos;
    while (i < len) {
      const c = buf.charCodeAt(i);
      if (c === separator || c === LF || c === CR) break;
      i++;
    }
    if (i >= len && !final) return { kind: 'incomplete', unclosedQuoteField: null };
    fields.push(buf.slice(pos, i));
    if (i >= len) return { kind: 'record', fields, end: len };
    if (buf.charCodeAt(i) === separator) {
      pos = i + 1;
      if (pos >= len) {
        if (!final) return { kind: 'incomplete', unclosedQuoteField: null };
        fields.push('');
        return { kind: 'record', fields, end: len };
      }
      continue;
    }
    return recordEnd(buf, fields, i, final);
  }
}

function recordEnd(buf: string, fields: string[], at: number, final: boolean): Parsed {
  if (buf.charCodeAt(at) === CR) {
    if (at + 1 >= buf.length && !final) return { kind: 'incomplete', unclosedQuoteField: null };
    return { kind: 'record', fields, end: buf.charCodeAt(at + 1) === LF ? at + 2 : at + 1 };
  }
  return { kind: 'record', fields, end: at + 1 };
}

