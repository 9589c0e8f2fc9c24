// Presidential results per station (stream) built to reproduce the official
// county results and the national Form 34C. Deterministic (seeded PRNGs only).
// data/kenya2022/PROVENANCE.md explains the sources and repeats these choices.
//
// Groups. Each of the 47 counties is reconciled to its row in
// county_presidential_2022_kura254.csv (candidates and rejected). DIASPORA and
// PRISONS together form one more group whose target is the national Form 34C
// minus the 47 counties (Odinga 3,727, Ruto 2,190, Wajackoyah 40, Mwaure 31,
// rejected 44). So the national sums equal Form 34C exactly.
//
// The conflict. The crowdsourced tallies are OCR/crowd readings with errors,
// and counties 001-034 are covered almost completely. In most of those counties
// the tallies cannot be reconciled with the county figure by filling the few
// stations left: for some candidate they already exceed it (by up to 4,919),
// or fall short with no station left to fill. And the excess is largely in the
// "impossible" tallies themselves (e.g. KWALE: two streams with 800 and 880
// Mwaure votes, against 413 in the whole county). So "crowdsourced unchanged",
// "impossible figures kept" and "county sums exact" cannot all hold. Two modes:
//
// 'reconciled' (default): county and national sums exact. Crowdsourced
//   figures are ADJUSTED only where nothing else reconciles them; every change
//   is reported (presidentialAdjustments(): station, candidate, crowdsourced
//   and used figure).
//   - Excess (a candidate's tallies sum above the county figure): that
//     candidate's largest values are cut to a common level (a water level from
//     the top), so the fewest stations change and those are the likeliest
//     misreads. Tallies above the 700 cap are left out of the cut when the
//     others can absorb it; otherwise the water level runs over all tallies.
//   - Shortfall the untallied stations cannot take: that candidate's smallest
//     values are raised to a common level (a water level from the bottom),
//     within each station's room (its registered voters, at most 700, less a
//     reserve for rejected ballots). Tallies above the cap are never raised.
// 'crowdsourced': every tally exactly as read; the untallied stations take
//   what is left as far as that goes without negative numbers; each group's
//   remaining difference is reported (GroupReport.unreconciled), so county and
//   national sums differ from the official ones by exactly those amounts.
//
// In both modes:
// - Stations without a tally are filled: each station's valid votes are the
//   group's remaining votes split in proportion to its registered voters times
//   a seeded turnout factor in [0.75, 1.25), capped by its room; each
//   candidate's votes are split in proportion to the station's votes times a
//   seeded factor in [0.5, 1.5) (the largest candidate takes what is left at
//   each station). Stations without a Form 34A (form 'none') are filled too:
//   the declared totals include them.
// - Rejected ballots (not in the crowdsourced data) are split over every
//   station of the group in proportion to its valid votes (+1) times a seeded
//   factor, never beyond registered voters where that is possible.
// - totalValid = the candidates' sum, except at one station in KILIFI (+10)
//   and one in WEST POKOT (+100): the county file's own inconsistency is kept
//   at the station with the most valid votes (tallies above the cap excluded),
//   so each county's totalValid sum equals the county file. Diaspora and
//   prison stations have totalValid = the candidates' sum, so the national sum
//   of totalValid is the Form 34C valid figure + 110 (Form 34C's valid equals
//   its candidates' sum).
import { apportion, Prng } from './apportion.js';
import {
  type Kenya2022,
  type KenyaStation,
  loadKenya2022,
  type PresidentialTally,
} from './data.js';

export const PRESIDENTIAL_IDS = ['odinga', 'ruto', 'wajackoyah', 'mwaure'] as const;
export type PresidentialId = (typeof PRESIDENTIAL_IDS)[number];

export type StationResultSource = 'crowdsourced' | 'adjusted' | 'filled';

export interface StationPresidential extends PresidentialTally {
  code: string;
  rejected: number;
  /** Valid votes as written on the form: the candidates' sum except at two stations (see header). */
  totalValid: number;
  /** 'crowdsourced': the crowdsourced tally unchanged; 'adjusted': changed to reconcile; 'filled': no tally. */
  source: StationResultSource;
}

export interface PresidentialAdjustment {
  station: string;
  candidate: PresidentialId;
  crowdsourced: number;
  used: number;
  reason: 'county-excess' | 'county-shortfall';
}

export interface GroupReport {
  /** County code, or '048+049' for diaspora and prisons. */
  group: string;
  stations: number;
  crowdsourcedStations: number;
  filledStations: number;
  /** Per candidate: target minus the crowdsourced sum (negative = the tallies exceed the target). */
  gap: PresidentialTally;
  /** Votes that had to be moved into or out of crowdsourced stations. */
  adjustedIn: PresidentialTally;
  adjustedOut: PresidentialTally;
  /** Tallies above the per-stream cap that had to be cut too (reconciled mode), by station code. */
  impossibleAdjusted: string[];
  /** Target minus the stations' sum; all zero in reconciled mode. */
  unreconciled: PresidentialTally;
}

export interface PresidentialResults {
  mode: PresidentialMode;
  /** One per station, in loadKenya2022().stations order (sorted by code). */
  stations: readonly StationPresidential[];
  adjustments: readonly PresidentialAdjustment[];
  groups: readonly GroupReport[];
  /** Stations whose valid + rejected exceed their registered voters (the impossible tallies). */
  overRegistered: readonly string[];
}

const CAP_FALLBACK = 700;
const DIASPORA_PRISONS = '048+049';

function zeroTally(): PresidentialTally {
  return { odinga: 0, ruto: 0, wajackoyah: 0, mwaure: 0 };
}

function validOf(t: PresidentialTally): number {
  return t.odinga + t.ruto + t.wajackoyah + t.mwaure;
}

/**
 * 'reconciled' (the default): county and national figures exact, crowdsourced
 * tallies adjusted where nothing else can reconcile them.
 * 'crowdsourced': every crowdsourced tally exactly as read; the stations without
 * one are filled as far as that can go without negative numbers, and each
 * group's remaining difference is reported (GroupReport.unreconciled).
 */
export type PresidentialMode = 'reconciled' | 'crowdsourced';

const cached = new Map<PresidentialMode, PresidentialResults>();

/** Per-station presidential results (see the module header). Computed once per process and mode. */
export function presidentialStationResults(
  mode: PresidentialMode = 'reconciled',
): readonly StationPresidential[] {
  return presidentialResults(mode).stations;
}

/** Every crowdsourced figure that had to change, with the crowdsourced and the used value. */
export function presidentialAdjustments(): readonly PresidentialAdjustment[] {
  return presidentialResults('reconciled').adjustments;
}

/** The whole computation: stations, adjustments and a per-group report. */
export function presidentialResults(mode: PresidentialMode = 'reconciled'): PresidentialResults {
  let r = cached.get(mode);
  if (!r) {
    r = computePresidentialResults(loadKenya2022(), mode);
    cached.set(mode, r);
  }
  return r;
}

interface Work {
  station: KenyaStation;
  votes: PresidentialTally;
  rejected: number;
  kind: 'crowd' | 'protected' | 'fill';
  room: number;
}

/** The computation on given facts (uncached; presidentialResults() caches it for the committed data). */
export function computePresidentialResults(
  k: Kenya2022,
  mode: PresidentialMode,
): PresidentialResults {
  const cap = k.perStationCap || CAP_FALLBACK;
  const groups = new Map<string, KenyaStation[]>();
  for (const s of k.stations) {
    const g = s.county === '048' || s.county === '049' ? DIASPORA_PRISONS : s.county;
    const list = groups.get(g) ?? [];
    list.push(s);
    groups.set(g, list);
  }

  const targets = new Map<string, PresidentialTally & { rejected: number; totalValid: number }>();
  const rest = { ...zeroTally(), rejected: 0 };
  for (const c of k.countyResults) {
    targets.set(c.code, {
      odinga: c.odinga,
      ruto: c.ruto,
      wajackoyah: c.wajackoyah,
      mwaure: c.mwaure,
      rejected: c.rejected,
      totalValid: c.totalValid,
    });
    for (const id of PRESIDENTIAL_IDS) rest[id] += c[id];
    rest.rejected += c.rejected;
  }
  const n = k.national34C;
  const dp = {
    odinga: n.odinga - rest.odinga,
    ruto: n.ruto - rest.ruto,
    wajackoyah: n.wajackoyah - rest.wajackoyah,
    mwaure: n.mwaure - rest.mwaure,
    rejected: n.rejected - rest.rejected,
    totalValid: 0,
  };
  dp.totalValid = validOf(dp);
  targets.set(DIASPORA_PRISONS, dp);

  const out = new Map<string, StationPresidential>();
  const adjustments: PresidentialAdjustment[] = [];
  const reports: GroupReport[] = [];
  for (const [g, list] of [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const target = targets.get(g);
    if (!target) throw new Error(`presidential: no target for group ${g}`);
    reconcileGroup(mode, g, list, target, cap, out, adjustments, reports);
  }
  const stations = k.stations.map((s) => {
    const r = out.get(s.code);
    if (!r) throw new Error(`presidential: no result for ${s.code}`);
    return r;
  });
  const overRegistered = stations
    .filter((r, i) => validOf(r) + r.rejected > (k.stations[i] as KenyaStation).registeredVoters)
    .map((r) => r.code);
  return { mode, stations, adjustments, groups: reports, overRegistered };
}

function reconcileGroup(
  mode: PresidentialMode,
  group: string,
  list: KenyaStation[],
  target: PresidentialTally & { rejected: number; totalValid: number },
  cap: number,
  out: Map<string, StationPresidential>,
  adjustments: PresidentialAdjustment[],
  reports: GroupReport[],
): void {
  const cast = validOf(target) + target.rejected;
  // Share of rejected ballots among those cast; room for them is kept at each station.
  const rejShare = cast > 0 ? target.rejected / cast : 0;
  const roomFor = (s: KenyaStation) =>
    Math.floor(Math.min(s.registeredVoters, cap) * (1 - 2 * rejShare));

  const work: Work[] = list.map((s) => {
    const t = s.crowdsourced;
    const kind = t === null ? 'fill' : validOf(t) > cap ? 'protected' : 'crowd';
    return { station: s, votes: t ? { ...t } : zeroTally(), rejected: 0, kind, room: roomFor(s) };
  });
  const crowd = work.filter((w) => w.kind === 'crowd');
  const fill = work.filter((w) => w.kind === 'fill');

  const gap = zeroTally();
  for (const id of PRESIDENTIAL_IDS) {
    let s = 0;
    for (const w of work) if (w.kind !== 'fill') s += w.votes[id];
    gap[id] = target[id] - s;
  }

  // How much the stations without a tally take, in total and per candidate.
  const wanted = PRESIDENTIAL_IDS.map((id) => Math.max(0, gap[id]));
  const wantedTotal = wanted.reduce((a, b) => a + b, 0);
  const fillRoom = fill.reduce((a, w) => a + w.room, 0);
  const fillTotal = Math.min(wantedTotal, fillRoom);
  const fillPer =
    fillTotal === wantedTotal
      ? wanted
      : apportion(
          fillTotal,
          wanted,
          wanted.map(() => 0),
          wanted,
        );

  // 1a. Cut excesses out of the crowdsourced stations (before raising, to free room).
  // Tallies above the cap are left alone if the others can absorb the cut; if not,
  // the cut is a water level over all of them (the largest values, i.e. the
  // likeliest misreads, go first).
  const adjustedOut = zeroTally();
  const adjustedIn = zeroTally();
  const tallied = work.filter((w) => w.kind !== 'fill');
  const original = new Map(tallied.map((w) => [w.station.code, { ...w.votes }]));
  if (mode === 'reconciled') {
    for (const id of PRESIDENTIAL_IDS) {
      const excess = Math.max(0, -gap[id]);
      if (excess === 0) continue;
      const removable = crowd.reduce((a, w) => a + w.votes[id], 0);
      cutFromTop(removable >= excess ? crowd : tallied, id, excess);
      adjustedOut[id] = excess;
    }
    // 1b. Raise shortfalls that the fill cannot take.
    PRESIDENTIAL_IDS.forEach((id, j) => {
      const short = (wanted[j] as number) - (fillPer[j] as number);
      if (short === 0) return;
      raiseFromBottom(crowd, id, short, group);
      adjustedIn[id] = short;
    });
  }
  const changed = new Set<string>();
  const impossibleAdjusted: string[] = [];
  for (const w of tallied) {
    const before = original.get(w.station.code) as PresidentialTally;
    for (const id of PRESIDENTIAL_IDS) {
      if (before[id] !== w.votes[id]) {
        changed.add(w.station.code);
        adjustments.push({
          station: w.station.code,
          candidate: id,
          crowdsourced: before[id],
          used: w.votes[id],
          reason: w.votes[id] < before[id] ? 'county-excess' : 'county-shortfall',
        });
      }
    }
    if (w.kind === 'protected' && changed.has(w.station.code))
      impossibleAdjusted.push(w.station.code);
  }

  // 2. Fill the stations without a tally.
  if (fill.length > 0 && fillTotal > 0) {
    const totals = apportion(
      fillTotal,
      fill.map(
        (w) =>
          w.station.registeredVoters *
          (0.75 + 0.5 * new Prng(`kenya-2022/president/turnout/${w.station.code}`).next()),
      ),
      fill.map(() => 0),
      fill.map((w) => w.room),
    );
    const left = [...totals];
    const order = PRESIDENTIAL_IDS.map((id, j) => ({ id, t: fillPer[j] as number })).sort(
      (a, b) => a.t - b.t || (a.id < b.id ? -1 : 1),
    );
    const largest = order[order.length - 1] as { id: PresidentialId; t: number };
    for (const { id, t } of order.slice(0, -1)) {
      const x = apportion(
        t,
        fill.map(
          (w, i) =>
            (totals[i] as number) *
            (0.5 + new Prng(`kenya-2022/president/share/${id}/${w.station.code}`).next()),
        ),
        fill.map(() => 0),
        left,
      );
      fill.forEach((w, i) => {
        w.votes[id] = x[i] as number;
        left[i] = (left[i] as number) - (x[i] as number);
      });
    }
    fill.forEach((w, i) => {
      w.votes[largest.id] = left[i] as number;
    });
  }

  // 3. Rejected ballots.
  if (target.rejected > 0) {
    const weights = work.map(
      (w) =>
        (validOf(w.votes) + 1) *
        (0.5 + new Prng(`kenya-2022/president/rejected/${w.station.code}`).next()),
    );
    let hi = work.map((w) => Math.max(0, w.station.registeredVoters - validOf(w.votes)));
    if (hi.reduce((a, b) => a + b, 0) < target.rejected) hi = work.map(() => target.rejected);
    const x = apportion(
      target.rejected,
      weights,
      work.map(() => 0),
      hi,
    );
    work.forEach((w, i) => {
      w.rejected = x[i] as number;
    });
  }

  // 4. totalValid, with the county file's own inconsistency kept at one station.
  const validDiff = target.totalValid - validOf(target);
  let carrier: Work | undefined;
  if (validDiff !== 0) {
    for (const w of work) {
      if (w.kind === 'protected') continue;
      if (!carrier || validOf(w.votes) > validOf(carrier.votes)) carrier = w;
    }
  }
  for (const w of work) {
    const adjusted = changed.has(w.station.code);
    if (mode === 'reconciled' && validDiff !== 0 && !carrier) {
      throw new Error(`presidential: ${group}: no station to carry the valid-votes difference`);
    }
    out.set(w.station.code, {
      code: w.station.code,
      ...w.votes,
      rejected: w.rejected,
      totalValid: validOf(w.votes) + (w === carrier ? validDiff : 0),
      source: w.kind === 'fill' ? 'filled' : adjusted ? 'adjusted' : 'crowdsourced',
    });
  }
  const unreconciled = zeroTally();
  for (const id of PRESIDENTIAL_IDS) {
    unreconciled[id] = target[id] - work.reduce((a, w) => a + w.votes[id], 0);
  }
  reports.push({
    group,
    stations: list.length,
    crowdsourcedStations: list.length - fill.length,
    filledStations: fill.length,
    gap,
    adjustedIn,
    adjustedOut,
    impossibleAdjusted,
    unreconciled,
  });
}

/** Lowers the largest values of `id` to a common level until `amount` is removed. */
function cutFromTop(ws: Work[], id: PresidentialId, amount: number): void {
  const removable = (level: number) => ws.reduce((a, w) => a + Math.max(0, w.votes[id] - level), 0);
  if (removable(0) < amount) {
    throw new Error(`presidential: cannot remove ${amount} ${id} votes from crowdsourced stations`);
  }
  // Smallest level L with removable(L) <= amount; then take the last units at level L.
  let lo = 0;
  let hi = ws.reduce((a, w) => Math.max(a, w.votes[id]), 0);
  while (lo < hi) {
    const m = Math.floor((lo + hi) / 2);
    if (removable(m) <= amount) hi = m;
    else lo = m + 1;
  }
  const level = lo;
  let left = amount - removable(level);
  for (const w of ws) if (w.votes[id] > level) w.votes[id] = level;
  // left < number of stations at `level` (else a lower level would do): take one each,
  // from the stations whose original value was largest, then by code.
  const atLevel = ws
    .filter((w) => w.votes[id] === level && level > 0)
    .sort((a, b) => {
      const oa = (a.station.crowdsourced as PresidentialTally)[id];
      const ob = (b.station.crowdsourced as PresidentialTally)[id];
      return ob - oa || (a.station.code < b.station.code ? -1 : 1);
    });
  for (const w of atLevel) {
    if (left === 0) break;
    w.votes[id] -= 1;
    left--;
  }
  if (left !== 0) throw new Error('presidential: cut did not balance');
}

/** Raises the smallest values of `id` to a common level, within each station's room. */
function raiseFromBottom(ws: Work[], id: PresidentialId, amount: number, group: string): void {
  const headroom = (w: Work) => Math.max(0, w.room - validOf(w.votes));
  const addable = (level: number) =>
    ws.reduce((a, w) => a + Math.min(headroom(w), Math.max(0, level - w.votes[id])), 0);
  let top = ws.reduce((a, w) => Math.max(a, w.votes[id] + headroom(w)), 0);
  if (addable(top) < amount) {
    throw new Error(`presidential: ${group}: no room for ${amount} more ${id} votes`);
  }
  // Smallest level L with addable(L) >= amount.
  let lo = 0;
  while (lo < top) {
    const m = Math.floor((lo + top) / 2);
    if (addable(m) >= amount) top = m;
    else lo = m + 1;
  }
  const level = lo;
  // Raise everyone to level - 1, then the last units one each (lowest original first, then code).
  let left = amount;
  for (const w of ws) {
    const add = Math.min(headroom(w), Math.max(0, level - 1 - w.votes[id]));
    w.votes[id] += add;
    left -= add;
  }
  const candidates = ws
    .filter((w) => w.votes[id] === level - 1 && headroom(w) > 0)
    .sort((a, b) => {
      const oa = (a.station.crowdsourced as PresidentialTally)[id];
      const ob = (b.station.crowdsourced as PresidentialTally)[id];
      return oa - ob || (a.station.code < b.station.code ? -1 : 1);
    });
  for (const w of candidates) {
    if (left === 0) break;
    w.votes[id] += 1;
    left--;
  }
  if (left !== 0) throw new Error('presidential: raise did not balance');
}
