import { describe, expect, it } from 'vitest';
import { eventNames, isEventName, type LatheEvent } from '../../src/shared/contract';
import { EventBus } from '../../src/main/engine/events';

describe('EventBus', () => {
  it('reports a listener that throws, with its event, and still delivers to the others', () => {
    const reported: [unknown, LatheEvent][] = [];
    const bus = new EventBus((error, event) => reported.push([error, event]));
    const got: string[] = [];
    bus.subscribe(() => {
      throw new Error('socket closed');
    });
    bus.subscribe((e) => got.push(e.type));
    bus.emit('datasets.changed', { name: 'penguins' });
    expect(got).toEqual(['datasets.changed']);
    expect(reported).toHaveLength(1);
    expect((reported[0][0] as Error).message).toBe('socket closed');
    expect(reported[0][1]).toEqual({ type: 'datasets.changed', data: { name: 'penguins' } });
  });

  it('on(type) hands over only that event, its data typed, until unsubscribed', () => {
    const bus = new EventBus();
    const names: string[] = [];
    const off = bus.on('models.changed', (d) => names.push(d.model));
    bus.emit('datasets.changed', { name: 'penguins' });
    bus.emit('models.changed', { model: 'churn' });
    off();
    bus.emit('models.changed', { model: 'late' });
    expect(names).toEqual(['churn']);
  });

  it('a narrowed event has its data typed (no cast at the receiver)', () => {
    const bus = new EventBus();
    let ids: string[] = [];
    bus.subscribe((e) => {
      if (e.type === 'runs.changed') ids = e.data.runIds;
    });
    bus.emit('runs.changed', { runIds: ['a', 'b'], change: 'created' });
    expect(ids).toEqual(['a', 'b']);
  });

  it('the SSE list of event names has each name once and knows no others', () => {
    expect(new Set(eventNames).size).toBe(eventNames.length);
    expect(eventNames).toContain('sweeps.changed');
    expect(eventNames.every(isEventName)).toBe(true);
    expect(isEventName('runs.nothing')).toBe(false);
  });
});
