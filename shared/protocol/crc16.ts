/**
 * CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0.
 * Check value: "123456789" → 0x29B1 (protocol.md §4.1). Table-driven: the framer runs it on every line.
 */
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  TABLE[i] = c;
}

/** CRC over `data[start, end)`; strings are taken as Latin-1 bytes (AICSS lines are ASCII). */
export function crc16CcittFalse(data: Uint8Array | string, start = 0, end = data.length): number {
  let crc = 0xffff;
  if (typeof data === 'string') {
    for (let i = start; i < end; i++)
      crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ data.charCodeAt(i)) & 0xff]!;
  } else {
    for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ data[i]!) & 0xff]!;
  }
  return crc;
}
