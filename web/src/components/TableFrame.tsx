// The frame around a results table. On a narrow screen the wide tables lay
// their rows out as cards (styles.css, `.stack`), so every figure stays on
// screen; their secondary columns (marked `.secondary`) wait behind "More
// columns". Should a table still be wider than its frame, the frame says
// "scroll sideways", fades its edge, and takes the keyboard focus (a named
// region) so it can be scrolled without a mouse.
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useT } from '../i18n';

/** Gives each body cell without a label its column's heading: the label a card shows. */
function labelCells(table: HTMLTableElement): void {
  const heads = Array.from(table.tHead?.rows[0]?.cells ?? []).map((c) =>
    (c.textContent ?? '').trim(),
  );
  if (heads.length === 0) return;
  for (const body of Array.from(table.tBodies))
    for (const row of Array.from(body.rows)) {
      let column = 0;
      for (const cell of Array.from(row.cells)) {
        const head = heads[column];
        if (cell.tagName === 'TD' && cell.colSpan === 1 && head && !cell.hasAttribute('data-label'))
          cell.setAttribute('data-label', head);
        column += cell.colSpan;
      }
    }
}

export function TableFrame(props: {
  /** What the table shows: names the scroll region. */
  label: string;
  /** The table has secondary columns: offer "More columns" on narrow screens. */
  more?: boolean;
  /** Lay rows out as cards on narrow screens. */
  stack?: boolean;
  children: ComponentChildren;
}) {
  const { t } = useT();
  const frame = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  const [more, setMore] = useState(false);

  useEffect(() => {
    const el = frame.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const measure = () => setScrolls(el.scrollWidth > el.clientWidth + 1);
    const watch = new ResizeObserver(measure);
    watch.observe(el);
    if (el.firstElementChild) watch.observe(el.firstElementChild);
    measure();
    return () => watch.disconnect();
  }, []);

  // After every render: rows come and go as the figures update.
  useLayoutEffect(() => {
    if (!props.stack) return;
    const table = frame.current?.querySelector('table');
    if (table) labelCells(table);
  });

  const classes = ['table-frame'];
  if (props.stack) classes.push('stack');
  if (more) classes.push('show-more');
  return (
    <div class={classes.join(' ')}>
      {props.more && (
        <button
          type="button"
          class="chip more-toggle"
          aria-pressed={more}
          data-testid="more-columns"
          onClick={() => setMore(!more)}
        >
          {more ? t('fewerColumns') : t('moreColumns')}
        </button>
      )}
      <div
        ref={frame}
        class={scrolls ? 'table-wrap scrolls' : 'table-wrap'}
        // A named region in the tab order only while it scrolls: no idle tab stops.
        // Its name differs from its section's (landmarks must be told apart).
        {...(scrolls
          ? { tabIndex: 0, role: 'region', 'aria-label': `${props.label}: ${t('scrollSideways')}` }
          : {})}
      >
        {props.children}
      </div>
      {scrolls && (
        <p class="scroll-cue" aria-hidden="true">
          {t('scrollSideways')} →
        </p>
      )}
    </div>
  );
}
