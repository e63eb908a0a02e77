/**
 * The HTTP app: `createApp(deps)` builds the Express app over already-wired parts (service.ts
 * wires them; tests may too). No listening here.
 *
 * Order: request context (id, abort signal) → request log and metrics → helmet → CORS →
 * per-address rate limit → routes (each: access check → per-key rate limit → deadline → body
 * parsing → zod validation → handler) → 405/404 → the one problem-document error middleware.
 */
import express, { type Request, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { AskService } from '../answer/ask';
import type { Learner } from '../answer/learner';
import type { SobreConfig } from '../config';
import type { Embedder } from '../embed/types';
import type { Knowledge } from '../knowledge/types';
import type { ComputeLedger } from '../ledger/ledger';
import { answerRoutes } from './answers';
import { askRoutes } from './ask-route';
import { chatRoutes } from './chat-completions';
import { requireAccess, type Access, type KeyRing } from './auth';
import { requestContext } from './context';
import { cors } from './cors';
import { documentRoutes } from './documents';
import { jobRoutes } from './job-routes';
import type { JobQueue, JobView } from './jobs';
import { addressRateLimit, deadline, keyRateLimit, type StoreFor } from './limits';
import { localOnly, reportOpenLocally } from './local-access';
import { requestLog, type Logger } from './logger';
import type { ServiceMetrics } from './metrics';
import { buildOpenApi } from './openapi';
import { openAiErrors } from './openai-shape';
import { opsRoutes } from './ops-routes';
import { problemMiddleware } from './problem';
import { learningRoutes } from './learning-routes';
import { reportRoutes } from './report-routes';
import { reviewRoutes } from './review';
import { Sessions } from './session';
import { listRoutes, matchRoute, optionsResponder, unmatched, type RouteInfo } from './routes';
import { parseOr400, reportQuerySchema } from './schemas';
import { TurnQueue } from './turns';

export type AppConfig = Pick<
  SobreConfig,
  | 'maxQuestionChars' | 'maxBodyBytes' | 'rateLimitPerIp' | 'rateLimitPerKey' | 'trustProxy' | 'requestTimeoutMs'
  | 'uploadTimeoutMs' | 'corsOrigins' | 'logQuestions' | 'dataDir' | 'uploadMaxBytes' | 'uploadMaxFiles' | 'maxFileBytes' | 'chunkSize' | 'chunkOverlap'
  | 'embedBatchSize' | 'uploadEmbedThreads' | 'apiKeys' | 'sessionSecret' | 'sessionTtlMinutes' | 'host' | 'contentGapThreshold' | 'generator' | 'llmModel'
>;

export interface AppDeps {
  config: AppConfig;
  /** The API keys (service.ts builds them first: bad keys stop start-up before anything loads). */
  keys: KeyRing;
  ask: AskService;
  knowledge: Knowledge;
  embedder: Embedder;
  ledger: ComputeLedger | null;
  /** The learning loop (feedback, review, calibrations); absent: those routes are not served. */
  learner?: Learner | null;
  /** Writes (uploads, deletions), run one at a time under the writer lock. */
  jobs: JobQueue;
  /** Questions' turns (turns.ts), shared with the service's embedder and the writers. */
  turns?: TurnQueue;
  /** Awaited right before each write commits (default: no question in flight, see turns.ts). */
  beforeWrite?: () => Promise<void>;
  metrics: ServiceMetrics;
  logger: Logger;
  /** True once shutdown started: readiness fails and responses close their connection. */
  isDraining?: () => boolean;
  /** False while ledger rows cannot be written (readiness says degraded). */
  ledgerWritable?: () => boolean;
  /** Rate-limit counters shared by the workers of a cluster (cluster-client.ts); default: in memory. */
  rateLimitStore?: StoreFor;
  /** Set in a cluster's worker: its process id, sent as `x-sobre-worker` on every response. */
  workerPid?: number;
  /** Set in a cluster's worker: a job another worker runs (GET /v1/jobs/:id from any worker). */
  jobsElsewhere?: (id: string) => Promise<JobView | null>;
}

/** Longest a writer waits for the questions in flight before it commits anyway (turns.ts). */
export const COMMIT_WAIT_MS = 1000;

/** `SOBRE_TRUST_PROXY`: empty = off; `true`/`false`; a hop count; or addresses/subnets/names. */
function trustProxyValue(raw: string): boolean | number | string {
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

export function createApp(deps: AppDeps): express.Express {
  const { config, metrics, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', trustProxyValue(config.trustProxy));
  const isDraining = deps.isDraining ?? (() => false);
  const turns = deps.turns ?? new TurnQueue(5000);
  const onInternal = (err: unknown, req: Request) => logger.error({ err, method: req.method, path: req.path.slice(0, 200) }, 'internal error');
  // Problem documents, but OpenAI's error shape on the OpenAI-compatible routes.
  const renderError = openAiErrors(problemMiddleware(onInternal), onInternal);

  let routes: RouteInfo[] = [];
  const routeOf = (_method: string, path: string) => matchRoute(routes, path)?.path ?? 'unmatched';
  const ring = deps.keys;
  const sessions = new Sessions({
    apiKeys: config.apiKeys, secret: config.sessionSecret, ttlMinutes: config.sessionTtlMinutes,
    authenticate: (key) => ring.lookup(key),
  });
  const perKey = keyRateLimit(config.rateLimitPerKey, deps.rateLimitStore);
  const guard = (access: Access, timeoutMs = config.requestTimeoutMs): RequestHandler[] => [
    requireAccess(ring, access, (req, res) => sessions.identify(req, res)),
    ...(perKey ? [perKey] : []),
    deadline(timeoutMs, renderError),
  ];

  const workerPid = deps.workerPid;
  if (workerPid !== undefined) {
    app.use((_req, res, next) => {
      res.setHeader('x-sobre-worker', String(workerPid));
      next();
    });
  }
  app.use(requestContext());
  app.use(requestLog(logger, { logQuestions: config.logQuestions, routeOf, onFinished: (m, r, s, sec) => metrics.observeRequest(m, r, s, sec) }));
  app.use((_req, res, next) => {
    if (isDraining()) res.setHeader('connection', 'close');
    next();
  });
  // The /report dashboard replaces helmet's CSP with its own, stricter one.
  app.use(helmet({ crossOriginResourcePolicy: { policy: 'same-origin' } }));
  const corsHandler = cors(config.corsOrigins);
  if (corsHandler) app.use(corsHandler);
  app.use(optionsResponder(() => routes));
  const perAddress = addressRateLimit(config.rateLimitPerIp, deps.rateLimitStore);
  if (perAddress) app.use(perAddress);

  app.use(sessions.routes(ring.configured));
  app.use(opsRoutes({
    knowledge: deps.knowledge, embedder: deps.embedder, metrics, isDraining, ledgerWritable: deps.ledgerWritable ?? (() => true),
    admin: guard('admin'), open: guard('public'),
    openapi: () => buildOpenApi({ maxQuestionChars: config.maxQuestionChars, keysConfigured: ring.configured }),
  }));
  app.use(askRoutes({
    ask: deps.ask, metrics, turns, maxQuestionChars: config.maxQuestionChars, maxBodyBytes: config.maxBodyBytes, before: guard('ask'),
    onStreamError: (err, req) => logger.error({ err, path: req.path }, 'stream failed'),
  }));
  app.use(chatRoutes({
    ask: deps.ask, metrics, turns, maxQuestionChars: config.maxQuestionChars, maxBodyBytes: config.maxBodyBytes, before: guard('ask'),
    generatorModel: config.generator === 'none' ? null : config.llmModel,
    onStreamError: (err, req) => logger.error({ err, path: req.path }, 'stream failed'),
  }));
  if (deps.learner) {
    app.use(learningRoutes({ learner: deps.learner, metrics, ask: guard('ask'), admin: guard('admin'), maxBodyBytes: config.maxBodyBytes }));
    app.use(reviewRoutes({ learner: deps.learner, sessions, admin: guard('admin') }));
  }
  app.use(answerRoutes({
    known: deps.knowledge.known, embedder: deps.embedder, maxQuestionChars: config.maxQuestionChars, maxBodyBytes: config.maxBodyBytes, before: guard('admin'),
  }));
  app.use(documentRoutes({
    config, knowledge: deps.knowledge, embedder: deps.embedder, jobs: deps.jobs, metrics, before: guard('admin'), beforeUpload: guard('admin', config.uploadTimeoutMs),
    beforeWrite: deps.beforeWrite ?? (() => turns.drained(COMMIT_WAIT_MS)),
  }));
  app.use(jobRoutes({ jobs: deps.jobs, before: guard('admin'), elsewhere: deps.jobsElsewhere }));
  if (deps.ledger) {
    // The report router answers a bad period itself, not as a problem document: check it first.
    // Out of the box (no keys, loopback) open to this machine's user; otherwise admin (local-access.ts).
    const access = reportOpenLocally(ring.configured, config.host) ? [localOnly(), ...guard('public')] : guard('admin');
    const reportGuard: RequestHandler[] = [...access, (req: Request, _res, next) => {
      parseOr400(reportQuerySchema, req.query, 'query');
      next();
    }];
    if (ring.configured) app.get('/report', sessions.redirectToSignIn());
    for (const path of ['/v1/report', '/v1/report.csv', '/report']) app.get(path, ...reportGuard);
    const learner = deps.learner;
    app.use(reportRoutes({
      ledger: deps.ledger, contentGapThreshold: config.contentGapThreshold,
      page: (req) => ({ signOutCsrf: sessions.csrfFor(req) || undefined }),
      promise: learner ? () => learner.status() : undefined,
    }));
  }

  app.use(unmatched(() => routes));
  app.use(renderError);
  routes = listRoutes(app);
  return app;
}
