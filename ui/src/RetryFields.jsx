// The retry table, for [pipeline.retry] (prefix "pipeline") and a node's
// retry (prefix "node"). Placeholders show what applies when a key is absent:
// the built-in default, or for a node the pipeline's value (a node's table
// overrides the pipeline's key by key).
import { IntField, SelectField, TextField } from './fields.jsx';

export const RETRY_DEFAULTS = {
  attempts: 1,
  backoff: 'exponential',
  delay_ms: 100,
  max_delay_ms: 5000,
  jitter: true,
  on: ['internal', 'timeout', 'busy', 'trap', 'instantiate'],
};

export default function RetryFields({ prefix, retry, inherited, onSet }) {
  const own = retry || {};
  const fallback = (key) => (inherited && inherited[key] !== undefined ? inherited[key] : RETRY_DEFAULTS[key]);
  const hint = (key) => {
    const v = fallback(key);
    return Array.isArray(v) ? v.join(', ') : String(v);
  };
  const jitter = own.jitter !== undefined ? own.jitter : fallback('jitter');
  return (
    <fieldset className="retry">
      <legend>retry</legend>
      <IntField label="attempts" testid={`${prefix}-retry-attempts`} value={own.attempts} placeholder={hint('attempts')} min="1" onCommit={(v) => onSet('attempts', v)} />
      <SelectField
        label="backoff"
        testid={`${prefix}-retry-backoff`}
        value={own.backoff}
        onCommit={(v) => onSet('backoff', v)}
        options={[
          ['', `default (${hint('backoff')})`],
          ['fixed', 'fixed'],
          ['exponential', 'exponential'],
        ]}
      />
      <IntField label="delay_ms" testid={`${prefix}-retry-delay`} value={own.delay_ms} placeholder={hint('delay_ms')} min="0" onCommit={(v) => onSet('delay_ms', v)} />
      <IntField label="max_delay_ms" testid={`${prefix}-retry-max-delay`} value={own.max_delay_ms} placeholder={hint('max_delay_ms')} min="0" onCommit={(v) => onSet('max_delay_ms', v)} />
      <label className="field check">
        <span>jitter</span>
        <input type="checkbox" data-testid={`${prefix}-retry-jitter`} checked={jitter} onChange={(e) => onSet('jitter', e.target.checked)} />
        {own.jitter !== undefined ? (
          <button type="button" className="link" data-testid={`${prefix}-retry-jitter-reset`} onClick={() => onSet('jitter', undefined)}>
            reset to default
          </button>
        ) : (
          <span className="dim">default</span>
        )}
      </label>
      <TextField
        label="on (error kinds)"
        testid={`${prefix}-retry-on`}
        value={Array.isArray(own.on) ? own.on.join(', ') : ''}
        placeholder={hint('on')}
        onCommit={(text) => {
          const kinds = text.split(',').map((s) => s.trim()).filter(Boolean);
          onSet('on', text.trim() === '' ? undefined : kinds);
        }}
      />
    </fieldset>
  );
}
