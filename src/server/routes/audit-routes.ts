// Officials' endpoints of a risk-limiting audit (FORMATS.md §15), on a writer:
// each call appends one official entry signed with the commission key. What
// the server fills in itself (the round's sample and its hash, the measured
// risk and the outcome, the default round size) comes from the same code the
// fold checks the entry with (src/election/audits.ts), so an entry the server
// writes is one the fold accepts, and a refusal comes before anything is logged.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type {
  AuditApproved,
  AuditPaperEntered,
  AuditProposed,
  AuditRoundClosed,
  AuditRoundStarted,
  FormStored,
} from '../../api/contract.js';
import type { Result } from '../../basics/result.js';
import {
  type AuditError,
  type Audits,
  type AuditView,
  currentRisk,
  nextRoundSizes,
  type RoundSizes,
  roundSample,
} from '../../election/audits.js';
import type { TallyFold } from '../../election/fold.js';
import { sniffFormType } from '../../election/form-upload.js';
import type { OfficialAct } from '../../election/official-entry.js';
import { checkActShape, NO_FORM } from '../../election/official-entry.js';
import type { Account } from '../../election/officials.js';
import { Checker, isObject } from '../../election/shape.js';
import { toHex } from '../../log/bytes.js';
import { sha256 } from '../../log/crypto.js';
import { ApiError } from '../errors.js';
import type { FormUploads } from '../form-uploads.js';
import type { OfficialsService } from '../officials-service.js';
import type { Receipt } from '../sequencer.js';
import { parseDecimal } from './decimal.js';

export interface AuditActDeps {
  /** Null when the writer was started without the commission key: every act is refused. */
  officials: OfficialsService | null;
  /** The writer's live fold. */
  fold: TallyFold;
  /** The size of the latest signed checkpoint: the default tree size an audit freezes. */
  checkpointSize: () => number;
  /** The writer's form uploads (the audit boards' photos of the paper forms). */
  uploads: FormUploads;
}

type AuditAct = Extract<OfficialAct, { kind: `audit-${string}` }>;

function body(req: FastifyRequest): Record<string, unknown> {
  if (req.body === undefined || req.body === null) return {};
  if (!isObject(req.body))
    throw new ApiError('INVALID_FIELD', 'body must be a JSON object', 'body');
  return req.body as Record<string, unknown>;
}

function only(b: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(b).filter((k) => !allowed.includes(k));
  if (extra.length)
    throw ApiError.invalidFields(extra.map((k) => ({ field: k, reason: 'is not a known field' })));
}

/** Builds an act from request fields and checks its shape; field names in errors are the request's. */
function actFrom<K extends AuditAct['kind']>(
  kind: K,
  fields: Record<string, unknown>,
): Extract<AuditAct, { kind: K }> {
  const act = { kind, ...fields } as Record<string, unknown>;
  const c = new Checker(act as never);
  checkActShape(c);
  if (c.errors.length) throw ApiError.invalidFields(c.errors);
  return act as unknown as Extract<AuditAct, { kind: K }>;
}

/** A count in a request (a JSON integer 0 … 10^9), or 400 naming the field. */
function countField(value: unknown, field: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > 1e9)
    throw new ApiError(
      'INVALID_FIELD',
      `${field} must be a whole number from ${min} to 1000000000`,
      field,
    );
  return value;
}

function answer(receipt: Receipt): { index: number; receipt: string } {
  return { index: receipt.index, receipt: receipt.receipt };
}

export const auditActRoutes: FastifyPluginAsync<AuditActDeps> = async (app, deps) => {
  const service = (): OfficialsService => {
    if (!deps.officials) throw new ApiError('OFFICIALS_DISABLED');
    return deps.officials;
  };
  const who = async (req: FastifyRequest): Promise<Account> =>
    (await service().authenticate(req.headers.authorization)).account;
  /** Runs the log's rules on the act now, then signs and logs it. */
  const log = async (actor: Account, act: AuditAct): Promise<Receipt> => {
    service().precheck(actor, act);
    return service().act(actor, act);
  };
  const audits = () => deps.fold.officials.audits;
  /** The audit named in the path, or 404 UNKNOWN_AUDIT. */
  const auditOf = (id: string): AuditView => {
    const view = audits().get(id);
    if (!view) throw new ApiError('UNKNOWN_AUDIT', `no audit "${id}" is on the log`, 'id');
    return view;
  };
  /** The round a paper belongs to: the one given, or the audit's latest. */
  const roundOf = (view: AuditView, given: unknown): number => {
    if (given !== undefined) return countField(given, 'round', 1);
    const last = view.rounds.at(-1);
    if (!last)
      throw new ApiError('ROUND_OUT_OF_ORDER', `audit ${view.id} has no round yet`, 'round');
    return last.round;
  };

  app.post('/api/v1/audits', async (req, reply) => {
    const actor = await who(req);
    const b = body(req);
    only(b, ['audit', 'contest', 'method', 'riskLimit', 'treeSize']);
    const act = actFrom('audit-proposed', {
      ...b,
      treeSize: b.treeSize === undefined ? deps.checkpointSize() : b.treeSize,
    });
    const receipt = await log(actor, act);
    const sent: AuditProposed = {
      ...answer(receipt),
      audit: act.audit,
      treeSize: act.treeSize,
      status: 'proposed',
    };
    return reply.code(201).send(sent);
  });

  app.post<{ Params: { id: string } }>('/api/v1/audits/:id/approve', async (req, reply) => {
    const actor = await who(req);
    only(body(req), []);
    const view = auditOf(req.params.id);
    const act = actFrom('audit-approved', { proposal: view.proposedAt });
    const sent: AuditApproved = { ...answer(await log(actor, act)), audit: view.id };
    return reply.code(201).send(sent);
  });

  app.post<{ Params: { id: string } }>('/api/v1/audits/:id/seed', async (req, reply) => {
    const actor = await who(req);
    const b = body(req);
    only(b, ['seed']);
    const view = auditOf(req.params.id);
    const act = actFrom('audit-seed', { audit: view.id, seed: b.seed });
    return reply.code(201).send({ ...answer(await log(actor, act)), audit: view.id });
  });

  app.post<{ Params: { id: string } }>('/api/v1/audits/:id/rounds', async (req, reply) => {
    const actor = await who(req);
    const b = body(req);
    only(b, ['draws', 'full']);
    if (b.full !== undefined && typeof b.full !== 'boolean')
      throw new ApiError('INVALID_FIELD', 'full must be true or false', 'full');
    if (b.full === true && b.draws !== undefined)
      throw new ApiError('INVALID_FIELD', 'a full count draws no sample: give no draws', 'draws');
    const view = auditOf(req.params.id);
    const round = (view.rounds.at(-1)?.round ?? 0) + 1;
    if (b.full === true) {
      const act = actFrom('audit-full-count', { audit: view.id, round });
      const receipt = await log(actor, act);
      const sent: AuditRoundStarted = {
        ...answer(receipt),
        audit: view.id,
        round,
        full: true,
        // Every station of the contest, as the fold listed them when it took the entry.
        draws:
          audits()
            .get(view.id)
            ?.rounds.find((r) => r.round === round)?.draws ?? [],
        sampleSha256: null,
      };
      return reply.code(201).send(sent);
    }
    const draws =
      b.draws === undefined ? defaultRoundSize(deps.fold, view) : countField(b.draws, 'draws', 1);
    const sample = orRefuse(roundSample(audits(), view.id, draws));
    const act = actFrom('audit-round', {
      audit: view.id,
      round,
      draws,
      sample: sample.sampleSha256,
    });
    const sent: AuditRoundStarted = {
      ...answer(await log(actor, act)),
      audit: view.id,
      round,
      full: false,
      draws: sample.draws,
      sampleSha256: sample.sampleSha256,
    };
    return reply.code(201).send(sent);
  });

  app.post<{ Params: { id: string } }>('/api/v1/audits/:id/papers', async (req, reply) => {
    const actor = await who(req);
    const b = body(req);
    only(b, ['round', 'station', 'paper', 'votes', 'rejected', 'totalValid', 'form']);
    const view = auditOf(req.params.id);
    const round = roundOf(view, b.round);
    // A paper that cannot be found counts as the worst case: its figures are all 0 and it cites no form.
    const missing = b.paper === 'not-found';
    const act = actFrom('audit-paper', {
      audit: view.id,
      round,
      station: b.station,
      paper: b.paper,
      votes: missing && b.votes === undefined ? zeroVotes(deps.fold, view, b.station) : b.votes,
      rejected: missing && b.rejected === undefined ? 0 : b.rejected,
      totalValid: missing && b.totalValid === undefined ? 0 : b.totalValid,
      form: missing && b.form === undefined ? NO_FORM : b.form,
    });
    const receipt = await log(actor, act);
    const sent: AuditPaperEntered = {
      ...answer(receipt),
      audit: view.id,
      round,
      station: act.station,
      differences: enteredDifferences(deps.fold, view.id, receipt.index),
    };
    return reply.code(201).send(sent);
  });

  app.post<{ Params: { id: string } }>('/api/v1/audits/:id/ballots', async (req, reply) => {
    const actor = await who(req);
    const b = body(req);
    only(b, ['round', 'station', 'votes', 'invalid', 'notFound', 'form']);
    const view = auditOf(req.params.id);
    const round = roundOf(view, b.round);
    const act = actFrom('audit-ballots', {
      audit: view.id,
      round,
      station: b.station,
      votes: b.votes,
      invalid: b.invalid,
      notFound: b.notFound,
      form: b.form,
    });
    const receipt = await log(actor, act);
    const sent: AuditPaperEntered = {
      ...answer(receipt),
      audit: view.id,
      round,
      station: act.station,
      differences: [],
    };
    return reply.code(201).send(sent);
  });

  app.post<{ Params: { entry: string } }>(
    '/api/v1/audits/papers/:entry/confirm',
    async (req, reply) => {
      const actor = await who(req);
      only(body(req), []);
      // Decimal only (FORMATS §10.1): "007" and "0x7" are not entry 7.
      const entry = parseDecimal(req.params.entry, 'entry');
      const act = actFrom('audit-confirmed', { entry });
      return reply.code(201).send({ ...answer(await log(actor, act)), entry });
    },
  );

  app.post<{ Params: { id: string; round: string } }>(
    '/api/v1/audits/:id/rounds/:round/close',
    async (req, reply) => {
      const actor = await who(req);
      only(body(req), []);
      const view = auditOf(req.params.id);
      const round = parseDecimal(req.params.round, 'round');
      const measured = orRefuse(currentRisk(audits(), view.id));
      const act = actFrom('audit-round-closed', {
        audit: view.id,
        round,
        // ECMAScript's shortest round-trip form of the binary64 (FORMATS §15).
        risk: String(measured.risk),
        outcome: measured.outcome,
      });
      const receipt = await log(actor, act);
      const sent: AuditRoundClosed = {
        ...answer(receipt),
        audit: view.id,
        round,
        risk: act.risk,
        outcome: act.outcome,
        riskLimit: view.riskLimit,
        nextRoundSizes: act.outcome === 'continue' ? sizesOrNull(audits(), view.id) : null,
      };
      return reply.code(201).send(sent);
    },
  );

  // The photo of a sampled station's paper form, uploaded by an audit board
  // member with a session (no device signs it): stored by its SHA-256 like a
  // Form 34A scan, and cited by the paper's entry.
  app.register(async (scope) => {
    const maxBytes = deps.uploads.limits.maxFormBytes;
    scope.addContentTypeParser(
      ['image/jpeg', 'image/png', 'application/pdf'],
      { parseAs: 'buffer', bodyLimit: maxBytes },
      (_req, data, done) => done(null, data),
    );
    const authorised = new WeakMap<FastifyRequest, { account: Account; station: string }>();
    scope.put<{ Params: { id: string; sha256: string }; Querystring: { station?: string } }>(
      '/api/v1/audits/:id/forms/:sha256',
      {
        bodyLimit: maxBytes,
        // Who and where, before the body is read.
        onRequest: async (req) => {
          const account = await who(req);
          if (account.role !== 'audit-board')
            throw new ApiError(
              'NOT_PERMITTED',
              `a ${account.role} does not upload paper forms; an audit board member does`,
              'authorization',
            );
          if (!/^[0-9a-f]{64}$/.test(req.params.sha256))
            throw new ApiError(
              'INVALID_FIELD',
              'the URL must end in the form’s lower-case hex SHA-256 (64 characters)',
              'sha256',
            );
          const station = req.query.station;
          if (typeof station !== 'string' || station === '')
            throw new ApiError('BAD_QUERY', 'station is required (the sampled station)', 'station');
          const view = auditOf(req.params.id);
          // A full count's draws are every station of the contest.
          if (!view.rounds.some((r) => r.draws.some((d) => d.station === station)))
            throw new ApiError(
              'NOT_IN_SAMPLE',
              `station ${station} is not in audit ${view.id}'s sample`,
              'station',
            );
          if (!deps.fold.officials.covers(account.scope, station))
            throw new ApiError(
              'NOT_PERMITTED',
              `station ${station} is outside ${account.id}'s area (${account.scope})`,
              'station',
            );
          authorised.set(req, { account, station });
        },
      },
      async (req, reply: FastifyReply) => {
        const who = authorised.get(req);
        if (!who) throw new ApiError('INTERNAL');
        const data = req.body;
        if (!(data instanceof Buffer) || data.length === 0)
          throw new ApiError('INVALID_FIELD', 'the body must be the form file', 'body');
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        const sniffed = sniffFormType(bytes);
        const declared = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
        if (!sniffed)
          throw new ApiError('FORM_NOT_RECOGNISED', 'the file is not a JPEG, PNG or PDF', 'body');
        if (sniffed !== declared)
          throw new ApiError(
            'UNSUPPORTED_MEDIA_TYPE',
            `Content-Type says ${declared} but the file is ${sniffed}`,
            'content-type',
          );
        const got = toHex(sha256(bytes));
        if (got !== req.params.sha256)
          throw new ApiError('FORM_HASH_MISMATCH', `the file's SHA-256 is ${got}`, 'sha256');
        // The quota is per board member and station: room for re-takes, not for a photo album.
        const fresh = await deps.uploads.store({
          sha256: got,
          contentType: sniffed,
          data: bytes,
          device: `audit-board:${who.account.id}:${who.station}`,
          station: who.station,
        });
        const stored: FormStored = {
          sha256: got,
          contentType: sniffed,
          size: bytes.length,
          stored: fresh ? 'new' : 'already',
        };
        return reply.code(fresh ? 201 : 200).send(stored);
      },
    );
  });
};

/** What the audit code answers, or its refusal as the API's (the same code and field as the fold's). */
function orRefuse<T>(r: Result<T, AuditError>): T {
  if (!r.ok) throw new ApiError(r.error.code, r.error.message, r.error.field);
  return r.value;
}

/** Arlo's estimate for a 90% chance of finishing with the next round, at least one draw. */
function defaultRoundSize(fold: TallyFold, view: AuditView): number {
  return Math.max(1, orRefuse(nextRoundSizes(fold.officials.audits, view.id))['0.9']);
}

/** The next round's estimated sizes, or null when there is nothing to estimate. */
function sizesOrNull(audits: Audits, id: string): RoundSizes | null {
  const r = nextRoundSizes(audits, id);
  return r.ok ? r.value : null;
}

/** Every candidate of the station's race at 0 (a paper not found); undefined when the station has no race (the rules say why). */
function zeroVotes(fold: TallyFold, view: AuditView, station: unknown) {
  if (typeof station !== 'string') return undefined;
  const race = fold.index.raceFor(view.contest, station);
  return race ? Object.fromEntries(race.candidates.map((c) => [c, 0])) : undefined;
}

/** The differences of the paper just logged against the frozen figures, as the fold recorded them. */
function enteredDifferences(fold: TallyFold, audit: string, entryIndex: number) {
  const view = fold.officials.audits.get(audit);
  for (const r of view?.rounds ?? [])
    for (const p of r.papers) if (p.entryIndex === entryIndex) return p.differences;
  return [];
}
