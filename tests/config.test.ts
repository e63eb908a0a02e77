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

  it('reads a range setting as a value or low-high, and an optional number as null when empty', () => {
    const c = loadConfig({ SOBRE_LLM_PARAMS_B: '7', SOBRE_PUE: '1.09-1.14', SOBRE_WUE_ONSITE_L_PER_KWH: '1e-1-2e-1' });
    expect(c.llmParamsB).toEqual({ min: 7, max: 7 });
    expect(c.pue).toEqual({ min: 1.09, max: 1.14 });
    expect(c.wueOnSite).toEqual({ min: 0.1, max: 0.2 });
    expect(c.gridIntensity).toBeNull();
    expect(loadConfig({ SOBRE_GRID_GCO2_PER_KWH: '56' }).gridIntensity).toBe(56);
  });

  it.each([
    [{ SOBRE_PUE: '1.3-1.1' }, /SOBRE_PUE="1.3-1.1": the range must go from low to high/],
    [{ SOBRE_PUE: '0.5-1.2' }, /SOBRE_PUE="0.5-1.2": must be >= 1/],
    [{ SOBRE_LLM_PARAMS_B: '7B' }, /SOBRE_LLM_PARAMS_B="7B": expected a number or a range/],
    [{ SOBRE_GRID_GCO2_PER_KWH: 'low' }, /SOBRE_GRID_GCO2_PER_KWH="low": expected a number/],
  ])('refuses the range or optional number %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('refuses a removed setting and says what replaced it', () => {
    expect(() => loadConfig({ SOBRE_ENERGY_SPREAD: '2' })).toThrow(/SOBRE_ENERGY_SPREAD was removed: ranges now come from/);
  });

  it('names the flag when the bad value came from a flag', () => {
    expect(() => loadConfig({}, { topK: '0' })).toThrow(/--top-k="0"/);
  });

  it('has a flag for every setting', () => {
    for (const key of Object.keys(SETTINGS)) expect(flagName(key)).toMatch(/^--[a-z][a-z-]*$/);
  });
});
