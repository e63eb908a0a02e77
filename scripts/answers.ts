/**
 * `npm run answers -- list [--kind cache|faq|curated] [--namespace NAME] [--limit N] [--json]`
 * `npm run answers -- clear [--kind cache|curated] [--namespace NAME]`
 *
 * Known answers in the data folder: FAQ pairs found in documents, pinned answers, cached
 * generated answers. `clear` without --kind clears the cache and the pins (FAQ pairs go with
 * their documents). Exit codes: 0 ok, 2 bad arguments or settings, 1 any other failure.
 */
import { loadConfig, parseSettingFlags } from '../src/config';
import { createEmbedder } from '../src/embed';
import { errorMessage, isSobreError } from '../src/errors';
import { openKnowledge } from '../src/knowledge';
import type { KnownKind } from '../src/knowledge/types';

const USAGE = `usage: npm run answers -- list [--kind cache|faq|curated] [--namespace NAME] [--limit N] [--json]
       npm run answers -- clear [--kind cache|curated] [--namespace NAME]`;

interface Args {
  command: 'list' | 'clear';
  kind?: KnownKind;
  namespace?: string;
  limit: number;
  json: boolean;
}

function parseArgs(rest: readonly string[]): Args | string {
  const [command, ...more] = rest;
  if (command !== 'list' && command !== 'clear') return `expected list or clear, got ${command ?? 'nothing'}`;
  const args: Args = { command, limit: 100, json: false };
  for (let i = 0; i < more.length; i++) {
    const a = more[i];
    const value = more[i + 1];
    if (a === '--json') args.json = true;
    else if (a === '--kind' && (value === 'cache' || value === 'faq' || value === 'curated')) (args.kind = value), i++;
    else if (a === '--namespace' && value !== undefined) (args.namespace = value), i++;
    else if (a === '--limit' && /^[1-9]\d*$/.test(value ?? '')) (args.limit = Number(value)), i++;
    else return `unexpected argument ${a}${value !== undefined && !value.startsWith('--') ? ` ${value}` : ''}`;
  }
  if (command === 'clear' && args.kind === 'faq') return 'FAQ pairs go with their documents: remove or change the document instead';
  return args;
}

async function main(): Promise<number> {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const args = parseArgs(rest);
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(process.env, flags);
  const knowledge = await openKnowledge(config, await createEmbedder(config));
  try {
    const filter = { kind: args.kind, namespace: args.namespace };
    if (args.command === 'clear') {
      console.log(`removed ${await knowledge.known.remove(filter)} answers`);
      return 0;
    }
    const total = await knowledge.known.count(filter);
    const answers = await knowledge.known.list(filter, { limit: args.limit, offset: 0 });
    if (args.json) {
      console.log(JSON.stringify({ total, answers }));
      return 0;
    }
    for (const a of answers) {
      const expires = a.expiresAt ? `, expires ${a.expiresAt.toISOString().slice(0, 16)}` : '';
      console.log(`#${a.id} ${a.kind}${a.namespace ? ` [${a.namespace}]` : ''} (${a.hits} hits${expires})\n  Q: ${a.question}\n  A: ${a.answer.replace(/\s+/g, ' ').slice(0, 160)}`);
    }
    console.log(`${answers.length} of ${total} answers`);
    return 0;
  } finally {
    await knowledge.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`answers failed: ${errorMessage(e)}`);
    process.exit(isSobreError(e) && e.code === 'bad_config' ? 2 : 1);
  },
);
