// Whether this server takes officials' logins at all, and the public record of
// what officials did, from the log: their acts (failed
// logins one by one or counted per account and hour), the accounts, the
// corrections with their approvals, the declarations and any device. A writer
// reads its live fold; a reader replays the log it serves (fold-follower.ts),
// so both answer the same.
import type { FastifyPluginAsync } from 'fastify';
import type {
  CorrectionsAnswer,
  DeclarationsAnswer,
  FailedLoginCount,
  OfficialAccountsAnswer,
  OfficialActsAnswer,
  OfficialsStatusAnswer,
} from '../../api/contract.js';
import type { ActRecord, DeviceState } from '../../election/officials.js';
import { ApiError } from '../errors.js';
import type { ServedFold } from '../fold-follower.js';
import { optionalDecimal } from './decimal.js';
import {
  CORRECTIONS_RESPONSE,
  DECLARATIONS_RESPONSE,
  DEVICE_RESPONSE,
  OFFICIAL_ACCOUNTS_RESPONSE,
  OFFICIAL_ACTS_RESPONSE,
  OFFICIALS_STATUS_RESPONSE,
} from './response-schemas.js';

export interface OfficialRecordDeps {
  fold: ServedFold;
  /** Whether this server takes logins: a writer with the commission key does. */
  status: OfficialsStatusAnswer;
}

export const officialRecordRoutes: FastifyPluginAsync<OfficialRecordDeps> = async (app, deps) => {
  app.get<{ Reply: OfficialsStatusAnswer }>(
    '/api/v1/officials/status',
    { schema: { response: { 200: OFFICIALS_STATUS_RESPONSE } } },
    async () => deps.status,
  );
  app.get<{
    Querystring: { from?: string; limit?: string; failed?: string };
    Reply: OfficialActsAnswer;
  }>(
    '/api/v1/officials/acts',
    { schema: { response: { 200: OFFICIAL_ACTS_RESPONSE } } },
    async (req) => {
      const from = optionalDecimal(req.query.from, 'from', 0);
      const limit = Math.min(optionalDecimal(req.query.limit, 'limit', 1000), 10_000);
      if (limit < 1) throw new ApiError('BAD_QUERY', 'limit must be at least 1', 'limit');
      const failed = req.query.failed ?? 'each';
      if (failed !== 'each' && failed !== 'summary')
        throw new ApiError('BAD_QUERY', 'failed must be "each" or "summary"', 'failed');
      const all = (await deps.fold()).officials.acts;
      // With failed=summary, failed logins are left out of `acts` and counted in `failedLogins`.
      const acts = failed === 'summary' ? all.filter((a) => !isFailedLogin(a)) : all;
      const start = acts.findIndex((a) => a.entryIndex >= from);
      return {
        acts: start < 0 ? [] : acts.slice(start, start + limit),
        failedLogins: failedLoginSummary(all),
      };
    },
  );
  app.get<{ Reply: OfficialAccountsAnswer }>(
    '/api/v1/officials/accounts',
    { schema: { response: { 200: OFFICIAL_ACCOUNTS_RESPONSE } } },
    async () => {
      const o = (await deps.fold()).officials;
      return {
        accounts: [...o.accounts.values()],
        proposals: [...o.accountProposals.values()],
      };
    },
  );
  app.get<{ Reply: CorrectionsAnswer }>(
    '/api/v1/corrections',
    { schema: { response: { 200: CORRECTIONS_RESPONSE } } },
    async () => ({
      corrections: [...(await deps.fold()).officials.corrections.values()],
    }),
  );
  app.get<{ Reply: DeclarationsAnswer }>(
    '/api/v1/declarations',
    { schema: { response: { 200: DECLARATIONS_RESPONSE } } },
    async () => ({
      declarations: [...(await deps.fold()).officials.declarations.values()],
    }),
  );
  app.get<{ Params: { id: string }; Reply: DeviceState }>(
    '/api/v1/devices/:id',
    { schema: { response: { 200: DEVICE_RESPONSE } } },
    async (req) => {
      const d = (await deps.fold()).officials.devices.get(req.params.id);
      if (!d) throw new ApiError('NOT_FOUND', `no device "${req.params.id}"`);
      return d;
    },
  );
};

function isFailedLogin(a: ActRecord): boolean {
  return a.kind === 'login' && a.outcome === 'failed';
}

/** Failed logins counted per account ("" for names that are no account) and UTC hour, in log order. */
function failedLoginSummary(acts: readonly ActRecord[]): FailedLoginCount[] {
  const rows = new Map<string, FailedLoginCount>();
  for (const a of acts) {
    if (!isFailedLogin(a)) continue;
    const hour = `${a.at.slice(0, 13)}:00:00Z`;
    const key = `${a.account}\u0000${hour}`;
    const row = rows.get(key);
    if (row) {
      row.count += 1;
      row.lastEntry = a.entryIndex;
    } else
      rows.set(key, {
        account: a.account,
        hour,
        count: 1,
        firstEntry: a.entryIndex,
        lastEntry: a.entryIndex,
      });
  }
  return [...rows.values()];
}
