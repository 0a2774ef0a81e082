import type { HTMLAttributes, KeyboardEvent } from 'react';

export type ClickableRowProps = Omit<HTMLAttributes<HTMLTableRowElement>, 'onClick' | 'onKeyDown'> & {
  /** What a click, Enter or Space on the row does; without it the row is a plain row. */
  onOpen?: () => void;
  /** The row shown in the panel beside or below (aria-current, highlighted). */
  selected?: boolean;
  /**
   * False when a cell already holds a button that does the same (one tab stop per row is enough); the
   * row still opens on a click anywhere.
   */
  focusable?: boolean;
  [data: `data-${string}`]: string | number | boolean | undefined;
};

/**
 * A table row that opens something: by mouse anywhere on it, by keyboard with Enter or Space when it has
 * the focus (a focus ring shows where). It keeps the row role, so screen readers still read its cells
 * as a row of the table; keys pressed in a cell's own checkbox or button stay theirs.
 */
export function ClickableRow({ onOpen, selected, focusable = true, className, children, ...rest }: ClickableRowProps) {
  const classes = [className, onOpen ? 'clickable' : '', selected ? 'selected' : ''].filter(Boolean).join(' ') || undefined;
  if (!onOpen) {
    return (
      <tr {...rest} className={classes}>
        {children}
      </tr>
    );
  }
  const onKeyDown = (e: KeyboardEvent<HTMLTableRowElement>) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onOpen();
    }
  };
  return (
    <tr {...rest} className={classes} tabIndex={focusable ? 0 : undefined} aria-current={selected ? 'true' : undefined} onClick={onOpen} onKeyDown={onKeyDown}>
      {children}
    </tr>
  );
}
