// Whether one of kura's maps (data/kenya2022/maps, see scripts/build-maps.ts)
// fits an election's units. Pure, so the node tests check it against the
// Kenya definition and the portal's test election.

export interface MapShape {
  /** The election's unit code. */
  code: string;
  name: string;
  /** SVG path, integer units. */
  d: string;
}
export interface MapFile {
  format: 'kura-map/v1';
  level: 'county' | 'constituency';
  county?: string;
  width: number;
  height: number;
  shapes: MapShape[];
}

const letters = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/** Names compared without case, spaces or punctuation ("THARAKA - NITHI" = "Tharaka-Nithi"). */
export const sameName = (a: string, b: string) => letters(a) === letters(b);

/**
 * The map fits an election whose units at its level carry the map's codes and
 * names: at least one unit has a shape, and no unit's code names another
 * place. Units without a shape (Kenya's diaspora and prisons) are listed only
 * in the table; shapes without a unit are drawn, but not as links.
 */
export function mapFits(map: MapFile, units: Array<{ unit: string; name: string }>): boolean {
  const shapes = new Map(map.shapes.map((s) => [s.code, s]));
  let matched = 0;
  for (const u of units) {
    const s = shapes.get(u.unit);
    if (!s) continue;
    if (!sameName(s.name, u.name)) return false;
    matched++;
  }
  return matched > 0;
}
