// Where a results map may go: loads the map module (its code, its styles and
// the names of its data files) only when the page can have a map, so none of
// it is in the first-load JavaScript. Kura's maps are Kenya's: county codes
// 001-047, and constituency maps inside them.
import { useEffect, useState } from 'preact/hooks';
import type { ResultsMapProps } from './ResultsMap';

type MapModule = typeof import('./ResultsMap');
let loading: Promise<MapModule> | null = null;

const KENYA_COUNTY = /^(00[1-9]|0[1-3]\d|04[0-7])$/;

/** Whether the page's units could be on one of the maps (checked fully once it is loaded). */
export function mayHaveMap(props: Pick<ResultsMapProps, 'level' | 'county' | 'units'>): boolean {
  return props.level === 'county'
    ? props.units.some((u) => KENYA_COUNTY.test(u.unit))
    : KENYA_COUNTY.test(props.county ?? '');
}

export function MapSlot(props: ResultsMapProps) {
  const wanted = mayHaveMap(props);
  const [mod, setMod] = useState<MapModule | null>(null);
  useEffect(() => {
    if (!wanted) return;
    loading ??= import('./ResultsMap');
    loading.then(setMod, () => {
      loading = null;
    });
  }, [wanted]);
  if (!wanted) return null;
  if (!mod) return <div class="map-placeholder" aria-hidden="true" />;
  return <mod.ResultsMap {...props} />;
}
