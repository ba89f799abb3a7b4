/**
 * cp1252 (windows-1252) to text. Not `new TextDecoder('windows-1252')`: Node ≥ 20.18.3 decodes it as
 * Latin-1, so 0x96 comes out as the C1 control U+0096 instead of the en dash of `Tarifa Social – faixa 01`
 * (nodejs/node#60888, #56542). Bytes 0x80–0x9F follow the WHATWG index; the five it leaves to the C1
 * controls (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay as they are.
 */
const HIGH: Record<number, string> = {
  128: '\u20ac',
  130: '\u201a',
  131: '\u0192',
  132: '\u201e',
  133: '\u2026',
  134: '\u2020',
  135: '\u2021',
  136: '\u02c6',
  137: '\u2030',
  138: '\u0160',
  139: '\u2039',
  140: '\u0152',
  142: '\u017d',
  145: '\u2018',
  146: '\u2019',
  147: '\u201c',
  148: '\u201d',
  149: '\u2022',
  150: '\u2013',
  151: '\u2014',
  152: '\u02dc',
  153: '\u2122',
  154: '\u0161',
  155: '\u203a',
  156: '\u0153',
  158: '\u017e',
  159: '\u0178',
};

export function decodeCp1252(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\u0080-\u009f]/g, (ch) => HIGH[ch.charCodeAt(0)] ?? ch);
}
