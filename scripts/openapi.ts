/**
 * Print the OpenAPI 3.1 document the service serves at GET /openapi.json, for the configuration
 * in the environment (SOBRE_MAX_QUESTION_CHARS, SOBRE_API_KEYS): `node dist/scripts/openapi.js > openapi.json`.
 */
import { loadConfig, parseSettingFlags } from '../src/config';
import { errorMessage } from '../src/errors';
import { buildOpenApi } from '../src/server/openapi';

try {
  const { flags, rest } = parseSettingFlags(process.argv.slice(2));
  if (rest.length > 0) throw new Error(`Unknown arguments: ${rest.join(' ')}`);
  const config = loadConfig(process.env, flags);
  process.stdout.write(`${JSON.stringify(buildOpenApi({ maxQuestionChars: config.maxQuestionChars, keysConfigured: config.apiKeys.length > 0 }), null, 2)}\n`);
} catch (e) {
  process.stderr.write(`openapi: ${errorMessage(e)}\n`);
  process.exit(1);
}
