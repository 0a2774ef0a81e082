import { useEffect, useRef } from 'react';

/**
 * Calls `poll` every `ms` while `active` holds: for progress the engine's events do not carry (epochs
 * between status events, runs written by another process). The latest `poll` is used each time, so
 * callers may pass a fresh closure on every render without restarting the timer.
 */
export function usePollWhile(active: boolean, ms: number, poll: () => void): void {
  const latest = useRef(poll);
  latest.current = poll;
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => latest.current(), ms);
    return () => clearInterval(t);
  }, [active, ms]);
}
