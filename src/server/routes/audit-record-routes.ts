// The public record of the risk-limiting audits, from the log: the list, one
// audit with its draws, papers, rounds and progress per county, and its open
// data (CSV or JSON). A writer reads its live fold; a reader or mirror replays
// the log it serves (fold-follower.ts), so every server answers the same.
import type { FastifyPluginAsync } from 'fastify';
import type { AuditAnswer, AuditsAnswer } from '../../api/contract.js';
import { auditAnswer, auditLastEntry, auditSummary } from '../../election/audit-progress.js';
import type { ElectionIndex } from '../../election/election-index.js';
import { ApiError } from '../errors.js';
import type { ServedFold } from '../fold-follower.js';
import { auditTable, auditTableCsv } from '../open-data/audit-table.js';
import { fileSafe, sendVersioned } from './open-data-routes.js';
import { AUDIT_RESPONSE, AUDITS_RESPONSE } from './response-schemas.js';

export interface AuditRecordDeps {
  index: ElectionIndex;
  fold: ServedFold;
}

export const auditRecordRoutes: FastifyPluginAsync<AuditRecordDeps> = async (app, deps) => {
  const { index } = deps;
  const viewOf = async (id: string) => {
    const view = (await deps.fold()).officials.audits.get(id);
    if (!view) throw new ApiError('UNKNOWN_AUDIT', `no audit "${id}" is on the log`, 'id');
    return view;
  };

  app.get<{ Reply: AuditsAnswer }>(
    '/api/v1/audits',
    { schema: { response: { 200: AUDITS_RESPONSE } } },
    async () => ({
      audits: (await deps.fold()).officials.audits.list().map((v) => auditSummary(index, v)),
    }),
  );

  app.get<{ Params: { id: string }; Reply: AuditAnswer }>(
    '/api/v1/audits/:id',
    { schema: { response: { 200: AUDIT_RESPONSE } } },
    async (req) => auditAnswer(index, await viewOf(req.params.id)),
  );

  app.get<{ Params: { id: string }; Querystring: { format?: string } }>(
    '/api/v1/audits/:id/data',
    async (req, reply) => {
      const format = req.query.format ?? 'json';
      if (format !== 'csv' && format !== 'json')
        throw new ApiError('BAD_QUERY', 'format must be one of csv, json', 'format');
      const view = await viewOf(req.params.id);
      const etag = `W/"audit/${view.id}/${format}/${auditLastEntry(view)}"`;
      const table = auditTable(index, view);
      const name = `${fileSafe(index.definition.electionId)}-audit-${fileSafe(view.id)}.${format}`;
      return format === 'csv'
        ? sendVersioned(
            req,
            reply,
            etag,
            'text/csv; charset=utf-8; header=present',
            Buffer.from(auditTableCsv(table)),
            name,
          )
        : sendVersioned(
            req,
            reply,
            etag,
            'application/json; charset=utf-8',
            Buffer.from(JSON.stringify(table)),
            name,
          );
    },
  );
};
