// The canvas's node: name, component reference, badges (strategy, retry,
// undo, output), then the overlays: check problems, capabilities, the last
// run, live metrics. data-* attributes carry the final state at once (tests
// need not wait for the animated reveal of a run).
import { memo } from 'react';
import { Handle, Position } from '@xyflow/react';
import { CapabilityList } from './caps.jsx';
import { formatMs } from './format.js';

const RUN_LABEL = {
  succeeded: 'succeeded',
  'fell-back': 'fell back',
  failed: 'failed',
  cancelled: 'cancelled',
  'not-run': 'not run',
};

function PipelineNodeView({ data }) {
  const { node, strategy, attempts, isOutput, errors, warnings, missing, info, showCaps, run, revealed, compensation, metrics } = data;
  const hasError = errors.length > 0 || missing.length > 0;
  const classes = ['pnode'];
  if (hasError) classes.push('has-error');
  else if (warnings.length > 0) classes.push('has-warning');
  if (run && revealed) classes.push(`run-${run.status}`);
  const problems = [...errors, ...warnings].map((d) => d.message);
  if (missing.length > 0) problems.push(`missing grants: ${missing.join(', ')}`);
  return (
    <div
      className={classes.join(' ')}
      data-testid="node"
      data-node={node.name}
      data-run-status={run ? run.status : undefined}
      data-compensation={compensation || undefined}
      title={problems.join('\n') || undefined}
    >
      <Handle type="target" position={Position.Left} />
      <div className="pnode-name">{node.name}</div>
      <div className="pnode-ref" title={node.component}>
        {node.component || <span className="dim">(no component)</span>}
      </div>
      <div className="badges">
        {isOutput && <span className="badge badge-output">output</span>}
        {strategy.value !== 'fail-fast' && (
          <span className={`badge badge-strategy${strategy.inherited ? ' inherited' : ''}`}>{strategy.value}</span>
        )}
        {attempts > 1 && <span className="badge">retry ×{attempts}</span>}
        {node.compensate && (
          <span className="badge badge-undo" title={`undo: ${node.compensate}`}>
            undo
          </span>
        )}
        {hasError && <span className="badge badge-error">{errors.length + (missing.length > 0 ? 1 : 0)} ✕</span>}
      </div>
      {run && revealed && (
        <div className="run-badge" data-testid="node-run">
          {RUN_LABEL[run.status] || run.status}
          {run.durationMs !== null && ` · ${formatMs(run.durationMs)}`}
          {run.attempts > 1 && ` · ${run.attempts} attempts`}
          {compensation && ' '}
          {compensation === 'compensated' && <span className="badge badge-undone">undone</span>}
          {compensation === 'failed' && <span className="badge badge-error">undo failed</span>}
        </div>
      )}
      {showCaps && (
        <div className="pnode-caps">
          <CapabilityList caps={info && info.capabilities} missing={missing} testid="node-caps" />
        </div>
      )}
      {metrics && (
        <div className="node-metrics" data-testid="node-metrics">
          {metrics.text}
        </div>
      )}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

function GhostNodeView({ data }) {
  return (
    <div className="ghost-node" data-testid="ghost-node" data-need={data.need} data-for={data.node}>
      {data.need}? (no such node)
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

export const nodeTypes = {
  pipeline: memo(PipelineNodeView),
  ghost: memo(GhostNodeView),
};
