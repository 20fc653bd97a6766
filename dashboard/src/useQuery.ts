import { useEffect, useRef, useState } from 'preact/hooks';
import { changes } from './live';

export interface Query<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
}

/**
 * Loads data for a view, and again whenever the server reports a change (live updates) or a
 * dependency changes. The last answer stays on screen while the next one loads, so live
 * updates never flash; an answer that arrives after a newer request started is dropped.
 */
export function useQuery<T>(load: () => Promise<T>, deps: unknown[]): Query<T> {
  const [state, setState] = useState<Query<T>>({ data: undefined, error: null, loading: true });
  const sequence = useRef(0);
  useEffect(() => {
    setState({ data: undefined, error: null, loading: true });
    let alive = true;
    const run = () => {
      const mine = ++sequence.current;
      load().then(
        (data) => alive && mine === sequence.current && setState({ data, error: null, loading: false }),
        (error: Error) => alive && mine === sequence.current && setState((s) => ({ data: s.data, error, loading: false })),
      );
    };
    // subscribe() calls at once with the current value: that is the first load.
    const unsubscribe = changes.subscribe(run);
    return () => {
      alive = false;
      unsubscribe();
    };
  }, deps);
  return state;
}
