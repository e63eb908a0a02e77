/** Bytes of a text-format file → string, or why the bytes are not text. */
export type Decoded = { ok: true; text: string } | { ok: false; reason: string };

/** Control bytes that never appear in text files (everything below 0x20 except \t \n \v \f \r and ESC). */
function isControlByte(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0b && b !== 0x0c && b !== 0x0d && b !== 0x1b) || b === 0x7f;
}

const MAX_CONTROL_RATIO = 0.01;
const MAX_INVALID_RATIO = 0.5;

/**
 * Decode a text file: UTF-8 (with or without BOM), UTF-16 with a BOM, or, when the bytes are not
 * UTF-8 but otherwise look like text, Windows-1252 (legacy Latin-1 files, common for French text).
 * NUL bytes, control bytes or a high share of invalid sequences mean the file is binary.
 */
export function decodeText(buf: Uint8Array): Decoded {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return { ok: true, text: new TextDecoder('utf-16le').decode(buf) };
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return { ok: true, text: new TextDecoder('utf-16be').decode(buf) };
  if (buf.includes(0)) return { ok: false, reason: 'binary content (contains NUL bytes)' };
  let controls = 0;
  for (const b of buf) if (isControlByte(b)) controls++;
  if (controls > buf.length * MAX_CONTROL_RATIO) return { ok: false, reason: 'binary content (control bytes)' };
  try {
    // ignoreBOM: false (the default) drops a UTF-8 BOM.
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(buf) };
  } catch {
    // Not valid UTF-8: fall through to the heuristics below.
  }
  const lossy = new TextDecoder('utf-8').decode(buf);
  let invalid = 0;
  let validNonAscii = 0;
  for (const ch of lossy) {
    if (ch === '\uFFFD') invalid++;
    else if (ch.charCodeAt(0) > 0x7f) validNonAscii++;
  }
  if (invalid > lossy.length * MAX_INVALID_RATIO) return { ok: false, reason: 'binary content (not valid UTF-8 text)' };
  // A few bad bytes in an otherwise UTF-8 file: keep UTF-8 (the bad bytes become U+FFFD).
  if (validNonAscii >= invalid) return { ok: true, text: lossy };
  return { ok: true, text: decodeWindows1252(buf) };
}

// Windows-1252 bytes 0x80–0x9F (Node's TextDecoder('windows-1252') decodes them as C1 controls).
// The five unassigned bytes map to themselves, as in the WHATWG encoding standard.
const CP1252_HIGH =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

function decodeWindows1252(buf: Uint8Array): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
}
