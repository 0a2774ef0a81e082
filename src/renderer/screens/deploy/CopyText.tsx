import { useState } from 'react';

/** A command people copy: shown as text, with a Copy button (clipboard, or the text selected when that is refused). */
export function CopyText({ text, testId }: { text: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  const [id] = useState(() => `copy-${Math.random().toString(36).slice(2)}`);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      const el = document.getElementById(id);
      if (el) window.getSelection()?.selectAllChildren(el);
    }
  };
  return (
    <div className="copy-text">
      <code id={id} className="copy-code" data-testid={testId}>
        {text}
      </code>
      <button type="button" className="button small" onClick={() => void copy()} data-testid={`${testId}-copy`}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
