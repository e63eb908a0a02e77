/**
 * The one logger: structured JSON lines on stdout (pino). One line per request (id, method,
 * route, status, duration, key name); question text only with SOBRE_LOG_QUESTIONS=true; API keys
 * never (headers are not logged, and the usual places are redacted in case someone logs them).
 */
import pino from 'pino';
import type { RequestHandler } from 'express';
import type { SobreConfig } from '../config';
import { contextOf } from './context';

export type Logger = pino.Logger;

export function createLogger(level: SobreConfig['logLevel'], destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'sobre' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ['authorization', 'apiKey', 'apiKeys', 'headers.authorization', 'headers["x-api-key"]', 'req.headers.authorization', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export interface RequestLogOptions {
  logQuestions: boolean;
  /** The route pattern for a path (`/v1/documents/:id`), to keep log lines and metrics groupable. */
  routeOf: (method: string, path: string) => string;
  onFinished?: (method: string, route: string, status: number, seconds: number) => void;
}

export function requestLog(logger: Logger, opts: RequestLogOptions): RequestHandler {
  return (req, res, next) => {
    const ctx = contextOf(res);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const seconds = (performance.now() - ctx.startedAt) / 1000;
      const route = opts.routeOf(req.method, req.path);
      const status = res.headersSent ? res.statusCode : 499;
      opts.onFinished?.(req.method, route, status, seconds);
      const line: Record<string, unknown> = {
        requestId: ctx.requestId, method: req.method, route, status, ms: Math.round(seconds * 10000) / 10, key: ctx.keyName ?? undefined,
      };
      if (ctx.timedOut) line.timedOut = true;
      if (!res.writableFinished) line.clientClosed = true;
      if (opts.logQuestions && ctx.question !== undefined) line.question = ctx.question;
      if (status >= 500) logger.warn(line, 'request');
      else logger.info(line, 'request');
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}
