// Live checks: the diagnostics of the last server check of the draft, the
// capability overlay toggle and the pipeline-wide capability summary.
import { CapabilityList } from './caps.jsx';
import { edgeId } from './flow.js';

function Diagnostic({ d, onPick }) {
  const where = d.line ? `line ${d.line}${d.column ? `:${d.column}` : ''}` : null;
  const edge = d.edge ? edgeId(d.edge.from, d.edge.to) : undefined;
  return (
    <li
      className={`diagnostic ${d.severity === 'error' ? 'error' : 'warning'}`}
      data-testid="diagnostic"
      data-severity={d.severity}
      data-node={d.node || undefined}
      data-edge={edge}
      onClick={() => d.node && onPick(d.node)}
    >
      <div className="diagnostic-head">
        <span className="severity">{d.severity}</span>
        {d.node && <code>{d.node}</code>}
        {edge && <code>{d.edge.from} → {d.edge.to}</code>}
        {where && <span className="dim">{where}</span>}
      </div>
      <div className="diagnostic-message">{d.message}</div>
      {d.help && <div className="help">help: {d.help}</div>}
    </li>
  );
}

export default function Checks({ draft, check, diagnostics, pending, showCaps, onShowCaps, onPick }) {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  let status = 'not checked yet';
  if (pending) status = 'checking…';
  else if (check) status = check.ok && errors === 0 ? 'valid' : `${errors} error${errors === 1 ? '' : 's'}`;
  if (!pending && check && warnings > 0) status += `, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  const missing = [];
  for (const n of (check && check.nodes) || []) {
    for (const m of n.missing || []) missing.push(`${n.node}${n.role === 'compensation' ? ' (undo)' : ''}: ${m}`);
  }
  return (
    <section className="checks">
      <h2>
        Checks <span className={`check-status${check && check.ok && errors === 0 ? ' ok' : ''}`} data-testid="check-status">{status}</span>
      </h2>
      <ul className="diagnostics" data-testid="diagnostics">
        {draft && check && diagnostics.length === 0 && <li className="dim">No problems.</li>}
        {diagnostics.map((d, i) => (
          <Diagnostic key={i} d={d} onPick={onPick} />
        ))}
      </ul>
      <label className="field check">
        <input type="checkbox" data-testid="overlay-capabilities" checked={showCaps} onChange={(e) => onShowCaps(e.target.checked)} />
        <span>show capabilities on nodes</span>
      </label>
      <div className="capabilities-summary" data-testid="capabilities-summary">
        <h3>What the pipeline may do</h3>
        <CapabilityList caps={check && check.capabilities} missing={missing} />
      </div>
    </section>
  );
}
