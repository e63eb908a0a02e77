/**
 * The review page (admin; a browser signs in at /signin): one question at a time, the router's
 * candidate sentence highlighted in its passage, "does this answer the question?" right / wrong /
 * skip. Plain forms posting to POST /review (works without script); a small inline script, allowed
 * by its hash in the CSP and nothing else, adds the keys 1 or y (right), 2 or n (wrong), space or s
 * (skip). What it draws and why: src/answer/review-queue.ts.
 */
import { createHash } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { LearningStatus, Learner } from '../answer/learner';
import type { Observation } from '../labels/types';
import { escapeHtml } from '../report/svg';
import { contextOf } from './context';
import { httpError } from './problem';
import { parseOr400, reviewFormSchema } from './schemas';
import { CSRF_FIELD, PAGE_CSS, type Sessions } from './session';

const KEYS_SCRIPT = `document.addEventListener('keydown',function(e){if(e.ctrlKey||e.metaKey||e.altKey||(e.target&&e.target.tagName==='INPUT'))return;` +
  `var v={'1':'right','y':'right','2':'wrong','n':'wrong',' ':'skip','s':'skip'}[e.key];if(!v)return;` +
  `var b=document.querySelector('button[name="verdict"][value="'+v+'"]');if(b){e.preventDefault();b.click();}});`;
const SCRIPT_HASH = createHash('sha256').update(KEYS_SCRIPT).digest('base64');
export const REVIEW_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;

const CSS = `${PAGE_CSS}
.status{font-size:13px;color:#444;background:#fff;border-radius:6px;padding:8px 12px;margin-bottom:12px}
.question{font-size:20px;font-weight:600;margin:8px 0 12px}.passage{background:#fff;border-left:4px solid #1d3b2a;padding:10px 14px;line-height:1.5;white-space:pre-wrap}
mark{background:#ffe58a;padding:1px 0}.muted{color:#666;font-size:13px}.source{font-size:12px;color:#666;margin-top:4px}.verdicts{margin-top:16px}kbd{border:1px solid #999;border-radius:3px;padding:0 4px;font-size:12px}`;

function pct(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(3);
}

function statusLine(s: LearningStatus): string {
  const a = s.audit;
  const interval = a.interval95 ? ` [${a.interval95[0].toFixed(3)}, ${a.interval95[1].toFixed(3)}]` : '';
  return `Target precision ${s.targetPrecision}; live precision (audit sample, ${a.reviewed} reviewed, ${a.pending} pending) <span data-metric="live_precision">${pct(a.precision)}</span>${interval}; ` +
    `calibration ${s.calibration.id === 0 ? 'file' : `#${s.calibration.id}`} (threshold ${s.threshold === null ? 'none' : s.threshold.toFixed(3)})${s.guard.active ? '; <strong>guard raised</strong>' : ''}; ${s.labels} labels.`;
}

function passageHtml(o: Observation): string {
  const c = o.candidate;
  if (!c) return '';
  const from = Math.max(0, Math.min(c.passage.length, c.sentenceStart - c.passageStart));
  const to = Math.max(from, Math.min(c.passage.length, c.sentenceEnd - c.passageStart));
  return `${escapeHtml(c.passage.slice(0, from))}<mark id="candidate">${escapeHtml(c.passage.slice(from, to))}</mark>${escapeHtml(c.passage.slice(to))}`;
}

function page(body: string, status: LearningStatus, csrf: string): string {
  const signOut = csrf ? `<form method="post" action="/signout" style="float:right"><input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrf)}"><button type="submit">Sign out</button></form>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sobre · review</title><style>${CSS}</style></head>
<body><header>${signOut}<h1>Sobre · review</h1></header><main><div class="status" id="status">${statusLine(status)}</div>${body}</main>
<script>${KEYS_SCRIPT}</script></body></html>`;
}

function poolNote(o: Observation, pool: string): string {
  const m = o.candidate?.matched;
  if (m) return `Audit sample: a known-question hit (${escapeHtml(m.kind)}) drawn at random. It matched the known question <q id="matched">${escapeHtml(m.question)}</q>`;
  return pool === 'audit' ? 'Audit sample: a direct answer drawn at random' : 'Near the threshold: this label moves the operating point most';
}

function itemHtml(o: Observation, pool: string, csrf: string): string {
  const c = o.candidate;
  const known = c?.matched ? `<div class="question" id="answer">${escapeHtml(c.answer)}</div>` : '';
  return `<p class="muted">${poolNote(o, pool)}</p>
<div class="question" id="question">${escapeHtml(o.question ?? '')}</div>${known}
<div class="passage" id="passage">${passageHtml(o)}</div><div class="source">${escapeHtml(c?.title ?? '')} · ${escapeHtml(c?.source ?? '')}</div>
<form method="post" action="/review" class="verdicts"><p>${c?.matched ? 'Does this answer (given for the known question) answer the question?' : 'Does the highlighted sentence answer the question?'}</p>
<input type="hidden" name="answerId" value="${escapeHtml(o.answerId)}"><input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrf)}">
<button type="submit" name="verdict" value="right">Right <kbd>1</kbd></button><button type="submit" name="verdict" value="wrong">Wrong <kbd>2</kbd></button>
<button type="submit" name="verdict" value="skip">Skip <kbd>space</kbd></button></form>`;
}

export interface ReviewRouteDeps {
  learner: Learner;
  sessions: Sessions;
  admin: RequestHandler[];
}

export function reviewRoutes(deps: ReviewRouteDeps): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: 4096, parameterLimit: 10 });
  const { learner, sessions } = deps;

  router.get('/review', sessions.redirectToSignIn(), ...deps.admin, async (req: Request, res: Response) => {
    const by = contextOf(res).keyName ?? '';
    const [next, status] = await Promise.all([learner.next(by), learner.status()]);
    const csrf = sessions.csrfFor(req);
    const body = next ? itemHtml(next.observation, next.pool, csrf) : '<p id="empty">Nothing to review: every recorded question with its text kept has a label (or was skipped by you).</p>';
    res.set({ 'content-security-policy': REVIEW_CSP, 'cache-control': 'no-store' }).type('html').send(page(body, status, csrf));
  });

  router.post('/review', ...deps.admin, form, async (req: Request, res: Response) => {
    const body = parseOr400(reviewFormSchema, req.body, 'body');
    const by = contextOf(res).keyName ?? '';
    const known = body.verdict === 'skip' ? await learner.skip(body.answerId, by) : await learner.label(body.answerId, body.verdict === 'right', 'reviewer', by);
    if (!known) throw httpError(404, 'not_found', `No answer ${body.answerId}`);
    res.redirect(303, '/review');
  });

  return router;
}
