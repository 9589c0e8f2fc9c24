// Risk-limiting audits on the record (FORMATS.md §15): the state that the
// audit acts build up, and the rules each must pass given the state before
// it. The fold recomputes every sample from the public seed and every risk
// from the confirmed paper figures with the same code (src/audit) the server
// used to write them, so a rigged sample or a risk that does not follow from
// the papers is refused, and `kura verify` (which replays the fold) says so.
// The server calls roundSample, currentRisk and nextRoundSizes to write the
// entries: the very checks the fold makes.

import { err, ok, type Result } from '../basics/result.js';
import { toHex } from '../log/bytes.js';
import { sha256 } from '../log/crypto.js';
import {
  type AuditDraw,
  type BatchTally,
  drawLimit,
  drawRound,
  type Frozen,
  freezeFigures,
  fullCountHolds,
  type LinearAssertion,
  macroRiskOf,
  margins,
  nextSizes,
  type PollingRound,
  pollingRiskOf,
  withMacro,
} from './audit-measures.js';
import { canonicalBytes } from './canonical.js';
import type { CandidateId, ContestId, StationCode, UnitCode } from './definition.js';
import type { ElectionIndex } from './election-index.js';
import {
  type AccountId,
  type AuditMethod,
  type Figures,
  NO_FORM,
  type OfficialAct,
  type Role,
  type RoundOutcome,
} from './official-entry.js';

export type { AuditDraw } from './audit-measures.js';
export type { AuditMethod } from './official-entry.js';

export type AuditStatus =
  | 'proposed'
  | 'awaiting-seed'
  | 'sampling'
  | 'round-open'
  | 'risk-limit-met'
  | 'full-count'
  | 'confirmed'
  | 'overturned';

/** Why an audit act is refused (FORMATS.md §15.3); part of the officials' codes. */
export type AuditErrorCode =
  | 'NOT_PERMITTED'
  | 'UNKNOWN_CONTEST'
  | 'UNKNOWN_STATION'
  | 'UNKNOWN_CANDIDATE'
  | 'MISSING_CANDIDATE'
  | 'UNKNOWN_PROPOSAL'
  | 'SELF_APPROVAL'
  | 'NOT_INDEPENDENT'
  | 'UNKNOWN_AUDIT'
  | 'AUDIT_EXISTS'
  | 'BAD_METHOD'
  | 'BAD_TREE_SIZE'
  | 'AUDIT_NOT_FROZEN'
  | 'RESULTS_INCOMPLETE'
  | 'NO_MARGIN'
  | 'AUDIT_NOT_APPROVED'
  | 'SEED_EXISTS'
  | 'SEED_MISSING'
  | 'ROUND_OUT_OF_ORDER'
  | 'ROUND_OPEN'
  | 'AUDIT_FINISHED'
  | 'TOO_MANY_DRAWS'
  | 'SAMPLE_MISMATCH'
  | 'NOT_IN_SAMPLE'
  | 'PAPER_EXISTS'
  | 'BAD_PAPER'
  | 'DRAWS_MISMATCH'
  | 'UNKNOWN_PAPER'
  | 'ALREADY_CONFIRMED'
  | 'ROUND_INCOMPLETE'
  | 'RISK_MISMATCH'
  | 'UNAUDITABLE';

export interface AuditError {
  code: AuditErrorCode;
  field: string;
  message: string;
}

export interface AuditAssertionView {
  id: string;
  description: string;
  /** V_a: the assertion's sum over the frozen figures (a positive integer). */
  margin: number;
}

export interface AuditPaperView {
  entryIndex: number;
  station: StationCode;
  enteredBy: AccountId;
  paper: 'counted' | 'not-found' | 'ballots';
  /** The paper's figures; for ballots, how the sampled ballots read per candidate. */
  votes: Record<CandidateId, number>;
  rejected: number;
  totalValid: number;
  invalid?: number;
  notFound?: number;
  form: string;
  confirmedBy: AccountId | null;
  confirmedAt: number | null;
  /** A later entry of the same station and round replaced this one before it was confirmed. */
  supersededBy: number | null;
  /** The frozen figures of the station. */
  logged: Figures;
  /** Paper against logged, field by field (candidates sorted, then rejected, totalValid); [] for ballots. */
  differences: { field: string; paper: number; logged: number }[];
}

export interface AuditRoundView {
  round: number;
  full: boolean;
  startedAt: number;
  /** Hex SHA-256 of the round's canonical sample JSON; "" for a full count. */
  sampleSha256: string;
  /** This round's draws; a full count lists every station of the contest once (ticket ""). */
  draws: AuditDraw[];
  /** The round's paper and ballot entries, in log order. */
  papers: AuditPaperView[];
  closedAt: number | null;
  risk: string | null;
  outcome: RoundOutcome | null;
}

export interface AuditView {
  id: string;
  contest: ContestId;
  method: AuditMethod;
  /** Percent. */
  riskLimit: number;
  treeSize: number;
  proposedAt: number;
  proposedBy: AccountId;
  approvedAt: number | null;
  approvedBy: AccountId | null;
  seed: string | null;
  seedAt: number | null;
  /** From the approval on; [] before. */
  assertions: AuditAssertionView[];
  /** U, the total error bound (macro, from the approval on); null otherwise. */
  errorBound: number | null;
  status: AuditStatus;
  /** The risk of the last closed round (1 before any; 0 after a full count). */
  risk: number;
  rounds: AuditRoundView[];
}

/** Who acts, as the officials' state knows them. */
export interface AuditActor {
  id: AccountId;
  role: Role;
  scope: UnitCode;
}

/** What the audits ask of the officials and of the fold. */
export interface AuditContext {
  actor: AuditActor | null;
  /** The act's log index. */
  at: number;
  /** Whether two accounts may take part in one two-person act (FORMATS.md §14.2). */
  independent(a: AccountId, b: AccountId): boolean;
  /** Whether a scope covers a station. */
  covers(scope: UnitCode, station: StationCode): boolean;
  fold: AuditFoldView;
}

/** The results an audit freezes. */
export interface AuditFoldView {
  /** The figures a station is counted with now for a contest, if it reported. */
  stationFigures(contest: ContestId, station: StationCode): Figures | undefined;
  /** The last entry that changed the contest's tallies (-1: none yet). */
  lastChange(contest: ContestId): number;
}

type AuditAct = Extract<OfficialAct, { kind: `audit-${string}` }>;
export type AuditActKind = AuditAct['kind'];
type ActOf<K extends AuditActKind> = Extract<AuditAct, { kind: K }>;

interface AuditState {
  view: AuditView;
  frozen: Frozen | null;
  /** station → the confirmed paper entry (macro and full counts; an audit's one reading of a station). */
  confirmedPaper: Map<StationCode, AuditPaperView>;
  /** round → station → the latest paper or ballots entry of that round. */
  latest: Map<number, Map<StationCode, AuditPaperView>>;
}

function refuse(
  code: AuditErrorCode,
  field: string,
  message: string,
): { ok: false; error: AuditError } {
  return err({ code, field, message });
}

const READY: Result<null, AuditError> = ok(null);

export class Audits {
  private readonly byId = new Map<string, AuditState>();
  /** audit-proposed entry index → audit id. */
  private readonly proposals = new Map<number, string>();
  /** paper or ballots entry index → (audit, round, the paper). */
  private readonly papers = new Map<
    number,
    { audit: string; round: number; paper: AuditPaperView }
  >();

  constructor(readonly index: ElectionIndex) {}

  /** Every audit, in the order proposed. */
  list(): AuditView[] {
    return [...this.byId.values()].map((a) => a.view);
  }

  get(id: string): AuditView | undefined {
    return this.byId.get(id)?.view;
  }

  /** The audit a proposal entry started, if any. */
  proposal(entryIndex: number): AuditView | undefined {
    const id = this.proposals.get(entryIndex);
    return id === undefined ? undefined : this.get(id);
  }

  /** The paper or ballots entry at an index, with its audit and round. */
  paper(entryIndex: number): { audit: string; round: number; paper: AuditPaperView } | undefined {
    return this.papers.get(entryIndex);
  }

  /** Checks an audit act against the state before it. */
  check(act: AuditAct, c: AuditContext): Result<null, AuditError> {
    return guarded(() => (Audits.ACTS[act.kind] as Rules<AuditActKind>).check(this, act, c));
  }

  /** Records an act that check() accepted; returns what it acted on (the audit id, or the entry). */
  apply(act: AuditAct, c: AuditContext): string {
    return (Audits.ACTS[act.kind] as Rules<AuditActKind>).apply(this, act, c);
  }

  // --- the pure helpers (roundSample, currentRisk, nextRoundSizes call these) ---

  /** The next `count` draws of an audit (after every earlier round's), and the round's sample hash. */
  sample(auditId: string, round: number, count: number): Result<RoundSample, AuditError> {
    const a = this.byId.get(auditId);
    if (!a) return refuse('UNKNOWN_AUDIT', 'act.audit', `no audit "${auditId}"`);
    if (!a.frozen || a.view.seed === null)
      return refuse('SEED_MISSING', 'act.audit', `audit ${auditId} has no seed yet`);
    const from = allDraws(a).length;
    const limit = drawLimit(a.frozen);
    if (from + count > limit)
      return refuse(
        'TOO_MANY_DRAWS',
        'act.draws',
        `${from} + ${count} draws exceed the ${limit} ${a.frozen.macro ? 'stations' : 'ballots'} of the contest; count them all (audit-full-count)`,
      );
    const draws = drawRound(a.frozen, a.view.seed, from, count);
    return ok({ draws, sampleSha256: sampleSha256(auditId, round, draws) });
  }

  /** The risk over every draw so far and the confirmed entries, and the outcome it gives. */
  risk(auditId: string): Result<RiskNow, AuditError> {
    const a = this.byId.get(auditId);
    if (!a) return refuse('UNKNOWN_AUDIT', 'act.audit', `no audit "${auditId}"`);
    const f = a.frozen;
    if (!f) return refuse('AUDIT_NOT_APPROVED', 'act.audit', `audit ${auditId} is not approved`);
    const open = openRound(a);
    if (!open)
      return refuse('ROUND_OUT_OF_ORDER', 'act.round', `audit ${auditId} has no open round`);
    const missing = unconfirmed(a, open);
    if (missing.length)
      return refuse(
        'ROUND_INCOMPLETE',
        'act.round',
        `${missing.length} sampled station${missing.length === 1 ? ' has' : 's have'} no confirmed entry yet (first: ${missing[0]})`,
      );
    if (open.full) {
      const papers = new Map<StationCode, Figures | 'not-found'>();
      for (const [s, p] of a.confirmedPaper)
        papers.set(s, p.paper === 'not-found' ? 'not-found' : p);
      return ok({ risk: 0, outcome: fullCountHolds(f, papers) ? 'confirmed' : 'overturned' });
    }
    const risk = f.macro
      ? macroRiskOf(
          f,
          allDraws(a).map((d) => d.station),
          macroPapers(a),
        )
      : pollingRiskOf(f, a.view.method, a.view.riskLimit, pollingRounds(a));
    return ok({ risk, outcome: risk <= a.view.riskLimit / 100 ? 'risk-limit-met' : 'continue' });
  }

  /** How many more draws give a 70, 80 and 90 % chance of meeting the risk limit (estimates). */
  sizes(auditId: string): Result<RoundSizes, AuditError> {
    const a = this.byId.get(auditId);
    if (!a) return refuse('UNKNOWN_AUDIT', 'act.audit', `no audit "${auditId}"`);
    if (!a.frozen)
      return refuse('AUDIT_NOT_APPROVED', 'act.audit', `audit ${auditId} is not approved`);
    return ok(
      nextSizes(
        a.frozen,
        a.view.method,
        a.view.riskLimit,
        allDraws(a).map((d) => d.station),
        macroPapers(a),
        pollingRounds(a),
      ),
    );
  }

  // --- the acts ---

  private static readonly ACTS: { [K in AuditActKind]: Rules<K> } = {
    'audit-proposed': {
      check: (s, act, { actor, at, fold }) => {
        const no = permit(actor, 'commission-admin', 'propose audits');
        if (no) return no;
        if (s.byId.has(act.audit))
          return refuse(
            'AUDIT_EXISTS',
            'act.audit',
            `audit ${act.audit} was proposed at log entry ${s.byId.get(act.audit)?.view.proposedAt}`,
          );
        const contest = s.index.contests.get(act.contest);
        if (!contest)
          return refuse('UNKNOWN_CONTEST', 'act.contest', `no contest "${act.contest}"`);
        if (act.method !== 'macro' && contest.scope !== 'nation')
          return refuse(
            'BAD_METHOD',
            'act.method',
            `ballot polling audits a contest with one race; ${act.contest} has a race per ${contest.scope}: use macro`,
          );
        if (act.treeSize < 1 || act.treeSize > at)
          return refuse(
            'BAD_TREE_SIZE',
            'act.treeSize',
            `the audited checkpoint must be a tree size from 1 to ${at} (this entry's index), not ${act.treeSize}`,
          );
        return frozenSince(fold, act.contest, act.treeSize);
      },
      apply: (s, act, { actor, at }) => {
        s.proposals.set(at, act.audit);
        s.byId.set(act.audit, {
          view: {
            id: act.audit,
            contest: act.contest,
            method: act.method,
            riskLimit: act.riskLimit,
            treeSize: act.treeSize,
            proposedAt: at,
            proposedBy: actor?.id ?? '',
            approvedAt: null,
            approvedBy: null,
            seed: null,
            seedAt: null,
            assertions: [],
            errorBound: null,
            status: 'proposed',
            risk: 1,
            rounds: [],
          },
          frozen: null,
          confirmedPaper: new Map(),
          latest: new Map(),
        });
        return act.audit;
      },
    },

    'audit-approved': {
      check: (s, act, c) => {
        const no = permit(c.actor, 'commission-admin', 'approve audits');
        if (no) return no;
        const id = s.proposals.get(act.proposal);
        const a = id === undefined ? undefined : s.byId.get(id);
        if (!a)
          return refuse(
            'UNKNOWN_PROPOSAL',
            'act.proposal',
            `entry ${act.proposal} is not an audit proposal`,
          );
        const v = a.view;
        if (v.approvedAt !== null)
          return refuse(
            'AUDIT_EXISTS',
            'act.proposal',
            `audit ${v.id} was approved at log entry ${v.approvedAt}`,
          );
        const actor = c.actor as AuditActor;
        if (actor.id === v.proposedBy)
          return refuse(
            'SELF_APPROVAL',
            'account',
            `${actor.id} proposed audit ${v.id}; another administrator must approve it`,
          );
        if (!c.independent(actor.id, v.proposedBy))
          return refuse(
            'NOT_INDEPENDENT',
            'account',
            `${actor.id} cannot approve audit ${v.id}: ${actor.id} and ${v.proposedBy} took part in making one another; the two-person rule needs an administrator independent of the proposer`,
          );
        const frozen = frozenSince(c.fold, v.contest, v.treeSize);
        if (!frozen.ok) return frozen;
        const f = s.freeze(v.contest, v.method, c.fold);
        return f.ok ? READY : f;
      },
      apply: (s, act, { actor, at, fold }) => {
        const id = s.proposals.get(act.proposal) ?? '';
        const a = s.byId.get(id);
        const f = a && s.freeze(a.view.contest, a.view.method, fold);
        if (!a || !f?.ok) return id;
        a.frozen = f.value;
        a.view.approvedAt = at;
        a.view.approvedBy = actor?.id ?? '';
        a.view.status = 'awaiting-seed';
        const m = margins(f.value);
        a.view.assertions = f.value.assertions.map((x, i) => ({
          id: x.id,
          description: s.describe(x, a.view.contest),
          margin: m[i] as number,
        }));
        a.view.errorBound = f.value.macro ? f.value.macro.errorBound : null;
        return id;
      },
    },

    'audit-seed': {
      check: (s, act, { actor }) => {
        const no = permit(actor, 'commission-admin', 'log audit seeds');
        if (no) return no;
        const a = s.byId.get(act.audit);
        if (!a) return refuse('UNKNOWN_AUDIT', 'act.audit', `no audit "${act.audit}"`);
        if (a.view.approvedAt === null)
          return refuse(
            'AUDIT_NOT_APPROVED',
            'act.audit',
            `audit ${act.audit} awaits a second administrator's approval`,
          );
        if (a.view.seed !== null)
          return refuse(
            'SEED_EXISTS',
            'act.seed',
            `audit ${act.audit}'s seed was logged at entry ${a.view.seedAt}`,
          );
        if (a.view.rounds.length)
          return refuse(
            'SEED_EXISTS',
            'act.seed',
            `audit ${act.audit} has started counting without a seed; a seed comes before any sample`,
          );
        return READY;
      },
      apply: (s, act, { at }) => {
        const a = s.byId.get(act.audit);
        if (a) {
          a.view.seed = act.seed;
          a.view.seedAt = at;
          a.view.status = 'sampling';
        }
        return act.audit;
      },
    },

    'audit-round': {
      check: (s, act, c) => {
        const next = s.checkNewRound(c.actor, act.audit, act.round, 'act.round');
        return next.ok ? s.checkSample(act) : next;
      },
      apply: (s, act, { at }) => {
        const sample = s.sample(act.audit, act.round, act.draws);
        const a = s.byId.get(act.audit);
        if (a && sample.ok) s.startRound(a, act.round, at, false, act.sample, sample.value.draws);
        return act.audit;
      },
    },

    'audit-full-count': {
      check: (s, act, c) => s.checkNewRound(c.actor, act.audit, act.round, 'act.round', true),
      apply: (s, act, { at }) => {
        const a = s.byId.get(act.audit);
        if (a?.frozen) {
          const from = allDraws(a).length;
          const draws = [...a.frozen.figures.keys()].map((station, i) => ({
            draw: from + i + 1,
            station,
            ticket: '',
          }));
          s.startRound(a, act.round, at, true, '', draws);
        }
        return act.audit;
      },
    },

    'audit-paper': {
      check: (s, act, c) => {
        const where = s.checkEntry(act, c, 'paper');
        if (!where.ok) return where;
        const { a } = where.value;
        const known = s.checkCandidates(a.view.contest, act.station, act.votes);
        if (!known.ok) return known;
        if (act.paper === 'not-found') {
          if (
            act.form !== NO_FORM ||
            act.rejected !== 0 ||
            act.totalValid !== 0 ||
            Object.values(act.votes).some((n) => n !== 0)
          )
            return refuse(
              'BAD_PAPER',
              'act.paper',
              'a paper that was not found has every figure 0 and form 64 zeros',
            );
        } else if (act.form === NO_FORM)
          return refuse(
            'BAD_PAPER',
            'act.form',
            'a counted paper needs the SHA-256 of its photo, not 64 zeros',
          );
        return READY;
      },
      apply: (s, act, { actor, at }) => {
        s.addPaper(act.audit, act.round, act.station, at, {
          entryIndex: at,
          station: act.station,
          enteredBy: actor?.id ?? '',
          paper: act.paper,
          votes: act.votes,
          rejected: act.rejected,
          totalValid: act.totalValid,
          form: act.form,
          confirmedBy: null,
          confirmedAt: null,
          supersededBy: null,
          logged: { votes: {}, rejected: 0, totalValid: 0 },
          differences: [],
        });
        return act.audit;
      },
    },

    'audit-ballots': {
      check: (s, act, c) => {
        const where = s.checkEntry(act, c, 'ballots');
        if (!where.ok) return where;
        const { a, round } = where.value;
        const known = s.checkCandidates(a.view.contest, act.station, act.votes);
        if (!known.ok) return known;
        const drawn = round.draws.filter((d) => d.station === act.station).length;
        const read =
          Object.values(act.votes).reduce((t, n) => t + n, 0) + act.invalid + act.notFound;
        if (read !== drawn)
          return refuse(
            'DRAWS_MISMATCH',
            'act.votes',
            `round ${act.round} drew ${drawn} ballots at station ${act.station}, but the entry reads ${read} (votes + invalid + notFound)`,
          );
        return READY;
      },
      apply: (s, act, { actor, at }) => {
        s.addPaper(act.audit, act.round, act.station, at, {
          entryIndex: at,
          station: act.station,
          enteredBy: actor?.id ?? '',
          paper: 'ballots',
          votes: act.votes,
          rejected: 0,
          totalValid: 0,
          invalid: act.invalid,
          notFound: act.notFound,
          form: act.form,
          confirmedBy: null,
          confirmedAt: null,
          supersededBy: null,
          logged: { votes: {}, rejected: 0, totalValid: 0 },
          differences: [],
        });
        return act.audit;
      },
    },

    'audit-confirmed': {
      check: (s, act, c) => {
        const no = permit(c.actor, 'audit-board', 'confirm audit entries');
        if (no) return no;
        const actor = c.actor as AuditActor;
        const p = s.papers.get(act.entry);
        if (!p)
          return refuse(
            'UNKNOWN_PAPER',
            'act.entry',
            `entry ${act.entry} is not an audit paper or ballots entry`,
          );
        const { paper } = p;
        if (paper.confirmedAt !== null)
          return refuse(
            'ALREADY_CONFIRMED',
            'act.entry',
            `entry ${act.entry} was confirmed at log entry ${paper.confirmedAt}`,
          );
        if (paper.supersededBy !== null)
          return refuse(
            'UNKNOWN_PAPER',
            'act.entry',
            `entry ${act.entry} was replaced by entry ${paper.supersededBy}; confirm that one`,
          );
        if (actor.id === paper.enteredBy)
          return refuse(
            'SELF_APPROVAL',
            'account',
            `${actor.id} entered entry ${act.entry}; a second member of the audit board must confirm it`,
          );
        if (!c.independent(actor.id, paper.enteredBy))
          return refuse(
            'NOT_INDEPENDENT',
            'account',
            `${actor.id} and ${paper.enteredBy} took part in making one another; a confirmation needs an independent member`,
          );
        if (!c.covers(actor.scope, paper.station))
          return refuse(
            'NOT_PERMITTED',
            'act.entry',
            `station ${paper.station} is outside ${actor.id}'s area (${actor.scope})`,
          );
        return READY;
      },
      apply: (s, act, { actor, at }) => {
        const p = s.papers.get(act.entry);
        if (!p) return String(act.entry);
        p.paper.confirmedBy = actor?.id ?? '';
        p.paper.confirmedAt = at;
        const a = s.byId.get(p.audit);
        if (a && p.paper.paper !== 'ballots') a.confirmedPaper.set(p.paper.station, p.paper);
        return String(act.entry);
      },
    },

    'audit-round-closed': {
      check: (s, act, { actor }) => {
        const no = permit(actor, 'commission-admin', 'close audit rounds');
        if (no) return no;
        const a = s.byId.get(act.audit);
        if (!a) return refuse('UNKNOWN_AUDIT', 'act.audit', `no audit "${act.audit}"`);
        const open = openRound(a);
        if (!open || open.round !== act.round)
          return refuse(
            'ROUND_OUT_OF_ORDER',
            'act.round',
            open
              ? `round ${open.round} of audit ${act.audit} is the open one, not ${act.round}`
              : `audit ${act.audit} has no open round`,
          );
        const missing = unconfirmed(a, open);
        if (missing.length)
          return refuse(
            'ROUND_INCOMPLETE',
            'act.round',
            `${missing.length} sampled station${missing.length === 1 ? ' has' : 's have'} no confirmed entry yet (first: ${missing[0]})`,
          );
        const now = s.risk(act.audit);
        if (!now.ok) return now;
        const { risk, outcome } = now.value;
        if (act.risk !== String(risk) || act.outcome !== outcome)
          return refuse(
            'RISK_MISMATCH',
            act.risk !== String(risk) ? 'act.risk' : 'act.outcome',
            `the papers give risk ${String(risk)} and outcome ${outcome}, not ${act.risk} and ${act.outcome}`,
          );
        return READY;
      },
      apply: (s, act, { at }) => {
        const a = s.byId.get(act.audit);
        const open = a && openRound(a);
        if (!a || !open) return act.audit;
        open.closedAt = at;
        open.risk = act.risk;
        open.outcome = act.outcome;
        a.view.risk = Number(act.risk);
        a.view.status = act.outcome === 'continue' ? 'sampling' : act.outcome;
        return act.audit;
      },
    },
  };

  // --- the rules' parts ---

  /** The figures, assertions and sampling frame an approval freezes; refusals if the outcome cannot be audited. */
  private freeze(
    contest: ContestId,
    method: AuditMethod,
    fold: AuditFoldView,
  ): Result<Frozen, AuditError> {
    const c = this.index.contests.get(contest);
    if (!c) return refuse('UNKNOWN_CONTEST', 'act.contest', `no contest "${contest}"`);
    const figures = new Map<StationCode, Figures>();
    let missing = 0;
    let first = '';
    for (const st of this.index.definition.stations) {
      if (!this.index.raceFor(contest, st.code)) continue;
      const f = fold.stationFigures(contest, st.code);
      if (f)
        figures.set(st.code, { votes: f.votes, rejected: f.rejected, totalValid: f.totalValid });
      else {
        missing += 1;
        first ||= st.code;
      }
    }
    if (missing)
      return refuse(
        'RESULTS_INCOMPLETE',
        'act.proposal',
        `${missing} station${missing === 1 ? '' : 's'} of ${contest} ha${missing === 1 ? 's' : 've'} no counted result (first: ${first}); an audit checks a complete count`,
      );
    const frozen = freezeFigures(this.index, c, method, figures);
    const m = margins(frozen);
    for (const [i, a] of frozen.assertions.entries())
      if (!((m[i] as number) > 0))
        return refuse(
          'NO_MARGIN',
          'act.proposal',
          `the reported outcome has no margin on "${a.id}" (${m[i]}): a tie or a loss cannot be confirmed by sampling; count in full`,
        );
    if (method !== 'macro') return ok(frozen);
    try {
      return ok(withMacro(frozen));
    } catch (e) {
      return refuse(
        'NO_MARGIN',
        'act.proposal',
        `the frozen figures cannot be audited: ${(e as Error).message}`,
      );
    }
  }

  private describe(a: LinearAssertion, contest: ContestId): string {
    const name = (id: string) =>
      this.index.contests.get(contest)?.candidates.find((c) => c.id === id)?.name ?? id;
    const share = /^(.+)>1\/2$/.exec(a.id);
    if (share?.[1]) return `${name(share[1])} has more than half of the valid votes`;
    const quarter = /^(.+)>=1\/4:(.+)$/.exec(a.id);
    if (quarter?.[1] && quarter[2])
      return `${name(quarter[1])} has at least a quarter of the valid votes in ${this.index.units.get(quarter[2])?.name ?? quarter[2]}`;
    const [w, l] = Object.entries(a.coefficients)
      .sort(([, x], [, y]) => y - x)
      .map(([id]) => id);
    return w && l ? `${name(w)} has more votes than ${name(l)}` : a.id;
  }

  /** The rules a new round (sampled or full count) must pass. */
  private checkNewRound(
    actor: AuditActor | null,
    auditId: string,
    round: number,
    field: string,
    full = false,
  ): Result<null, AuditError> {
    const no = permit(actor, 'commission-admin', full ? 'start full counts' : 'draw samples');
    if (no) return no;
    const a = this.byId.get(auditId);
    if (!a) return refuse('UNKNOWN_AUDIT', 'act.audit', `no audit "${auditId}"`);
    if (a.view.approvedAt === null)
      return refuse(
        'AUDIT_NOT_APPROVED',
        'act.audit',
        `audit ${auditId} awaits a second administrator's approval`,
      );
    if (!full && a.view.seed === null)
      return refuse(
        'SEED_MISSING',
        'act.audit',
        `audit ${auditId} has no seed: roll the dice in public and log them first`,
      );
    if (finished(a))
      return refuse(
        'AUDIT_FINISHED',
        'act.audit',
        `audit ${auditId} has finished (${a.view.status})`,
      );
    const open = openRound(a);
    if (open)
      return refuse(
        'ROUND_OPEN',
        'act.round',
        `round ${open.round} of audit ${auditId} is not closed`,
      );
    const next = a.view.rounds.length + 1;
    if (round !== next)
      return refuse(
        'ROUND_OUT_OF_ORDER',
        field,
        `the next round of audit ${auditId} is ${next}, not ${round}`,
      );
    return READY;
  }

  /** The round's sample, recomputed: its hash must be the logged one. */
  private checkSample(act: ActOf<'audit-round'>): Result<null, AuditError> {
    const sample = this.sample(act.audit, act.round, act.draws);
    if (!sample.ok) return sample;
    if (sample.value.sampleSha256 !== act.sample)
      return refuse(
        'SAMPLE_MISMATCH',
        'act.sample',
        `the seed and the frozen figures give sample ${sample.value.sampleSha256} for round ${act.round} (draws ${sample.value.draws[0]?.draw ?? 0} to ${sample.value.draws.at(-1)?.draw ?? 0}), not ${act.sample}`,
      );
    return READY;
  }

  private startRound(
    a: AuditState,
    round: number,
    at: number,
    full: boolean,
    sha: string,
    draws: AuditDraw[],
  ): void {
    a.view.rounds.push({
      round,
      full,
      startedAt: at,
      sampleSha256: sha,
      draws,
      papers: [],
      closedAt: null,
      risk: null,
      outcome: null,
    });
    a.view.status = full ? 'full-count' : 'round-open';
    a.latest.set(round, new Map());
  }

  /** Where a paper or ballots entry goes: its audit, its open round, a sampled station the board covers. */
  private checkEntry(
    act: ActOf<'audit-paper'> | ActOf<'audit-ballots'>,
    c: AuditContext,
    what: 'paper' | 'ballots',
  ): Result<{ a: AuditState; round: AuditRoundView }, AuditError> {
    const no = permit(c.actor, 'audit-board', 'enter what the paper says');
    if (no) return no;
    const actor = c.actor as AuditActor;
    const a = this.byId.get(act.audit);
    if (!a) return refuse('UNKNOWN_AUDIT', 'act.audit', `no audit "${act.audit}"`);
    const open = openRound(a);
    if (!open || open.round !== act.round)
      return refuse(
        'ROUND_OUT_OF_ORDER',
        'act.round',
        open
          ? `round ${open.round} of audit ${act.audit} is the open one, not ${act.round}`
          : `audit ${act.audit} has no open round`,
      );
    const papers = countsPapers(a, open);
    if (papers !== (what === 'paper'))
      return refuse(
        'BAD_METHOD',
        'act.kind',
        papers
          ? `round ${open.round} of audit ${act.audit} counts stations' paper forms (audit-paper)`
          : `audit ${act.audit} polls ballots: enter how the sampled ballots read (audit-ballots)`,
      );
    if (!this.index.stations.has(act.station))
      return refuse('UNKNOWN_STATION', 'act.station', `no polling station "${act.station}"`);
    if (!open.draws.some((d) => d.station === act.station))
      return refuse(
        'NOT_IN_SAMPLE',
        'act.station',
        `station ${act.station} is not in round ${open.round}'s sample of audit ${act.audit}`,
      );
    if (!c.covers(actor.scope, act.station))
      return refuse(
        'NOT_PERMITTED',
        'act.station',
        `station ${act.station} is outside ${actor.id}'s area (${actor.scope})`,
      );
    const done =
      what === 'paper'
        ? a.confirmedPaper.get(act.station)
        : a.latest.get(open.round)?.get(act.station);
    if (done?.confirmedAt != null)
      return refuse(
        'PAPER_EXISTS',
        'act.station',
        `station ${act.station}'s entry ${done.entryIndex} was confirmed at log entry ${done.confirmedAt}`,
      );
    return ok({ a, round: open });
  }

  private checkCandidates(
    contest: ContestId,
    station: StationCode,
    votes: Record<string, number>,
  ): Result<null, AuditError> {
    const race = this.index.raceFor(contest, station);
    const order = race?.candidates ?? [];
    for (const cand of Object.keys(votes).sort())
      if (!race?.candidateSet.has(cand))
        return refuse('UNKNOWN_CANDIDATE', `act.votes.${cand}`, `"${cand}" is not in this race`);
    for (const cand of order)
      if (!Object.hasOwn(votes, cand))
        return refuse('MISSING_CANDIDATE', `act.votes.${cand}`, `a count for "${cand}" is missing`);
    return READY;
  }

  private addPaper(
    auditId: string,
    round: number,
    station: StationCode,
    at: number,
    paper: AuditPaperView,
  ): void {
    const a = this.byId.get(auditId);
    const r = a?.view.rounds.find((x) => x.round === round);
    if (!a || !r) return;
    const logged = a.frozen?.figures.get(station);
    if (logged) {
      paper.logged = logged;
      if (paper.paper !== 'ballots') paper.differences = paperDifferences(paper, logged);
    }
    const latest = a.latest.get(round) ?? new Map<StationCode, AuditPaperView>();
    const before = latest.get(station);
    if (before && before.confirmedAt === null) before.supersededBy = at;
    latest.set(station, paper);
    a.latest.set(round, latest);
    r.papers.push(paper);
    this.papers.set(at, { audit: auditId, round, paper });
  }
}

interface Rules<K extends AuditActKind> {
  check(s: Audits, act: ActOf<K>, c: AuditContext): Result<null, AuditError>;
  apply(s: Audits, act: ActOf<K>, c: AuditContext): string;
}

export interface RoundSample {
  draws: AuditDraw[];
  sampleSha256: string;
}

export interface RiskNow {
  risk: number;
  outcome: RoundOutcome;
}

export interface RoundSizes {
  '0.7': number;
  '0.8': number;
  '0.9': number;
}

/**
 * The math of src/audit refuses figures it cannot use with a RangeError; an
 * entry from a log is attacker-controlled, so such a refusal is the entry's
 * (UNAUDITABLE), never the fold's crash.
 */
function guarded<T>(f: () => Result<T, AuditError>): Result<T, AuditError> {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return refuse('UNAUDITABLE', 'act', `the audit's figures cannot be measured: ${e.message}`);
  }
}

/** The next round's sample of an audit, as the fold will recompute it (the server writes it in audit-round). */
export function roundSample(
  audits: Audits,
  auditId: string,
  draws: number,
): Result<RoundSample, AuditError> {
  const a = audits.get(auditId);
  return guarded(() => audits.sample(auditId, (a?.rounds.length ?? 0) + 1, draws));
}

/** The risk and outcome that closing the open round must log (audit-round-closed). */
export function currentRisk(audits: Audits, auditId: string): Result<RiskNow, AuditError> {
  return guarded(() => audits.risk(auditId));
}

/** Estimates of the next round's size at 70, 80 and 90 % chance of meeting the risk limit. */
export function nextRoundSizes(audits: Audits, auditId: string): Result<RoundSizes, AuditError> {
  return guarded(() => audits.sizes(auditId));
}

/** The canonical sample JSON's SHA-256 (FORMATS.md §15.4). */
export function sampleSha256(auditId: string, round: number, draws: readonly AuditDraw[]): string {
  const json = {
    audit: auditId,
    round,
    draws: draws.map((d) =>
      d.position === undefined
        ? { draw: d.draw, station: d.station, ticket: d.ticket }
        : { draw: d.draw, station: d.station, ticket: d.ticket, position: d.position },
    ),
  };
  return toHex(sha256(canonicalBytes(json)));
}

/** NOT_PERMITTED unless the actor is an account of `role`. */
function permit(
  actor: AuditActor | null,
  role: Role,
  what: string,
): { ok: false; error: AuditError } | null {
  if (actor === null || actor.role !== role)
    return refuse(
      'NOT_PERMITTED',
      'role',
      `${actor ? `a ${actor.role}` : 'the console'} may not ${what}; ${role} only`,
    );
  return null;
}

/** AUDIT_NOT_FROZEN unless nothing about the contest changed at or after the audited tree size. */
function frozenSince(
  fold: AuditFoldView,
  contest: ContestId,
  treeSize: number,
): Result<null, AuditError> {
  const last = fold.lastChange(contest);
  if (last >= treeSize)
    return refuse(
      'AUDIT_NOT_FROZEN',
      'act.treeSize',
      `entry ${last} changed ${contest}'s results after the audited tree size ${treeSize}: propose the audit again at a tree size after it`,
    );
  return READY;
}

/** The draws of every sampled round so far, in draw order. */
function allDraws(a: AuditState): AuditDraw[] {
  return a.view.rounds.filter((r) => !r.full).flatMap((r) => r.draws);
}

function openRound(a: AuditState): AuditRoundView | undefined {
  const last = a.view.rounds.at(-1);
  return last && last.closedAt === null ? last : undefined;
}

function finished(a: AuditState): boolean {
  const s = a.view.status;
  return s === 'risk-limit-met' || s === 'confirmed' || s === 'overturned';
}

/** Whether a round's entries are paper forms (macro, and every full count) or ballots. */
function countsPapers(a: AuditState, round: AuditRoundView): boolean {
  return a.view.method === 'macro' || round.full;
}

/** The round's sampled stations (in draw order, once each) with no confirmed entry. */
function unconfirmed(a: AuditState, round: AuditRoundView): StationCode[] {
  const out: StationCode[] = [];
  const seen = new Set<StationCode>();
  for (const d of round.draws) {
    if (seen.has(d.station)) continue;
    seen.add(d.station);
    const entry = countsPapers(a, round)
      ? a.confirmedPaper.get(d.station)
      : a.latest.get(round.round)?.get(d.station);
    if (entry?.confirmedAt == null) out.push(d.station);
  }
  return out;
}

/** The confirmed papers of an audit as MACRO reads them. */
function macroPapers(a: AuditState): Map<StationCode, BatchTally | 'not-found'> {
  const out = new Map<StationCode, BatchTally | 'not-found'>();
  for (const [s, p] of a.confirmedPaper)
    out.set(
      s,
      p.paper === 'not-found'
        ? 'not-found'
        : { votes: p.votes, ballots: p.totalValid + p.rejected },
    );
  return out;
}

/** Each sampled round's ballots as read, from its confirmed ballots entries (invalid ballots count for no one). */
function pollingRounds(a: AuditState): PollingRound[] {
  const f = a.frozen;
  if (!f || f.macro) return [];
  const out: PollingRound[] = [];
  for (const r of a.view.rounds) {
    if (r.full) continue;
    const tally: Record<CandidateId, number> = Object.create(null);
    for (const c of Object.keys(f.totals)) tally[c] = 0;
    let notFound = 0;
    for (const p of a.latest.get(r.round)?.values() ?? []) {
      if (p.confirmedAt === null) continue;
      for (const [c, n] of Object.entries(p.votes)) tally[c] = (tally[c] ?? 0) + n;
      notFound += p.notFound ?? 0;
    }
    out.push({ tally, size: r.draws.length, notFound });
  }
  return out;
}

/** Paper against logged, candidates sorted, then rejected and totalValid. */
function paperDifferences(paper: Figures, logged: Figures): AuditPaperView['differences'] {
  const out: AuditPaperView['differences'] = [];
  for (const c of Object.keys(logged.votes).sort()) {
    const p = paper.votes[c] ?? 0;
    const l = logged.votes[c] ?? 0;
    if (p !== l) out.push({ field: `votes.${c}`, paper: p, logged: l });
  }
  if (paper.rejected !== logged.rejected)
    out.push({ field: 'rejected', paper: paper.rejected, logged: logged.rejected });
  if (paper.totalValid !== logged.totalValid)
    out.push({ field: 'totalValid', paper: paper.totalValid, logged: logged.totalValid });
  return out;
}
