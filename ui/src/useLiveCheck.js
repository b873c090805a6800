// Live checks: 250 ms after the last Draft change, POST /pipelines/check with
// {base, draft, file}. The answer's `source` is the file text the draft
// stands for (what Save writes, Run runs and Deploy uploads). Answers that
// arrive after a newer request are dropped. `fresh()` gives an answer for the
// current draft now, for actions that must not use a stale source. Answers
// are remembered per Draft object, so undo and redo need no new request.
import { useCallback, useEffect, useRef, useState } from 'react';
import { admin } from './api.js';
import { reportError } from './toast.js';

const DEBOUNCE_MS = 250;

export function useLiveCheck({ draft, base, file, enabled }) {
  const [check, setCheck] = useState(null);
  const [pending, setPending] = useState(false);
  const sequence = useRef(0);
  const inflight = useRef(null);
  const cache = useRef(new WeakMap());
  const remembered = (d, b, f) => {
    const hit = d && cache.current.get(d);
    return hit && hit.base === b && hit.file === f ? hit.result : null;
  };
  const latest = useRef({ draft, base, file, check });
  latest.current = { draft, base, file, check };

  const request = useCallback((d, b, f) => {
    const id = ++sequence.current;
    setPending(true);
    const promise = admin
      .check(b, d, f)
      .then((answer) => {
        const result = { ...answer, forDraft: d };
        cache.current.set(d, { base: b, file: f, result });
        if (id === sequence.current) {
          setCheck(result);
          setPending(false);
        }
        return result;
      })
      .catch((err) => {
        if (id === sequence.current) setPending(false);
        reportError(err, 'check');
        return null;
      });
    inflight.current = { draft: d, promise };
    return promise;
  }, []);

  useEffect(() => {
    if (!enabled || !draft) return undefined;
    if (check && check.forDraft === draft) return undefined; // e.g. just imported
    const hit = remembered(draft, base, file);
    if (hit) {
      sequence.current += 1; // an older request still in flight must not win
      setCheck(hit);
      setPending(false);
      return undefined;
    }
    setPending(true);
    const timer = setTimeout(() => request(draft, base, file), DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // `check` is left out on purpose: an answer must not trigger a new check.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draft, base, file, enabled, request]);

  /** The check answer for the current draft, waiting for or making one. */
  const fresh = useCallback(async () => {
    const { draft: d, base: b, file: f, check: c } = latest.current;
    if (!d) return null;
    if (c && c.forDraft === d) return c;
    const hit = remembered(d, b, f);
    if (hit) return hit;
    if (inflight.current && inflight.current.draft === d) {
      const answer = await inflight.current.promise;
      if (answer) return answer;
    }
    return request(d, b, f);
  }, [request]);

  /** Sets an answer obtained elsewhere (an import checks the file itself). */
  const adopt = useCallback((answer, d, b, f) => {
    sequence.current += 1;
    setPending(false);
    const result = answer ? { ...answer, forDraft: d } : null;
    if (result && d) cache.current.set(d, { base: b, file: f, result });
    setCheck(result);
  }, []);

  return { check, pending, fresh, adopt };
}
