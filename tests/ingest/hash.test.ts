import { sha256Hex } from '../../src/ingest/hash';

describe('sha256Hex', () => {
  it('matches known digests', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes the UTF-8 bytes, so NFC and NFD spellings differ', () => {
    expect(sha256Hex('é')).toMatch(/^[0-9a-f]{64}$/);
    expect(sha256Hex('é')).not.toBe(sha256Hex('e\u0301'));
  });
});
