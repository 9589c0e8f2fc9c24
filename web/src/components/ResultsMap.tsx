// The results map at two levels: the 47 counties (national page) and one
// county's constituencies (its county page). Outlines are pre-projected by
// scripts/build-maps.ts into data/kenya2022/maps/ and fetched as hashed assets
// only when a map is shown (this module is itself loaded lazily by MapSlot).
// Each shape is a link to its unit's results, named for screen readers; the
// fill is the leading candidate's (or party's) colour, or a turnout band.
import './maps.css';
import { useEffect, useState } from 'preact/hooks';
import countiesUrl from '../../../data/kenya2022/maps/counties.json?url';
import type { UnitTally } from '../api';
import { formatNumber, formatPercent, useT } from '../i18n';
import { type MapFile, type MapShape, mapFits } from '../map-fit';
import { unitHref } from '../router';
import { leader, turnout } from '../tally';

const constituencyUrls = import.meta.glob('../../../data/kenya2022/maps/constituencies-*.json', {
  query: '?url',
  import: 'default',
  eager: true,
}) as Record<string, string>;

const loaded = new Map<string, Promise<MapFile>>();
function loadMap(url: string): Promise<MapFile> {
  let p = loaded.get(url);
  if (!p) {
    p = fetch(url).then((r) => {
      if (!r.ok) throw new Error(`map: HTTP ${r.status}`);
      return r.json() as Promise<MapFile>;
    });
    p.catch(() => loaded.delete(url));
    loaded.set(url, p);
  }
  return p;
}

/** The map file for a level, or null where kura has none (not a Kenyan county). */
export function mapUrl(level: 'county' | 'constituency', county?: string): string | null {
  if (level === 'county') return countiesUrl;
  return constituencyUrls[`../../../data/kenya2022/maps/constituencies-${county}.json`] ?? null;
}

export interface MapUnit {
  unit: string;
  name: string;
  tally: UnitTally;
}

export interface ResultsMapProps {
  contest: string;
  /** The level of the shapes: counties nation-wide, or one county's constituencies. */
  level: 'county' | 'constituency';
  county?: string;
  units: MapUnit[];
  colour: (id: string) => string;
  /** A candidate's name (or a party's, where the tally counts parties). */
  leaderName: (id: string) => string;
}

const NEUTRAL = '#d9d9d9';
/** Turnout bands: lower bounds, and a light-to-dark blue scale. */
const TURNOUT_BANDS: Array<[number, string]> = [
  [0, '#deebf7'],
  [0.5, '#9ecae1'],
  [0.6, '#6baed6'],
  [0.7, '#3182bd'],
  [0.8, '#08519c'],
];

function band(x: number): number {
  let i = 0;
  for (const [k, [lo]] of TURNOUT_BANDS.entries()) if (x >= lo) i = k;
  return i;
}

/** "{a} leads with {b}": fills a message's placeholders. */
const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);

export function ResultsMap(props: ResultsMapProps) {
  const { t, lang } = useT();
  const url = mapUrl(props.level, props.county);
  const [map, setMap] = useState<MapFile | null>(null);
  const [mode, setMode] = useState<'leader' | 'turnout'>('leader');
  const [focused, setFocused] = useState<string | null>(null);
  useEffect(() => {
    if (url) loadMap(url).then(setMap, () => setMap(null));
  }, [url]);
  if (!url) return null;
  if (!map) return <div class="map-placeholder" aria-hidden="true" />;
  if (!mapFits(map, props.units)) return null;

  const byCode = new Map(props.units.map((u) => [u.unit, u]));
  const leaders = new Map<string, number>();
  const heading = props.level === 'county' ? t('map') : t('mapConstituencies');
  const modeName = mode === 'leader' ? t('mapLeader') : t('turnout');
  const titleId = `map-title-${props.level}`;

  const shapeOf = (s: MapShape) => {
    const u = byCode.get(s.code);
    if (!u) return { unit: null, name: s.name, fill: NEUTRAL, label: '' };
    const reported = fill(t('mapReported'), {
      reported: formatNumber(lang, u.tally.stationsReported),
      expected: formatNumber(lang, u.tally.stationsExpected),
    });
    const lead = leader(u.tally);
    const share = turnout(u.tally);
    if (!lead || (mode === 'turnout' && !Number.isFinite(share)))
      return { unit: u, name: u.name, fill: NEUTRAL, label: `${t('mapNoData')}, ${reported}` };
    leaders.set(lead.id, (leaders.get(lead.id) ?? 0) + 1);
    if (mode === 'leader')
      return {
        unit: u,
        name: u.name,
        fill: props.colour(lead.id),
        label: `${fill(t('mapLeads'), {
          leader: props.leaderName(lead.id),
          share: formatPercent(lang, lead.share),
        })}, ${reported}`,
      };
    return {
      unit: u,
      name: u.name,
      fill: (TURNOUT_BANDS[band(share)] as [number, string])[1],
      label: `${t('turnout').toLowerCase()} ${formatPercent(lang, share)}, ${reported}`,
    };
  };
  const drawn = map.shapes.map((s) => ({ shape: s, ...shapeOf(s) }));
  const focusedShape = map.shapes.find((s) => s.code === focused);

  return (
    <section aria-labelledby={`${titleId}-h`} class="results-map" data-testid="results-map">
      <h2 id={`${titleId}-h`}>{heading}</h2>
      <figure class="map">
        <fieldset class="map-controls">
          <legend>{t('mapColour')}:</legend>
          {(['leader', 'turnout'] as const).map((m) => (
            <button
              type="button"
              aria-pressed={mode === m}
              class={mode === m ? 'chip chip-on' : 'chip'}
              onClick={() => setMode(m)}
            >
              {m === 'leader' ? t('mapLeader') : t('turnout')}
            </button>
          ))}
        </fieldset>
        <svg
          viewBox={`0 0 ${map.width} ${map.height}`}
          aria-labelledby={titleId}
          class="map-svg"
          data-level={props.level}
        >
          <title id={titleId}>{`${heading}: ${modeName}`}</title>
          {drawn.map((x) => {
            const path = (
              <path
                d={x.shape.d}
                fill={x.fill}
                fill-rule="evenodd"
                stroke="#fff"
                stroke-width={props.level === 'county' ? 1 : 1.5}
              />
            );
            if (!x.unit) return path;
            const label = `${x.name}: ${x.label}`;
            return (
              <a
                href={unitHref(props.contest, x.unit.unit)}
                aria-label={label}
                class="map-unit"
                data-unit={x.unit.unit}
                onFocus={() => setFocused(x.shape.code)}
                onBlur={() => setFocused(null)}
              >
                <title>{label}</title>
                {path}
              </a>
            );
          })}
          {/* Drawn last so that no neighbour covers the focus ring. */}
          {focusedShape && <path class="map-focus" d={focusedShape.d} />}
        </svg>
        <figcaption>
          <ul class="legend" aria-label={`${t('mapLegend')}: ${modeName}`}>
            {mode === 'leader'
              ? [...leaders]
                  .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
                  .map(([id, n]) => (
                    <li>
                      <span
                        class="swatch"
                        style={{ background: props.colour(id) }}
                        aria-hidden="true"
                      />
                      {props.leaderName(id)} ({formatNumber(lang, n)})
                    </li>
                  ))
              : TURNOUT_BANDS.map(([lo, colour], i) => {
                  const hi = TURNOUT_BANDS[i + 1]?.[0];
                  const pct = (x: number) => formatNumber(lang, Math.round(x * 100));
                  return (
                    <li>
                      <span class="swatch" style={{ background: colour }} aria-hidden="true" />
                      {hi === undefined
                        ? `${pct(lo)}% +`
                        : lo === 0
                          ? `< ${pct(hi)}%`
                          : `${pct(lo)}–${pct(hi)}%`}
                    </li>
                  );
                })}
            <li>
              <span class="swatch" style={{ background: NEUTRAL }} aria-hidden="true" />
              {t('mapNoData')}
            </li>
          </ul>
          <p class="map-credit" data-testid="map-credit">
            {t('mapCredit')}{' '}
            {/* A citation, as published: not to be translated (words.test.ts skips it). */}
            <a
              href="https://github.com/benaboki/Kenya-County-Assembly-Boundaries"
              translate={false}
            >
              Omare B.D.A. and Omare G.J.M. (2017), Kenya County Assembly Boundaries
            </a>
            ,{' '}
            <a href="https://creativecommons.org/licenses/by/4.0/" rel="license" translate={false}>
              CC BY 4.0
            </a>
            . {t('mapModified')}
          </p>
        </figcaption>
      </figure>
    </section>
  );
}
