// Drawings of a QR code: SVG (the portal), text for a terminal, and a
// greyscale bitmap (PGM, for any image tool). Each keeps the quiet zone of
// four light modules a reader needs around the code.
import type { QrCode } from './qr-code.js';

const QUIET = 4;

/**
 * An SVG of the code, one path of unit squares on a light background, scaled
 * by the viewer (`shape-rendering: crispEdges` keeps the modules sharp).
 */
export function qrSvg(code: QrCode, o: { title?: string; sizePx?: number } = {}): string {
  const side = code.size + 2 * QUIET;
  let path = '';
  for (let y = 0; y < code.size; y++)
    for (let x = 0; x < code.size; x++)
      if (code.dark[y * code.size + x]) path += `M${x + QUIET} ${y + QUIET}h1v1h-1z`;
  const size = o.sizePx ? ` width="${o.sizePx}" height="${o.sizePx}"` : '';
  const title = o.title ? `<title>${escapeXml(o.title)}</title>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}"${size} shape-rendering="crispEdges" role="img">${title}<rect width="${side}" height="${side}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The code as lines of text for a terminal, two rows of modules a line in
 * half-block characters. A block character is drawn in the text's colour,
 * which is light on most terminals, so by default the light modules are drawn
 * and the dark ones left blank; `darkOnLight` draws the dark ones instead,
 * for a terminal with dark text on a light background.
 */
export function qrTerminalText(code: QrCode, o: { darkOnLight?: boolean } = {}): string {
  const side = code.size + 2 * QUIET;
  const dark = (x: number, y: number) => {
    const cx = x - QUIET;
    const cy = y - QUIET;
    const d =
      cx >= 0 && cy >= 0 && cx < code.size && cy < code.size && !!code.dark[cy * code.size + cx];
    return o.darkOnLight ? d : !d;
  };
  const lines: string[] = [];
  for (let y = 0; y < side; y += 2) {
    let line = '';
    for (let x = 0; x < side; x++) {
      const top = dark(x, y);
      const bottom = y + 1 < side && dark(x, y + 1);
      line += top ? (bottom ? '█' : '▀') : bottom ? '▄' : ' ';
    }
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

/** A binary PGM (P5) image of the code, `scale` pixels per module: any image tool reads it. */
export function qrPgm(code: QrCode, scale = 4): Uint8Array {
  const side = (code.size + 2 * QUIET) * scale;
  const header = new TextEncoder().encode(`P5\n${side} ${side}\n255\n`);
  const out = new Uint8Array(header.length + side * side).fill(255);
  out.set(header, 0);
  for (let y = 0; y < code.size; y++)
    for (let x = 0; x < code.size; x++) {
      if (!code.dark[y * code.size + x]) continue;
      for (let dy = 0; dy < scale; dy++) {
        const row = header.length + ((y + QUIET) * scale + dy) * side + (x + QUIET) * scale;
        out.fill(0, row, row + scale);
      }
    }
  return out;
}
