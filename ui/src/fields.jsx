// Form fields that commit to the Draft on blur or Enter (selects and
// checkboxes on change), so typing does not create one undo step per key and a
// half-typed node name never renames anything. An emptied field commits
// `undefined`, which removes the key from the Draft.
import { useEffect, useState } from 'react';

export function TextField({ testid, value, onCommit, placeholder, list, type = 'text', label, ...rest }) {
  const shown = value === undefined || value === null ? '' : String(value);
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  // Reads the DOM value, not state: WebDriver's clear() fires input, change
  // and blur in one go, before React has re-rendered with the new text.
  const commit = (raw) => {
    if (raw === shown) return;
    // onCommit answers false to refuse (e.g. a taken node name): show the
    // value again; null to wait for more typing (an emptied required field).
    if (onCommit(raw) === false) setText(shown);
  };
  const input = (
    <input
      data-testid={testid}
      type={type}
      value={text}
      placeholder={placeholder}
      list={list}
      onChange={(e) => setText(e.target.value)}
      onBlur={(e) => commit(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit(e.currentTarget.value);
        if (e.key === 'Escape') setText(shown);
      }}
      {...rest}
    />
  );
  return label ? (
    <label className="field">
      <span>{label}</span>
      {input}
    </label>
  ) : (
    input
  );
}

/** An integer field: empty removes the key; other text that is no integer is refused. */
export function IntField({ onCommit, ...props }) {
  return (
    <TextField
      type="number"
      step="1"
      {...props}
      onCommit={(text) => {
        if (text.trim() === '') return onCommit(undefined);
        const value = Number(text);
        if (!Number.isFinite(value)) return false;
        return onCommit(Math.trunc(value));
      }}
    />
  );
}

/** Optional string: empty removes the key. */
export const optionalText = (commit) => (text) => commit(text === '' ? undefined : text);

export function SelectField({ testid, value, onCommit, options, label }) {
  return (
    <label className="field">
      <span>{label}</span>
      <select data-testid={testid} value={value ?? ''} onChange={(e) => onCommit(e.target.value === '' ? undefined : e.target.value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Key/value rows: existing entries edit in place; a last row adds one. */
export function MetadataRows({ prefix, entries, onChange }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const add = () => {
    const k = key.trim();
    if (!k) return;
    onChange({ ...entries, [k]: value });
    setKey('');
    setValue('');
  };
  return (
    <div className="meta-rows">
      {Object.entries(entries).map(([k, v]) => (
        <div className="meta-row" key={k} data-testid={`${prefix}-row`} data-key={k}>
          <code className="meta-key">{k}</code>
          <TextField testid={`${prefix}-row-value`} value={v} onCommit={(text) => onChange({ ...entries, [k]: text })} />
          <button
            type="button"
            className="icon"
            data-testid={`${prefix}-remove`}
            title={`remove ${k}`}
            onClick={() => {
              const rest = { ...entries };
              delete rest[k];
              onChange(rest);
            }}
          >
            ×
          </button>
        </div>
      ))}
      <div className="meta-row meta-new">
        <input data-testid={`${prefix}-key`} placeholder="key" value={key} onChange={(e) => setKey(e.target.value)} />
        <input
          data-testid={`${prefix}-value`}
          placeholder="value"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') add();
          }}
        />
        <button type="button" data-testid={`${prefix}-add`} onClick={add}>
          add
        </button>
      </div>
    </div>
  );
}
