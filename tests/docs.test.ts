import fs from 'node:fs';
import path from 'node:path';
import { settingsMarkdown } from '../src/config';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('README', () => {
  it('carries the configuration table generated from the settings (npm run docs)', () => {
    expect(readme).toContain(settingsMarkdown());
  });

  it('documents every npm script a user runs', () => {
    const internal = new Set(['build', 'prestart', 'pretest', 'typecheck', 'docs', 'openapi']);
    const scripts = Object.keys(pkg.scripts).filter((s) => !internal.has(s));
    expect(scripts).toEqual(expect.arrayContaining(['start', 'test', 'ingest', 'calibrate', 'eval', 'report', 'bench', 'bench:load', 'answers', 'language', 'migrate']));
    for (const script of scripts) expect(readme).toContain(script === 'start' || script === 'test' ? `npm ${script}` : `npm run ${script}`);
  });

  it('names every HTTP route the service documents in OpenAPI, with its method', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { operations } = require('../src/server/openapi') as typeof import('../src/server/openapi');
    for (const op of operations(1000)) expect(readme).toContain(`${op.method.toUpperCase()} ${op.path}`);
  });
});

describe('docs/openapi.json', () => {
  it('is the document the service serves with default settings (npm run openapi > docs/openapi.json)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildOpenApi } = require('../src/server/openapi') as typeof import('../src/server/openapi');
    const { loadConfig } = jest.requireActual('../src/config') as typeof import('../src/config');
    const config = loadConfig({});
    const served = buildOpenApi({ maxQuestionChars: config.maxQuestionChars, keysConfigured: false });
    const committed = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'docs', 'openapi.json'), 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(served)));
  });
});
