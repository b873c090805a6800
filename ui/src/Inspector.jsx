// The right-hand inspector: the selected node's settings, or with nothing
// selected the pipeline's. Fields commit on blur/Enter (selects on change);
// an emptied optional field removes its key, so untouched keys stay absent.
import { CapabilityList } from './caps.jsx';
import { findNode, renameNode, setNodeKey, setPipelineKey, setRetryKey, updateNode } from './draft.js';
import { IntField, MetadataRows, SelectField, TextField, optionalText } from './fields.jsx';
import { checkEntries } from './flow.js';
import RetryFields from './RetryFields.jsx';
import { toast } from './toast.js';

const STRATEGIES = ['fail-fast', 'compensate', 'continue'];

function NodeInspector({ draft, node, commit, check, refs, onRenamed, onDelete }) {
  const name = node.name;
  const set = (key) => (value) => commit((d) => setNodeKey(d, name, key, value));
  const entries = checkEntries(check, name);
  const diagnostics = ((check && check.diagnostics) || []).filter((d) => d.node === name);
  const rename = (text) => {
    const next = text.trim();
    if (next === name) return true;
    if (!next) return null; // emptied: wait for the new name
    if (findNode(draft, next)) {
      toast(`a node named \`${next}\` already exists`, { level: 'error' });
      return false;
    }
    commit((d) => renameNode(d, name, next));
    onRenamed(name, next);
    return true;
  };
  const isWasm = typeof node.component === 'string' && node.component.endsWith('.wasm');
  return (
    <div className="inspector-body">
      <h2>
        Node <code>{name}</code>
      </h2>
      <TextField label="name" testid="node-name" value={name} onCommit={rename} />
      <TextField label="component" testid="node-component" value={node.component} list="palette-refs" onCommit={(t) => (t.trim() ? set('component')(t.trim()) : null)} />
      {(isWasm || node.manifest !== undefined) && (
        <TextField label="manifest" testid="node-manifest" value={node.manifest} onCommit={optionalText(set('manifest'))} />
      )}
      <SelectField
        label="on_error"
        testid="node-on-error"
        value={node.on_error}
        onCommit={set('on_error')}
        options={[['', `inherit (${draft.pipeline.on_error || 'fail-fast'})`], ...STRATEGIES.map((s) => [s, s])]}
      />
      <TextField label="fallback" testid="node-fallback" value={node.fallback} placeholder="output used under continue" onCommit={optionalText(set('fallback'))} />
      <TextField label="compensate" testid="node-compensate" value={node.compensate} list="palette-refs" placeholder="component that undoes this node" onCommit={optionalText(set('compensate'))} />
      <IntField label="deadline_ms (each call)" testid="node-deadline" value={node.deadline_ms} placeholder="the component's own" min="1" onCommit={set('deadline_ms')} />
      <RetryFields
        prefix="node"
        retry={node.retry}
        inherited={draft.pipeline.retry}
        onSet={(key, value) => commit((d) => updateNode(d, name, (n) => setRetryKey(n, key, value)))}
      />
      <fieldset>
        <legend>metadata</legend>
        <MetadataRows prefix="node-meta" entries={node.metadata || {}} onChange={(m) => commit((d) => setNodeKey(d, name, 'metadata', m))} />
      </fieldset>
      <p className="note">
        A node&apos;s deadline_ms bounds each of its calls, within the run&apos;s deadline_ms and the component&apos;s own
        max_execution_ms; its other limits (memory, fuel) are the component&apos;s, from its Component.toml.
      </p>
      {entries.node && (
        <section className="node-check" data-testid="node-check">
          <h3>What it may do</h3>
          <div className="dim">
            {entries.node.component || entries.node.reference} · {entries.node.world || 'world unknown'}
          </div>
          <CapabilityList caps={entries.node.capabilities} missing={entries.node.missing || []} />
          {entries.compensation && (
            <>
              <h3>Its compensation</h3>
              <CapabilityList caps={entries.compensation.capabilities} missing={entries.compensation.missing || []} />
            </>
          )}
          {[...(entries.node.findings || []), ...((entries.compensation && entries.compensation.findings) || [])].map((f, i) => (
            <div key={i} className={`finding ${f.severity}`}>
              {f.message}
              {f.help && <div className="help">{f.help}</div>}
            </div>
          ))}
        </section>
      )}
      {diagnostics.length > 0 && (
        <ul className="node-diagnostics">
          {diagnostics.map((d, i) => (
            <li key={i} className={d.severity}>
              {d.message}
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="danger" data-testid="node-delete" onClick={() => onDelete(name)}>
        Delete node
      </button>
      <datalist id="palette-refs">
        {refs.map((r) => (
          <option key={r} value={r} />
        ))}
      </datalist>
    </div>
  );
}

function PipelineInspector({ draft, commit }) {
  const p = draft.pipeline;
  const set = (key) => (value) => commit((d) => setPipelineKey(d, key, value));
  return (
    <div className="inspector-body">
      <h2>Pipeline</h2>
      <TextField label="name" testid="pipeline-name" value={p.name} onCommit={(t) => (t.trim() ? set('name')(t.trim()) : null)} />
      <TextField label="version" testid="pipeline-version" value={p.version} onCommit={(t) => (t.trim() ? set('version')(t.trim()) : null)} />
      <TextField label="description" testid="pipeline-description" value={p.description} onCommit={optionalText(set('description'))} />
      <IntField label="deadline_ms" testid="pipeline-deadline" value={p.deadline_ms} placeholder="30000" min="1" onCommit={set('deadline_ms')} />
      <SelectField
        label="on_error (default strategy)"
        testid="pipeline-on-error"
        value={p.on_error}
        onCommit={set('on_error')}
        options={[['', 'default (fail-fast)'], ...STRATEGIES.map((s) => [s, s])]}
      />
      <SelectField
        label="output"
        testid="pipeline-output"
        value={p.output}
        onCommit={set('output')}
        options={[
          ['', 'the only exit node'],
          ...(p.output && !findNode(draft, p.output) ? [[p.output, `${p.output} (no such node)`]] : []),
          ...draft.nodes.map((n) => [n.name, n.name]),
        ]}
      />
      <RetryFields
        prefix="pipeline"
        retry={p.retry}
        onSet={(key, value) => commit((d) => ({ ...d, pipeline: setRetryKey(d.pipeline, key, value) }))}
      />
      <p className="note">Select a node to edit it; drag components from the palette to add one.</p>
    </div>
  );
}

export default function Inspector({ draft, selected, commit, check, refs, onRenamed, onDeleteNode }) {
  const node = draft && selected ? findNode(draft, selected) : null;
  return (
    <section className="inspector nokey" data-testid="inspector">
      {!draft && <p className="dim">Open or create a pipeline.</p>}
      {draft && node && (
        <NodeInspector key={node.name} draft={draft} node={node} commit={commit} check={check} refs={refs} onRenamed={onRenamed} onDelete={onDeleteNode} />
      )}
      {draft && !node && <PipelineInspector draft={draft} commit={commit} />}
    </section>
  );
}

