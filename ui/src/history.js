// Undo/redo over Draft snapshots. Drafts are immutable, so a snapshot is just
// the previous object; `commit` with the same object is not a change.
import { useCallback, useMemo, useState } from 'react';

const LIMIT = 200;
const EMPTY = { past: [], present: null, future: [] };

export function useDraftHistory() {
  const [state, setState] = useState(EMPTY);

  // `change` is a Draft or a pure function of the current Draft.
  const commit = useCallback((change) => {
    setState((s) => {
      if (!s.present) return s;
      const next = typeof change === 'function' ? change(s.present) : change;
      if (!next || next === s.present) return s;
      return { past: [...s.past, s.present].slice(-LIMIT), present: next, future: [] };
    });
  }, []);

  // A freshly imported draft starts a new history.
  const reset = useCallback((draft) => setState({ past: [], present: draft, future: [] }), []);

  const undo = useCallback(() => {
    setState((s) =>
      s.past.length === 0
        ? s
        : { past: s.past.slice(0, -1), present: s.past[s.past.length - 1], future: [s.present, ...s.future] },
    );
  }, []);

  const redo = useCallback(() => {
    setState((s) =>
      s.future.length === 0
        ? s
        : { past: [...s.past, s.present], present: s.future[0], future: s.future.slice(1) },
    );
  }, []);

  return useMemo(
    () => ({
      draft: state.present,
      commit,
      reset,
      undo,
      redo,
      canUndo: state.past.length > 0,
      canRedo: state.future.length > 0,
    }),
    [state, commit, reset, undo, redo],
  );
}
