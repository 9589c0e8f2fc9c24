// A minimal PDF 1.4 writer: one A4 page of text in the standard Helvetica
// fonts, and straight lines. Deterministic (no dates, no ids), so the same
// figures always give the same bytes, and so the same SHA-256.

/** A run of text at (x, y) in points from the bottom left; `right` aligns its end at x. */
export interface PdfText {
  x: number;
  y: number;
  size: number;
  text: string;
  bold?: boolean;
  right?: boolean;
}

/** A straight line from (x1, y1) to (x2, y2). */
export interface PdfLine {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export const A4 = { width: 595, height: 842 };

/** Helvetica advance widths (1/1000 em) for what the forms print; other characters use 556. */
const WIDTHS: Record<string, number> = {
  ' ': 278,
  ',': 278,
  '.': 278,
  '-': 333,
  ':': 278,
  '(': 333,
  ')': 333,
  '/': 278,
};

function textWidth(text: string, size: number, bold: boolean): number {
  let w = 0;
  for (const ch of text) w += WIDTHS[ch] ?? (bold ? 611 : 556);
  return (w * size) / 1000;
}

/** Printable ASCII only (the standard fonts' common ground), with PDF string escapes. */
function pdfString(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0x3f;
    const safe = c >= 0x20 && c <= 0x7e ? ch : '?';
    out += safe === '(' || safe === ')' || safe === '\\' ? `\\${safe}` : safe;
  }
  return `(${out})`;
}

const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

export function onePagePdf(texts: readonly PdfText[], lines: readonly PdfLine[] = []): Uint8Array {
  const ops: string[] = [];
  if (lines.length > 0) {
    ops.push('0.6 w');
    for (const l of lines) ops.push(`${num(l.x1)} ${num(l.y1)} m ${num(l.x2)} ${num(l.y2)} l S`);
  }
  for (const t of texts) {
    const bold = t.bold ?? false;
    const x = t.right ? t.x - textWidth(t.text, t.size, bold) : t.x;
    ops.push(
      `BT /${bold ? 'F2' : 'F1'} ${num(t.size)} Tf ${num(x)} ${num(t.y)} Td ${pdfString(t.text)} Tj ET`,
    );
  }
  const content = `${ops.join('\n')}\n`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${A4.width} ${A4.height}] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
    `<< /Length ${content.length} >>\nstream\n${content}endstream`,
  ];
  // Everything is ASCII, so string lengths are byte offsets.
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) pdf += `${String(o).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(pdf);
}
