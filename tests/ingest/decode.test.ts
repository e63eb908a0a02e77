import { decodeText } from '../../src/ingest/decode';

describe('decodeText', () => {
  it('decodes UTF-8, dropping a BOM', () => {
    expect(decodeText(Buffer.from('\uFEFFcafé', 'utf8'))).toEqual({ ok: true, text: 'café' });
  });

  it('decodes UTF-16 with a BOM', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('été', 'utf16le')]);
    expect(decodeText(le)).toEqual({ ok: true, text: 'été' });
    const be = Buffer.from([0xfe, 0xff, 0x00, 0x68, 0x00, 0xe9]);
    expect(decodeText(be)).toEqual({ ok: true, text: 'hé' });
  });

  it('falls back to Windows-1252 for legacy 8-bit text', () => {
    const text = '\u201CCafé au lait\u201D coûte 3 €, très cher.';
    const bytes = Buffer.from(Array.from(text, (ch) => ({ '\u201C': 0x93, '\u201D': 0x94, '€': 0x80 })[ch] ?? ch.charCodeAt(0)));
    expect(decodeText(bytes)).toEqual({ ok: true, text });
  });

  it('keeps UTF-8 when only a few bytes are invalid', () => {
    const bytes = Buffer.concat([Buffer.from('déjà vu, très bien, ça ', 'utf8'), Buffer.from([0xff]), Buffer.from(' fin', 'utf8')]);
    expect(decodeText(bytes)).toEqual({ ok: true, text: 'déjà vu, très bien, ça \uFFFD fin' });
  });

  it('refuses NUL bytes, control bytes and mostly-invalid sequences as binary', () => {
    expect(decodeText(Buffer.from([0x41, 0x00, 0x42]))).toEqual({ ok: false, reason: 'binary content (contains NUL bytes)' });
    expect(decodeText(Buffer.from('ab\u0001\u0002\u0003cd'))).toEqual({ ok: false, reason: 'binary content (control bytes)' });
    const invalid = Buffer.alloc(100, 0xc3); // lead bytes with no continuation
    expect(decodeText(invalid)).toEqual({ ok: false, reason: 'binary content (not valid UTF-8 text)' });
  });

  it('allows tabs, form feeds, CR and ESC (ANSI logs) in text', () => {
    expect(decodeText(Buffer.from('a\tb\fc\r\nd\u001b[0m'))).toMatchObject({ ok: true });
  });
});
