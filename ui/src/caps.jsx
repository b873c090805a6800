// Compact text for a capability set:
// {reads, writes, connects, environment, key_value, messaging}.

const LISTS = [
  ['reads', 'reads'],
  ['writes', 'writes'],
  ['connects', 'connects'],
  ['environment', 'env'],
  ['messaging', 'messaging'],
];

/** [[label, text]] for what `caps` allows; [] when it allows nothing. */
export function capabilityLines(caps) {
  if (!caps) return [];
  const lines = [];
  for (const [key, label] of LISTS) {
    const list = caps[key];
    if (Array.isArray(list) && list.length > 0) lines.push([label, list.join(', ')]);
    if (key === 'environment' && caps.key_value) lines.push(['kv', 'own store']);
  }
  return lines;
}

/** One line, e.g. "reads: data · kv", or "no access". */
export function capabilitySummary(caps) {
  const lines = capabilityLines(caps);
  if (lines.length === 0) return 'no access';
  return lines.map(([label, text]) => (label === 'kv' ? 'kv' : `${label}: ${text}`)).join(' · ');
}

export function CapabilityList({ caps, missing = [], testid }) {
  const lines = capabilityLines(caps);
  return (
    <dl className="caps" data-testid={testid}>
      {lines.length === 0 && missing.length === 0 && <dd className="dim">no access</dd>}
      {lines.map(([label, text]) => (
        <div key={label} className="caps-row">
          <dt>{label}</dt>
          <dd>{text}</dd>
        </div>
      ))}
      {missing.length > 0 && (
        <div className="caps-row missing" data-testid="caps-missing">
          <dt>missing</dt>
          <dd>{missing.join(', ')}</dd>
        </div>
      )}
    </dl>
  );
}
