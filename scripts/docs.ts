/** `npm run docs`: regenerate the README's configuration table from src/config.ts. */
import fs from 'node:fs';
import path from 'node:path';
import { settingsMarkdown } from '../src/config';

const START = '<!-- settings-table:start -->';
const END = '<!-- settings-table:end -->';
const readme = path.resolve(__dirname, '../../README.md');
const text = fs.readFileSync(readme, 'utf8');
const a = text.indexOf(START);
const b = text.indexOf(END);
if (a < 0 || b < a) {
  console.error(`README.md has no ${START} … ${END} section`);
  process.exit(1);
}
fs.writeFileSync(readme, `${text.slice(0, a + START.length)}\n${settingsMarkdown()}\n${text.slice(b)}`);
console.log('README.md configuration table updated');
