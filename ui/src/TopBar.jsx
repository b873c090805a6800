// Top bar: the open pipeline (a workspace file in studio, a deployed
// name@version on a plain host), New, Save, Deploy, undo/redo, and the
// unsaved-changes dot.
import { useState } from 'react';

export default function TopBar({ mode, root, options, current, dirty, onOpen, onNew, canSave, onSave, onDeploy, history }) {
  const [newName, setNewName] = useState(null);
  const known = options.some((o) => o.value === current);
  const create = () => {
    const file = (newName || '').trim();
    if (!file) return;
    setNewName(null);
    onNew(file);
  };
  return (
    <header className="topbar">
      <h1 data-testid="title">
        airssys-wasm studio
        {dirty && (
          <span className="dirty-dot" data-testid="dirty" title="unsaved changes">
            {' '}●
          </span>
        )}
      </h1>
      <span className="where dim" title={root || undefined}>
        {mode === 'studio' ? root : mode === 'plain' ? 'host' : ''}
      </span>
      <select data-testid="file-select" value={current || ''} onChange={(e) => e.target.value && onOpen(e.target.value)} disabled={!mode}>
        <option value="" disabled>
          {mode === 'plain' ? 'deployed pipelines…' : 'pipeline files…'}
        </option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
        {current && !known && <option value={current}>{current.startsWith('(') ? current : `${current} (new, unsaved)`}</option>}
      </select>
      <button
        type="button"
        data-testid="new-pipeline"
        disabled={!mode}
        onClick={() => (mode === 'studio' ? setNewName('Pipeline.toml') : onNew(null))}
      >
        New pipeline…
      </button>
      {newName !== null && (
        <span className="new-form">
          <input
            data-testid="new-file-name"
            value={newName}
            autoFocus
            onChange={(e) => setNewName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') create();
              if (e.key === 'Escape') setNewName(null);
            }}
          />
          <button type="button" className="primary" data-testid="new-file-create" onClick={create}>
            Create
          </button>
          <button type="button" onClick={() => setNewName(null)}>
            Cancel
          </button>
        </span>
      )}
      <span className="spacer" />
      <button type="button" data-testid="undo" disabled={!history.canUndo} onClick={history.undo} title="Ctrl+Z">
        Undo
      </button>
      <button type="button" data-testid="redo" disabled={!history.canRedo} onClick={history.redo} title="Ctrl+Shift+Z">
        Redo
      </button>
      <button
        type="button"
        data-testid="save"
        disabled={!canSave}
        onClick={onSave}
        title={mode === 'plain' ? 'a plain host has no workspace: deploy instead' : 'Ctrl+S'}
      >
        Save
      </button>
      <button type="button" className="primary" data-testid="deploy-open" onClick={onDeploy} disabled={!mode}>
        Deploy
      </button>
    </header>
  );
}
