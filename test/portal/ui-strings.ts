// Checks that the portal's words have their Swahili: (1) a dictionary check,
// every English message with a Swahili one that is not empty, not the English
// again (unless it has no words of its own: only placeholders and signs) and
// has the same {placeholders}; (2) a source scan, with the TypeScript parser,
// of the portal's .tsx files for words rendered as they are written (JSX text,
// text attributes, string and template literals rendered as a child) instead
// of through t() and the dictionaries. Allowlists name each exception and why.
import ts from 'typescript';

export interface Finding {
  where: string;
  text: string;
}

const WORD = /\p{L}{2,}/u;
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Messages whose Swahili is missing, empty, the English again, or has other placeholders. */
export function untranslated(
  name: string,
  en: Record<string, string>,
  sw: Record<string, string | undefined>,
  allow: Record<string, string> = {},
): Finding[] {
  const out: Finding[] = [];
  for (const [key, english] of Object.entries(en)) {
    const where = `${name}.${key}`;
    const swahili = sw[key];
    if (Object.hasOwn(allow, key)) continue;
    if (typeof swahili !== 'string' || swahili.trim() === '')
      out.push({ where, text: 'no Swahili' });
    else if (swahili === english && WORD.test(english.replace(/\{\w+\}/g, '')))
      out.push({ where, text: `the English again: ${english}` });
    else if (placeholders(swahili).join() !== placeholders(english).join())
      out.push({
        where,
        text: `placeholders {${placeholders(swahili)}} ≠ {${placeholders(english)}}`,
      });
  }
  for (const key of Object.keys(sw))
    if (!Object.hasOwn(en, key)) out.push({ where: `${name}.${key}`, text: 'no English' });
  return out;
}

/** Attributes a reader hears or sees. */
const TEXT_ATTRIBUTES = new Set(['aria-label', 'alt', 'title', 'placeholder', 'aria-description']);

/** Words in a .tsx file's JSX that do not come from the dictionaries. */
export function literalWords(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const out: Finding[] = [];
  const at = (n: ts.Node) =>
    `${file}:${source.getLineAndCharacterOfPosition(n.getStart(source)).line + 1}`;
  const found = (n: ts.Node, s: string) => {
    const words = s.replace(/\s+/g, ' ').trim();
    if (WORD.test(words)) out.push({ where: at(n), text: words });
  };
  /** The parts of an expression that end up on screen as they are written. */
  const rendered = (e: ts.Expression): void => {
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) found(e, e.text);
    else if (ts.isTemplateExpression(e)) {
      found(e, [e.head.text, ...e.templateSpans.map((s) => s.literal.text)].join(' '));
      for (const s of e.templateSpans) rendered(s.expression);
    } else if (ts.isParenthesizedExpression(e)) rendered(e.expression);
    else if (ts.isConditionalExpression(e)) {
      rendered(e.whenTrue);
      rendered(e.whenFalse);
    } else if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if (op === ts.SyntaxKind.PlusToken) {
        rendered(e.left);
        rendered(e.right);
      } else if (
        op === ts.SyntaxKind.AmpersandAmpersandToken ||
        op === ts.SyntaxKind.BarBarToken ||
        op === ts.SyntaxKind.QuestionQuestionToken
      )
        rendered(e.right);
    }
  };
  const visit = (n: ts.Node): void => {
    if (ts.isJsxText(n)) found(n, n.text);
    else if (ts.isJsxExpression(n) && n.expression && !ts.isJsxAttribute(n.parent))
      rendered(n.expression);
    else if (ts.isJsxAttribute(n) && TEXT_ATTRIBUTES.has(n.name.getText(source)) && n.initializer) {
      if (ts.isStringLiteral(n.initializer)) found(n, n.initializer.text);
      else if (ts.isJsxExpression(n.initializer) && n.initializer.expression)
        rendered(n.initializer.expression);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return out;
}
