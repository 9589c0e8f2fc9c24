// Officials' endpoints: login and logout, accounts, the device lifecycle,
// corrections and their approvals, declarations; and the public views of what
// officials did (every one of them an entry in the log). Sessions are bearer
// tokens in the Authorization header, never cookies, so a page on another site
// cannot ride on them (no CSRF exposure).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OfficialAct } from '../../election/official-entry.js';
import { checkActShape } from '../../election/official-entry.js';
import type { Account } from '../../election/officials.js';
import { Checker, type FieldError, isObject } from '../../election/shape.js';
import type { ServerContext } from '../app.js';
import { ApiError } from '../errors.js';
import type { OfficialsService } from '../officials-service.js';
import type { Receipt } from '../sequencer.js';

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

function answer(receipt: Receipt) {
  return { index: receipt.index, receipt: receipt.receipt };
}

export function registerOfficialRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const service = (): OfficialsService => {
    if (!ctx.sequencer) throw new ApiError('READ_ONLY');
    if (!ctx.officials) throw new ApiError('OFFICIALS_DISABLED');
    return ctx.officials;
  };
  const fold = () => {
    if (!ctx.sequencer)
      throw new ApiError('READ_ONLY', 'officials views are served by the writer; this is a reader');
    return ctx.sequencer.fold;
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

  app.post('/api/v1/logout', async (req) => {
    const { account, tokenHash } = await who(req);
    return answer(await service().logout(account, tokenHash));
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
      scope: b.scope ?? '',
    }) as Extract<OfficialAct, { kind: 'account-created' }>;
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

  app.post<{ Params: { id: string } }>('/api/v1/accounts/:id/disable', async (req) => {
    const { account: actor } = await who(req);
    return answer(await service().disable(actor, req.params.id));
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
      return { ...b, replaces: b.replaces ?? '' };
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
          ? fold().result(b.contest, b.station)?.entryIndex
          : undefined;
      return { ...b, original: logged ?? 0 };
    }),
  );
  app.post<{ Params: { index: string } }>(
    '/api/v1/corrections/:index/approve',
    act('correction-approved', (req) => {
      const b = req.body === undefined || req.body === null ? {} : body(req);
      only(b, []);
      const raw = (req.params as { index: string }).index;
      if (!/^\d{1,15}$/.test(raw))
        throw new ApiError('INVALID_FIELD', 'the correction index must be a whole number', 'index');
      return { correction: Number(raw) };
    }),
  );
  app.post(
    '/api/v1/declarations',
    act('declaration', (req) => {
      const b = body(req);
      only(b, ['contest', 'unit', 'votes', 'rejected', 'totalValid', 'override']);
      return { ...b, unit: b.unit ?? '', override: b.override ?? '' };
    }),
  );

  // Public: what officials did, from the log.
  app.get<{ Querystring: { from?: string; limit?: string } }>(
    '/api/v1/officials/acts',
    async (req) => {
      const from = Number(req.query.from ?? 0);
      const limit = Math.min(Number(req.query.limit ?? 1000), 10_000);
      if (!Number.isInteger(from) || from < 0 || !Number.isInteger(limit) || limit < 1)
        throw new ApiError('BAD_QUERY', 'from and limit must be whole numbers (limit at least 1)');
      const acts = fold().officials.acts;
      const start = acts.findIndex((a) => a.entryIndex >= from);
      return { acts: start < 0 ? [] : acts.slice(start, start + limit) };
    },
  );
  app.get('/api/v1/officials/accounts', async () => ({
    accounts: [...fold().officials.accounts.values()],
  }));
  app.get('/api/v1/corrections', async () => ({
    corrections: [...fold().officials.corrections.values()],
  }));
  app.get('/api/v1/declarations', async () => ({
    declarations: [...fold().officials.declarations.values()],
  }));
  app.get<{ Params: { id: string } }>('/api/v1/devices/:id', async (req) => {
    const d = fold().officials.devices.get(req.params.id);
    if (!d) throw new ApiError('NOT_FOUND', `no device "${req.params.id}"`);
    return d;
  });
}
