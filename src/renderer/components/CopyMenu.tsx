import { useEffect, useRef, useState } from 'react';

/**
 * Copy for any value on screen (issue 13: "long values truncate with the full value on hover and a copy
 * action"). A right click (or the context-menu key) on a table cell, a truncated value, code or an id
 * opens a one-item menu that copies the whole value: its `data-copy`, else its hover title (what a
 * truncated cell shows in full), else its text. With text selected it copies the selection instead.
 * One listener for the whole app instead of a button in every cell: dense tables stay dense, and the
 * desktop window (which has no default context menu) gains copy everywhere. Controls keep their own menu.
 */

const TARGETS = '[data-copy], [role=cell], td, .truncate, .mono, code';
const CONTROLS = 'button, a, input, select, textarea, [contenteditable=true]';
const PREVIEW = 48;

interface Offer {
  x: number;
  y: number;
  value: string;
  label: string;
}

/** What a right click on `target` offers to copy, or null to leave the browser's own menu. */
export function copyOffer(target: Element, selection: string): { value: string; label: string } | null {
  if (target.closest(CONTROLS)) return null;
  if (selection.trim()) return { value: selection, label: 'Copy selection' };
  const el = target.closest(TARGETS);
  if (!el) return null;
  const value = (el.getAttribute('data-copy') ?? el.getAttribute('title') ?? el.textContent ?? '').trim();
  if (!value) return null;
  return { value, label: 'Copy' };
}

async function writeClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Refused (no permission, or the page is not focused): the old way, through a hidden selection.
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function CopyMenu() {
  const [offer, setOffer] = useState<Offer | null>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const open = (e: MouseEvent) => {
      if (!(e.target instanceof Element)) return;
      const o = copyOffer(e.target, window.getSelection()?.toString() ?? '');
      if (!o) return;
      e.preventDefault();
      // The context-menu key reports (0, 0): open by the element instead.
      const r = e.target.getBoundingClientRect();
      const x = e.clientX || r.left + 8;
      const y = e.clientY || r.bottom;
      setCopied(null);
      setOffer({ ...o, x: Math.min(x, window.innerWidth - 260), y: Math.min(y, window.innerHeight - 48) });
    };
    const close = () => setOffer(null);
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    document.addEventListener('contextmenu', open);
    window.addEventListener('scroll', close, true);
    window.addEventListener('resize', close);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('contextmenu', open);
      window.removeEventListener('scroll', close, true);
      window.removeEventListener('resize', close);
      document.removeEventListener('keydown', onKey);
    };
  }, []);

  useEffect(() => {
    if (offer) button.current?.focus();
  }, [offer]);

  if (!offer) return null;
  const preview = offer.value.length > PREVIEW ? `${offer.value.slice(0, PREVIEW - 1)}…` : offer.value;
  const copy = async () => {
    const ok = await writeClipboard(offer.value);
    setCopied(ok ? 'yes' : 'failed');
    if (ok) setTimeout(() => setOffer(null), 600);
  };
  return (
    <>
      <div className="copy-menu-backdrop" onMouseDown={() => setOffer(null)} onContextMenu={(e) => e.preventDefault()} />
      <div className="copy-menu" role="menu" style={{ left: offer.x, top: offer.y }} data-testid="copy-menu">
        <button ref={button} type="button" role="menuitem" className="copy-menu-item" onClick={() => void copy()} data-testid="copy-menu-copy">
          <span>{copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy refused: select the text and press Ctrl+C' : offer.label}</span>
          {copied === null && <span className="muted mono small copy-menu-preview">{preview}</span>}
        </button>
      </div>
    </>
  );
}
