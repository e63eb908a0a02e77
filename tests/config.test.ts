import { flagName, loadConfig, parseSettingFlags, SETTINGS } from '../src/config';
import { SobreError } from '../src/errors';

describe('loadConfig', () => {
  it('applies defaults and resolves paths against cwd', () => {
    const c = loadConfig({}, {}, '/srv/sobre');
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir).toBe('/srv/sobre/indexes');
    expect(c.embedder).toBe('use-lite');
    expect(c.generator).toBe('none');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('lets flags win over the environment', () => {
    const { flags, rest } = parseSettingFlags(['--port', '8080', 'a.md', '--data-dir=/tmp/x', '--prune']);
    expect(rest).toEqual(['a.md', '--prune']);
    const c = loadConfig({ PORT: '9000', SOBRE_DATA_DIR: '/env' }, flags);
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe('/tmp/x');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SOBRE_CHUNK_SIZE: '12.5' }, 'SOBRE_CHUNK_SIZE'],
    [{ SOBRE_GENERATOR: 'gpt' }, 'SOBRE_GENERATOR'],
    [{ SOBRE_EMBEDDER: 'word2vec' }, 'SOBRE_EMBEDDER'],
    [{ SOBRE_LOCAL_FILES_ONLY: 'maybe' }, 'SOBRE_LOCAL_FILES_ONLY'],
    [{ SOBRE_CHUNK_SIZE: '200', SOBRE_CHUNK_OVERLAP: '300' }, 'SOBRE_CHUNK_OVERLAP'],
    [{ SOBRE_API_KEYS: 'nocolon' }, 'SOBRE_API_KEYS'],
  ])('refuses %j naming %s and the value', (env, name) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SobreError);
    expect((err as SobreError).code).toBe('bad_config');
    expect((err as SobreError).message).toContain(name);
  });

  it('names the flag when the bad value came from a flag', () => {
    expect(() => loadConfig({}, { topK: '0' })).toThrow(/--top-k="0"/);
  });

  it('has a flag for every setting', () => {
    for (const key of Object.keys(SETTINGS)) expect(flagName(key)).toMatch(/^--[a-z][a-z-]*$/);
  });
});
