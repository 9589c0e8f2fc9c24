// Officials' endpoints on a writer: login and logout, accounts, the device
// lifecycle, corrections and their approvals, declarations (every act an entry
// in the log; the public views of them are official-record-routes.ts).
// Sessions are bearer tokens in the Authorization header, never cookies, so a
// page on another site cannot ride on them (no CSRF exposure).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ActReceipt } from '../../api/contract.js';
import type { TallyFold } from '../../election/fold.js';
import type { OfficialAct } from '../../election/official-entry.js';
import { checkActShape, TWO_PERSON_ROLES } from '../../election/official-entry.js';
import type { Account } from '../../election/officials.js';
import { Checker, type FieldError, isObject } from '../../election/shape.js';
import { ApiError } from '../errors.js';
import type { OfficialsService } from '../officials-service.js';
import type { Receipt } from '../sequencer.js';
import { parseDecimal } from './decimal.js';

export interface OfficialActDeps {
  /** Null when the writer was started without the commission key: every act is refused. */
  officials: OfficialsService | null;
  /** The writer's live fold (the result a correction corrects). */
  fold: TallyFold;
}

function body(req: FastifyRequest): Record<string, unknown> {
  if (!isObject(req.body))
    throw new ApiError('INVALID_FIELD', 'body must be a JSON object', 'body');
  return req.body as Record<string, unknown>;
}

/** Builds an act from request fields (the act's own field names) and checks its shape. */
function actFrom(kind: OfficialAct['kind'], fields: Record<string, unknown>): OfficialAct {
  const act = { kind, ...fields } as Record<string, unknown>;
  const c = new Checker(act as never);
  checkActShape(c);
  // Field names in errors are the request's (no "act." prefix); "kind" is ours, never theirs.
  if (c.errors.length) throw ApiError.invalidFields(c.errors);
  return act as unknown as OfficialAct;
}

function only(b: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(b).filter((k) => !allowed.includes(k));
  if (extra.length)
    throw ApiError.invalidFields(extra.map((k) => ({ field: k, reason: 'is not a known field' })));
}

/** An optional text field left out is ""; null is no string, so the shape check refuses it. */
function omittedAsEmpty(value: unknown): unknown {
  return value === undefined ? '' : value;
}

function answer(receipt: Receipt): ActReceipt {
  return { index: receipt.index, receipt: receipt.receipt };
}

export const officialActRoutes: FastifyPluginAsync<OfficialActDeps> = async (app, deps) => {
  const service = (): OfficialsService => {
    if (!deps.officials) throw new ApiError('OFFICIALS_DISABLED');
    return deps.officials;
  };
  const who = async (req: FastifyRequest): Promise<{ account: Account; tokenHash: string }> =>
    service().authenticate(req.headers.authorization);

  app.post('/api/v1/login', async (req) => {
    const b = body(req);
    only(b, ['account', 'password', 'totp']);
    const errors: FieldError[] = [];
    if (typeof b.account !== 'string' || b.account === '')
      errors.push({ field: 'account', reason: 'is required (a string)' });
    if (typeof b.password !== 'string' || b.password === '')
      errors.push({ field: 'password', reason: 'is required (a string)' });
    if (b.totp !== undefined && typeof b.totp !== 'string')
      errors.push({ field: 'totp', reason: 'must be a string of 6 digits' });
    if (errors.length) throw ApiError.invalidFields(errors);
    return service().login(
      b.account as string,
      b.password as string,
      (b.totp as string) ?? '',
      req.ip,
    );
  });

  app.post('/api/v1/logout', async (req, reply) => {
    const { account, tokenHash } = await who(req);
    return reply.code(201).send(answer(await service().logout(account, tokenHash)));
  });

  app.get('/api/v1/session', async (req) => {
    const { account } = await who(req);
    return { account: account.id, role: account.role, scope: account.scope };
  });

  app.post('/api/v1/accounts', async (req, reply) => {
    const { account: actor } = await who(req);
    const b = body(req);
    only(b, ['account', 'role', 'scope', 'password']);
    const act = actFrom('account-created', {
      account: b.account,
      role: b.role,
      scope: omittedAsEmpty(b.scope),
    }) as Extract<OfficialAct, { kind: 'account-created' }>;
    if (TWO_PERSON_ROLES.includes(act.role)) {
      // Two-person: proposed here, approved by another administrator, activated by its holder.
      if (b.password !== undefined)
        throw new ApiError(
          'INVALID_FIELD',
          'an account that can approve sets its own password when it is activated; give none',
          'password',
        );
      const proposed = await service().proposeAccount(actor, act);
      return reply.code(201).send({
        ...answer(proposed.receipt),
        account: act.account,
        role: act.role,
        scope: act.scope,
        status: 'proposed',
        // Shown once, to the proposer only: the new official needs it and the approver's half.
        activationCode: proposed.activationCode,
      });
    }
    if (typeof b.password !== 'string')
      throw new ApiError('INVALID_FIELD', 'password is required (a string)', 'password');
    const made = await service().createAccount(actor, {
      account: act.account,
      role: act.role,
      scope: act.scope,
      password: b.password,
    });
    return reply.code(201).send({
      ...answer(made.receipt),
      account: act.account,
      role: act.role,
      scope: act.scope,
      // Shown once: the administrator's authenticator app needs it.
      ...(made.totpSecret ? { totpSecret: made.totpSecret, totpUri: made.totpUri } : {}),
    });
  });

  app.post<{ Params: { id: string } }>('/api/v1/accounts/:id/disable', async (req, reply) => {
    const { account: actor } = await who(req);
    return reply.code(201).send(answer(await service().disable(actor, req.params.id)));
  });

  app.post<{ Params: { id: string } }>('/api/v1/accounts/:id/approve', async (req, reply) => {
    const { account: actor } = await who(req);
    const b = req.body === undefined || req.body === null ? {} : body(req);
    only(b, []);
    const approved = await service().approveAccount(actor, req.params.id);
    return reply.code(201).send({
      ...answer(approved.receipt),
      account: req.params.id,
      status: 'approved',
      // Shown once, to the approver only.
      activationCode: approved.activationCode,
    });
  });

  // No session: the new official proves the account with both halves of its code.
  app.post<{ Params: { id: string } }>('/api/v1/accounts/:id/activate', async (req) => {
    const b = body(req);
    only(b, ['proposerCode', 'approverCode', 'password']);
    const errors: FieldError[] = [];
    for (const f of ['proposerCode', 'approverCode', 'password'])
      if (typeof b[f] !== 'string' || b[f] === '')
        errors.push({ field: f, reason: 'is required (a string)' });
    if (errors.length) throw ApiError.invalidFields(errors);
    const done = await service().activate(
      {
        account: req.params.id,
        proposerCode: b.proposerCode as string,
        approverCode: b.approverCode as string,
        password: b.password as string,
      },
      req.ip,
    );
    return {
      account: done.account,
      role: done.role,
      scope: done.scope,
      ...(done.totpSecret ? { totpSecret: done.totpSecret, totpUri: done.totpUri } : {}),
    };
  });

  // One handler per act that needs nothing but the log's rules.
  const act =
    (kind: OfficialAct['kind'], fields: (req: FastifyRequest) => Record<string, unknown>) =>
    async (req: FastifyRequest, reply: { code(n: number): { send(x: unknown): unknown } }) => {
      const { account } = await who(req);
      const a = actFrom(kind, fields(req));
      service().precheck(account, a);
      return reply.code(201).send(answer(await service().act(account, a)));
    };

  app.post(
    '/api/v1/devices',
    act('device-enrolled', (req) => {
      const b = body(req);
      only(b, ['device', 'station', 'publicKey', 'replaces']);
      return { ...b, replaces: omittedAsEmpty(b.replaces) };
    }),
  );
  app.post(
    '/api/v1/parties',
    act('party-enrolled', (req) => {
      const b = body(req);
      only(b, ['party', 'name', 'publicKey']);
      return b;
    }),
  );
  app.post<{ Params: { id: string } }>(
    '/api/v1/devices/:id/revoke',
    act('device-revoked', (req) => {
      const b = body(req);
      only(b, ['reason']);
      return { device: (req.params as { id: string }).id, reason: b.reason };
    }),
  );
  app.post(
    '/api/v1/corrections',
    act('correction-proposed', (req) => {
      const b = body(req);
      only(b, ['contest', 'station', 'reason', 'form', 'votes', 'rejected', 'totalValid']);
      // The result corrected is the one the log counts now; the client need not know its index.
      const logged =
        typeof b.contest === 'string' && typeof b.station === 'string'
          ? deps.fold.result(b.contest, b.station)?.entryIndex
          : undefined;
      return { ...b, original: logged ?? 0 };
    }),
  );
  app.post<{ Params: { index: string } }>(
    '/api/v1/corrections/:index/approve',
    act('correction-approved', (req) => {
      const b = req.body === undefined || req.body === null ? {} : body(req);
      only(b, []);
      // Decimal only (FORMATS §10.1): "007" and "0x7" are not entry 7.
      return { correction: parseDecimal((req.params as { index: string }).index, 'index') };
    }),
  );
  app.post(
    '/api/v1/declarations',
    act('declaration', (req) => {
      const b = body(req);
      only(b, ['contest', 'unit', 'votes', 'rejected', 'totalValid', 'override']);
      return { ...b, unit: omittedAsEmpty(b.unit), override: omittedAsEmpty(b.override) };
    }),
  );
};
