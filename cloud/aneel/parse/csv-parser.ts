/**
 * A small streaming parser for ANEEL's `;`-separated files: fields quoted with `"` (a doubled `""` inside is
 * one quote) or bare; records end at CRLF, LF or a lone CR; a line break inside quotes belongs to the
 * field; empty lines are skipped. Lenient like the files demand: a quote inside a bare field is text, and
 * text after a closing quote is kept (`"abc"x` → `abcx`). Written for speed with indexOf over whole
 * chunks: a 290-byte tariff row costs about a microsecond instead of csv-parse's tens.
 */
export interface ParsedRecord {
  fields: string[];
  /** Physical line (1-based) the record starts on. */
  line: number;
}

const QUOTE = 34;
const SEMI = 59;
const LF = 10;
const CR = 13;

export class CsvParser {
  private rest = '';
  private line = 1;
  private started = false;

  /** Feeds text; returns the records completed by it. The last, unfinished record waits for more text. */
  push(text: string): ParsedRecord[] {
    let buf = this.rest + text;
    if (!this.started && buf.length > 0) {
      this.started = true;
      if (buf.charCodeAt(0) === 0xfeff) buf = buf.slice(1);
    }
    const out: ParsedRecord[] = [];
    const consumed = this.parse(buf, out, false);
    this.rest = buf.slice(consumed);
    return out;
  }

  /** The input ended: the unfinished record, if any, is complete (a missing final newline is normal). */
  end(): ParsedRecord[] {
    const out: ParsedRecord[] = [];
    this.parse(this.rest, out, true);
    this.rest = '';
    return out;
  }

  /** Parses whole records from `s` into `out`; returns how many characters they used. */
  private parse(s: string, out: ParsedRecord[], final: boolean): number {
    const n = s.length;
    let pos = 0;
    while (pos < n) {
      const c0 = s.charCodeAt(pos);
      // skip empty lines
      if (c0 === LF) {
        pos++;
        this.line++;
        continue;
      }
      if (c0 === CR) {
        if (pos + 1 >= n && !final) return pos; // may be the first half of a CRLF
        pos += s.charCodeAt(pos + 1) === LF ? 2 : 1;
        this.line++;
        continue;
      }
      const start = pos;
      const startLine = this.line;
      const fields: string[] = [];
      let lines = 0;
      let i = pos;
      let done = false;
      for (;;) {
        let value: string;
        if (s.charCodeAt(i) === QUOTE) {
          let j = i + 1;
          let text = '';
          for (;;) {
            const q = s.indexOf('"', j);
            if (q === -1) {
              if (!final) return start;
              text += s.slice(j); // unterminated quote at the end of the file: keep what is there
              i = n;
              break;
            }
            text += s.slice(j, q);
            if (s.charCodeAt(q + 1) === QUOTE) {
              text += '"';
              j = q + 2;
              continue;
            }
            if (q + 1 === n && !final) return start; // cannot tell `"` from `""` yet
            i = q + 1;
            break;
          }
          for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) lines++;
          // lenient: anything between the closing quote and the delimiter is kept
          const tail = nextBreak(s, i);
          if (tail > i) text += s.slice(i, tail);
          i = tail;
          value = text;
        } else {
          const end = nextBreak(s, i);
          value = s.slice(i, end);
          i = end;
        }
        fields.push(value);
        if (i >= n) {
          if (!final) return start;
          done = true;
          break;
        }
        const c = s.charCodeAt(i);
        if (c === SEMI) {
          i++;
          if (i >= n && !final) return start;
          continue;
        }
        // CR or LF: end of record
        if (c === CR) {
          if (i + 1 >= n && !final) return start;
          i += s.charCodeAt(i + 1) === LF ? 2 : 1;
        } else i++;
        break;
      }
      this.line += lines + 1;
      out.push({ fields, line: startLine });
      pos = i;
      if (done) break;
    }
    return pos;
  }
}

/** Index of the next `;`, CR or LF at or after `from` (or the length of `s`). */
function nextBreak(s: string, from: number): number {
  const n = s.length;
  for (let i = from; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === SEMI || c === LF || c === CR) return i;
  }
  return n;
}
