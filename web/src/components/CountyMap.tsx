// The county choropleth: outlines pre-projected by scripts/build-county-map.ts
// (data/kenya2022/counties.paths.json, loaded as a hashed asset from this
// server). Each county is a link to its results; its fill is the leading
// candidate's colour, or that colour shaded by the size of the lead.
import { useEffect, useState } from 'preact/hooks';
import mapUrl from '../../../data/kenya2022/counties.paths.json?url';
import type { UnitTally } from '../api';
import { formatPercent, useT } from '../i18n';
import { unitHref } from '../router';
import { leader } from '../tally';

interface CountyPath {
  code: string;
  name: string;
  approximate: boolean;
  d: string;
  cx: number;
  cy: number;
}
interface MapData {
  width: number;
  height: number;
  counties: CountyPath[];
}

let mapData: Promise<MapData> | null = null;
const loadMap = () => {
  mapData ??= fetch(mapUrl).then((r) => {
    if (!r.ok) throw new Error(`map: HTTP ${r.status}`);
    return r.json() as Promise<MapData>;
  });
  return mapData;
};

export interface MapUnit {
  unit: string;
  name: string;
  tally: UnitTally;
}

export function CountyMap(props: {
  contest: string;
  counties: MapUnit[];
  colour: (id: string) => string;
  candidateName: (id: string) => string;
}) {
  const { t, lang } = useT();
  const [map, setMap] = useState<MapData | null>(null);
  const [mode, setMode] = useState<'leader' | 'margin'>('leader');
  useEffect(() => {
    loadMap().then(setMap, () => setMap(null));
  }, []);
  const byCode = new Map(props.counties.map((c) => [c.unit, c]));
  if (!map) return <div class="map-placeholder" aria-hidden="true" />;
  if (!map.counties.some((c) => byCode.has(c.code))) return null;

  const leaders = new Map<string, number>();
  const fillOf = (code: string): { fill: string; opacity: number; label: string } => {
    const c = byCode.get(code);
    const lead = c ? leader(c.tally) : null;
    if (!c || !lead) return { fill: '#d9d9d9', opacity: 1, label: t('mapNoData') };
    leaders.set(lead.id, (leaders.get(lead.id) ?? 0) + 1);
    const opacity = mode === 'leader' ? 0.9 : 0.2 + 0.8 * Math.min(1, lead.margin / 0.6);
    return {
      fill: props.colour(lead.id),
      opacity,
      label: `${t('leading')}: ${props.candidateName(lead.id)} ${formatPercent(lang, lead.share)}, ${t('margin').toLowerCase()} ${formatPercent(lang, lead.margin)}`,
    };
  };
  const fills = new Map(map.counties.map((c) => [c.code, fillOf(c.code)]));
  const approximate = map.counties.some((c) => c.approximate);

  return (
    <figure class="map">
      <fieldset class="map-controls">
        <legend>{t('mapColour')}:</legend>
        {(['leader', 'margin'] as const).map((m) => (
          <button
            type="button"
            aria-pressed={mode === m}
            class={mode === m ? 'chip chip-on' : 'chip'}
            onClick={() => setMode(m)}
          >
            {m === 'leader' ? t('mapLeader') : t('mapMargin')}
          </button>
        ))}
      </fieldset>
      <svg viewBox={`0 0 ${map.width} ${map.height}`} aria-label={t('map')} class="map-svg">
        <title>{t('map')}</title>
        {map.counties.map((c) => {
          const f = fills.get(c.code) as { fill: string; opacity: number; label: string };
          const name = byCode.get(c.code)?.name ?? c.name;
          return (
            <a
              href={unitHref(props.contest, c.code)}
              aria-label={`${name}: ${f.label}`}
              class="county"
            >
              <title>{`${name}: ${f.label}`}</title>
              <path
                d={c.d}
                fill={f.fill}
                fill-opacity={f.opacity}
                stroke={c.approximate ? '#777' : '#fff'}
                stroke-width={c.approximate ? 1.5 : 1}
                stroke-dasharray={c.approximate ? '4 3' : undefined}
              />
            </a>
          );
        })}
      </svg>
      <figcaption>
        <ul class="legend">
          {[...leaders]
            .sort((a, b) => b[1] - a[1])
            .map(([id, n]) => (
              <li>
                <span class="swatch" style={{ background: props.colour(id) }} aria-hidden="true" />
                {props.candidateName(id)} ({n})
              </li>
            ))}
          <li>
            <span class="swatch" style={{ background: '#d9d9d9' }} aria-hidden="true" />
            {t('mapNoData')}
          </li>
        </ul>
        {approximate && <p class="note">{t('mapApproximate')}</p>}
      </figcaption>
    </figure>
  );
}
