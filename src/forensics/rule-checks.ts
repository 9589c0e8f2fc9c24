// The rule checks: arithmetic a result must satisfy (or a fact that must hold
// across the log), each tested on every logged result of one contest, with
// the data for its plot. over-cap, over-registered and sum-mismatch are the
// server's own plausibility flags (src/election/rules.ts), under the same
// words, spelled out; a station's ballots are counted the same way here:
// max(written valid total, candidates' sum) + rejected.
import type { StationCode } from '../election/definition.js';
import type { RuleFlag, StationFlag } from './flags.js';
import { type Histogram, histogram } from './histogram.js';
import type { CollectedFigures, StationFigures } from './station-figures.js';

export interface Bar {
  label: string;
  count: number;
  /** Whether this bar's results are the flagged ones. */
  flagged: boolean;
}

export type RuleChart =
  | {
      kind: 'histogram';
      histogram: Histogram;
      xLabel: string;
      /** The line the rule draws (e.g. the cap), in the histogram's units. */
      threshold: number | null;
      thresholdLabel: string;
      percent: boolean;
    }
  | { kind: 'bars'; bars: Bar[]; xLabel: string };

export interface RuleCheck {
  id: RuleFlag;
  /** The rule, in words. */
  rule: string;
  /** Results the rule was tested on. */
  examined: number;
  /** False when the election gives the rule nothing to test (no cap, no serials). */
  applicable: boolean;
  /** Said beside the result (why it normally finds nothing, why it does not apply). */
  note?: string;
  flags: StationFlag[];
  chart: RuleChart;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The least of 1, 2, 2.5 or 5 times a power of ten that is at least x. */
function roundUp(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= x - 1e-9) ?? 10) * p;
}

/**
 * For each device serial, the stations whose results it signed, across every
 * contest: the Kenya definition gives a reused KIEMS serial a second device id
 * (SERIAL#2), so the id alone would hide it.
 */
export function serialUse(collected: CollectedFigures): Map<string, Set<StationCode>> {
  const use = new Map<string, Set<StationCode>>();
  for (const list of collected.byContest.values())
    for (const f of list) {
      if (f.serial === undefined) continue;
      const set = use.get(f.serial) ?? new Set<StationCode>();
      set.add(f.station);
      use.set(f.serial, set);
    }
  return use;
}

/** Every rule check on one contest's results (all of them, in log order). */
export function ruleChecks(
  figures: readonly StationFigures[],
  perStationCap: number | null,
  serials: Map<string, Set<StationCode>>,
): RuleCheck[] {
  return [
    overCap(figures, perStationCap),
    overRegistered(figures),
    votesOverRegistered(figures),
    sumMismatch(figures),
    serialAtTwoStations(figures, serials),
    stationReportedTwice(figures),
  ];
}

function flagOf(
  f: StationFigures,
  flag: StationFlag['flag'],
  detail: string,
  magnitude: number,
): StationFlag {
  return {
    flag,
    contest: f.contest,
    station: f.station,
    entryIndex: f.entryIndex,
    detail,
    magnitude,
  };
}

export function overCap(figures: readonly StationFigures[], cap: number | null): RuleCheck {
  const flags: StationFlag[] = [];
  if (cap !== null)
    for (const f of figures)
      if (f.ballots > cap)
        flags.push(
          flagOf(
            f,
            'over-cap',
            `${f.ballots} ballots (valid ${f.ballots - f.rejected} + rejected ${f.rejected}); the cap is ${cap} per station`,
            f.ballots - cap,
          ),
        );
  // 42 bins of a round width, to 1.5 times the cap.
  const width = roundUp(((cap ?? 700) * 1.5) / 42);
  const to = width * 42;
  return {
    id: 'over-cap',
    rule:
      cap === null
        ? 'ballots (valid + rejected) must not exceed the per-station cap; this election sets none'
        : `ballots (valid + rejected) must not exceed the per-station cap of ${cap}`,
    examined: figures.length,
    applicable: cap !== null,
    ...(cap === null ? { note: 'The election definition sets no per-station cap.' } : {}),
    flags,
    chart: {
      kind: 'histogram',
      histogram: histogram(
        figures.map((f) => f.ballots),
        { from: 0, to, width },
        (v) => cap !== null && v > cap,
      ),
      xLabel: 'ballots cast at the station (valid + rejected)',
      threshold: cap,
      thresholdLabel: cap === null ? '' : `cap ${cap}`,
      percent: false,
    },
  };
}

export function overRegistered(figures: readonly StationFigures[]): RuleCheck {
  const flags: StationFlag[] = [];
  const values: number[] = [];
  for (const f of figures) {
    if (f.turnout === null) {
      if (f.ballots > 0)
        flags.push(
          flagOf(
            f,
            'over-registered',
            `${f.ballots} ballots at a station with no registered voters`,
            f.ballots,
          ),
        );
      continue;
    }
    values.push(100 * f.turnout);
    if (f.ballots > f.registered)
      flags.push(
        flagOf(
          f,
          'over-registered',
          `${f.ballots} ballots for ${f.registered} registered voters: turnout ${pct(f.turnout)}`,
          f.turnout,
        ),
      );
  }
  return {
    id: 'over-registered',
    rule: 'ballots (valid + rejected) must not exceed the station’s registered voters',
    examined: figures.length,
    applicable: true,
    flags,
    chart: overOneHundredPercent(values, 'turnout: ballots ÷ registered voters (%)'),
  };
}

/** A histogram of percentages (of the registered voters), 0 to 150, past 100 flagged. */
function overOneHundredPercent(values: number[], xLabel: string): RuleChart {
  return {
    kind: 'histogram',
    histogram: histogram(values, { from: 0, to: 150, width: 2.5 }, (v) => v > 100),
    xLabel,
    threshold: 100,
    thresholdLabel: '100%',
    percent: true,
  };
}

export function votesOverRegistered(figures: readonly StationFigures[]): RuleCheck {
  const flags: StationFlag[] = [];
  const values: number[] = [];
  for (const f of figures) {
    const valid = Math.max(f.totalValid, f.candidateSum);
    if (f.registered > 0) values.push((100 * valid) / f.registered);
    if (valid > f.registered)
      flags.push(
        flagOf(
          f,
          'votes-over-registered',
          `${valid} valid votes (not counting ${f.rejected} rejected) for ${f.registered} registered voters`,
          valid - f.registered,
        ),
      );
  }
  return {
    id: 'votes-over-registered',
    rule: 'the valid votes alone (the larger of the written total and the candidates’ sum) must not exceed the registered voters',
    examined: figures.length,
    applicable: true,
    flags,
    chart: overOneHundredPercent(values, 'valid votes ÷ registered voters (%)'),
  };
}

const DIFFERENCE_CLASSES: Array<{ label: string; test: (d: number) => boolean }> = [
  { label: 'total higher by 100 or more', test: (d) => d >= 100 },
  { label: 'total higher by 10–99', test: (d) => d >= 10 && d < 100 },
  { label: 'total higher by 1–9', test: (d) => d >= 1 && d < 10 },
  { label: 'total lower by 1–9', test: (d) => d <= -1 && d > -10 },
  { label: 'total lower by 10–99', test: (d) => d <= -10 && d > -100 },
  { label: 'total lower by 100 or more', test: (d) => d <= -100 },
];

export function sumMismatch(figures: readonly StationFigures[]): RuleCheck {
  const flags: StationFlag[] = [];
  const counts = DIFFERENCE_CLASSES.map(() => 0);
  for (const f of figures) {
    const d = f.totalValid - f.candidateSum;
    if (d === 0) continue;
    const k = DIFFERENCE_CLASSES.findIndex((c) => c.test(d));
    counts[k] = (counts[k] ?? 0) + 1;
    flags.push(
      flagOf(
        f,
        'sum-mismatch',
        `the candidates’ votes add up to ${f.candidateSum}; the form’s valid total is ${f.totalValid} (${d > 0 ? 'higher' : 'lower'} by ${Math.abs(d)})`,
        Math.abs(d),
      ),
    );
  }
  return {
    id: 'sum-mismatch',
    rule: 'the candidates’ votes must add up to the total valid votes written on the form',
    examined: figures.length,
    applicable: true,
    flags,
    chart: {
      kind: 'bars',
      bars: DIFFERENCE_CLASSES.map((c, k) => ({
        label: c.label,
        count: counts[k] ?? 0,
        flagged: true,
      })),
      xLabel: 'results whose written valid total differs from the candidates’ sum',
    },
  };
}

export function serialAtTwoStations(
  figures: readonly StationFigures[],
  serials: Map<string, Set<StationCode>>,
): RuleCheck {
  const flags: StationFlag[] = [];
  /** For each result with a known serial, how many stations that serial signed for. */
  const used: number[] = [];
  let unknown = 0;
  for (const f of figures) {
    const stations = f.serial === undefined ? undefined : serials.get(f.serial);
    if (!stations) {
      unknown++;
      continue;
    }
    used.push(stations.size);
    if (stations.size === 1) continue;
    const others = [...stations].filter((s) => s !== f.station).sort();
    flags.push(
      flagOf(
        f,
        'serial-at-two-stations',
        `signed by device ${f.device}, serial ${f.serial}, which also signed results at ${others.length === 1 ? 'station' : `${others.length} stations:`} ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}`,
        stations.size,
      ),
    );
  }
  const known = figures.length - unknown;
  return {
    id: 'serial-at-two-stations',
    rule: 'one device serial should sign results at one station only',
    examined: known,
    applicable: known > 0,
    ...(known === 0
      ? { note: 'The election definition gives no device serials for these results.' }
      : unknown > 0
        ? { note: `${unknown} results were signed by devices with no known serial.` }
        : {}),
    flags,
    chart: {
      kind: 'bars',
      bars: [
        ...onceTwiceMore(used, [
          'serial used at 1 station',
          'serial used at 2 stations',
          'serial used at 3 or more',
        ]),
        { label: 'no serial known', count: unknown, flagged: false },
      ],
      xLabel: 'results, by how many stations their device’s serial signed for',
    },
  };
}

export function stationReportedTwice(figures: readonly StationFigures[]): RuleCheck {
  const first = new Map<StationCode, StationFigures>();
  const times = new Map<StationCode, number>();
  const flags: StationFlag[] = [];
  for (const f of figures) {
    const k = (times.get(f.station) ?? 0) + 1;
    times.set(f.station, k);
    const before = first.get(f.station);
    if (!before) {
      first.set(f.station, f);
      continue;
    }
    flags.push(
      flagOf(
        f,
        'station-reported-twice',
        `result number ${k} for this station in this contest; the first is entry ${before.entryIndex}`,
        k,
      ),
    );
  }
  return {
    id: 'station-reported-twice',
    rule: 'a station has one result per contest in the log',
    examined: figures.length,
    applicable: true,
    note: 'A kura server refuses a second result for the same station and contest (HTTP 409), so this check normally finds nothing in the log. A refused second submission is known only to the server that refused it, not to the log.',
    flags,
    chart: {
      kind: 'bars',
      bars: onceTwiceMore(times.values(), ['1 result', '2 results', '3 or more']),
      xLabel: 'stations, by the number of results logged for them',
    },
  };
}

/** Bars of how often something came once (as it should), twice, or three times or more (flagged). */
function onceTwiceMore(times: Iterable<number>, labels: readonly [string, string, string]): Bar[] {
  const counts = [0, 0, 0];
  for (const k of times) {
    const i = Math.min(k, 3) - 1;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return labels.map((label, i) => ({ label, count: counts[i] ?? 0, flagged: i > 0 }));
}
