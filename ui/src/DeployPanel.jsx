// Deploys the current source as a pipeline version, rolls it out with a
// strategy, and while open polls status and metrics every second: the traffic
// split, the pipeline's own series, and each node's `<pipeline>/<node>`
// series (painted on the canvas through onMetrics).
import { useEffect, useRef, useState } from 'react';
import { admin } from './api.js';
import { ratesText, seriesRates, trafficSplit } from './metrics.js';
import { reportError } from './toast.js';

const POLL_MS = 1000;

const describe = (answer) =>
  answer && typeof answer === 'object' && 'active_version' in answer ? trafficSplit(answer) : JSON.stringify(answer);

export default function DeployPanel({ open, draft, ensureSource, file, onMetrics }) {
  const name = draft ? draft.pipeline.name : '';
  const version = draft ? draft.pipeline.version : '';
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  const [strategy, setStrategy] = useState('canary');
  const [weight, setWeight] = useState('20');
  const [maxErrorRate, setMaxErrorRate] = useState('');
  const [steps, setSteps] = useState('10,50,100');
  const [intervalMs, setIntervalMs] = useState('');
  const [rollbackTo, setRollbackTo] = useState('');
  const [live, setLive] = useState({ deployment: null, rates: null, error: null });
  const nodesRef = useRef([]);
  nodesRef.current = draft ? draft.nodes.map((n) => n.name) : [];

  // Poll only while the panel is open; each tick compares with the last snapshot.
  useEffect(() => {
    if (!open || !name) {
      onMetrics(null);
      return undefined;
    }
    let previous = null;
    let stopped = false;
    let failing = false;
    const tick = async () => {
      try {
        const [status, snapshot] = await Promise.all([admin.status(), admin.metrics()]);
        if (stopped) return;
        const deployment = ((status && status.deployments) || []).find((d) => d.name === name) || null;
        const perNode = {};
        for (const node of nodesRef.current) {
          perNode[node] = { text: ratesText(seriesRates(previous, snapshot, `${name}/${node}`)) };
        }
        // Each serving version's own rate: the split as measured, not as set.
        const serving = deployment && !deployment.undeployed
          ? [deployment.active_version, deployment.canary && deployment.canary.version].filter(Boolean)
          : [];
        const byVersion = serving.map((v) => ({ version: v, rates: seriesRates(previous, snapshot, name, v) }));
        setLive({ deployment, rates: seriesRates(previous, snapshot, name), byVersion, error: null });
        onMetrics(perNode);
        previous = snapshot;
        failing = false;
      } catch (err) {
        if (stopped) return;
        setLive((l) => ({ ...l, error: err.message }));
        if (!failing) reportError(err, 'live status');
        failing = true;
      }
    };
    tick();
    const timer = setInterval(tick, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      onMetrics(null);
    };
  }, [open, name, onMetrics]);

  const act = async (label, fn) => {
    setBusy(true);
    try {
      const text = await fn();
      if (text) setResult({ level: 'ok', text: `${label}: ${text}` });
    } catch (err) {
      setResult({ level: 'error', text: `${label} refused: ${err.message}`, details: err.details || [] });
      reportError(err, label);
    } finally {
      setBusy(false);
    }
  };

  const deployVersion = () =>
    act('Deploy', async () => {
      const fresh = await ensureSource();
      if (!fresh) return null;
      const { body } = await admin.deployPipeline(fresh.source, file);
      const id = `${body.name}@${body.version}`;
      const sha = body.sha256 ? ` sha256:${body.sha256.slice(0, 12)}…` : '';
      if (!body.created) return `unchanged: ${id} is already deployed with this content${sha}`;
      return `created ${id}${sha}${body.activated ? ' (active)' : ' (stored; roll it out below)'}`;
    });

  const rollout = () =>
    act(`Roll out ${name}@${version} (${strategy})`, async () => {
      const request = { version, strategy };
      if (strategy === 'canary') request.weight = Number.parseInt(weight, 10);
      if ((strategy === 'canary' || strategy === 'rolling') && maxErrorRate.trim() !== '') {
        request.max_error_rate = Number(maxErrorRate);
      }
      if (strategy === 'rolling') {
        request.steps = steps.split(',').map((s) => Number.parseInt(s.trim(), 10)).filter((n) => Number.isFinite(n));
        if (intervalMs.trim() !== '') request.interval_ms = Number.parseInt(intervalMs, 10);
      }
      return describe(await admin.update(name, request));
    });

  return (
    <div className="deploy-panel" data-testid="deploy-panel">
      <div className="deploy-col">
        <h3>
          Deploy <code data-testid="deploy-target">{name}@{version}</code>
        </h3>
        <button type="button" className="primary" data-testid="deploy-save" onClick={deployVersion} disabled={busy || !draft}>
          Deploy version
        </button>
        <div className={`deploy-result ${result ? result.level : ''}`} data-testid="deploy-result">
          {result && result.text}
          {result && result.details && result.details.length > 0 && (
            <ul>
              {result.details.map((d, i) => (
                <li key={i}>{typeof d === 'string' ? d : JSON.stringify(d)}</li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <div className="deploy-col">
        <h3>Roll out</h3>
        <label className="field">
          <span>strategy</span>
          <select data-testid="deploy-strategy" value={strategy} onChange={(e) => setStrategy(e.target.value)}>
            <option value="immediate">immediate</option>
            <option value="blue-green">blue-green</option>
            <option value="canary">canary</option>
            <option value="rolling">rolling</option>
          </select>
        </label>
        {strategy === 'canary' && (
          <label className="field">
            <span>canary weight %</span>
            <input type="number" min="0" max="100" data-testid="deploy-weight" value={weight} onChange={(e) => setWeight(e.target.value)} />
          </label>
        )}
        {(strategy === 'canary' || strategy === 'rolling') && (
          <label className="field">
            <span>max error rate (0–1, optional)</span>
            <input type="number" min="0" max="1" step="0.01" data-testid="deploy-max-error-rate" value={maxErrorRate} onChange={(e) => setMaxErrorRate(e.target.value)} />
          </label>
        )}
        {strategy === 'rolling' && (
          <>
            <label className="field">
              <span>steps %</span>
              <input data-testid="deploy-steps" value={steps} onChange={(e) => setSteps(e.target.value)} />
            </label>
            <label className="field">
              <span>interval ms</span>
              <input type="number" min="0" data-testid="deploy-interval-ms" value={intervalMs} onChange={(e) => setIntervalMs(e.target.value)} />
            </label>
          </>
        )}
        <button type="button" data-testid="deploy-rollout" onClick={rollout} disabled={busy || !draft}>
          Roll out {version}
        </button>
      </div>
      <div className="deploy-col">
        <h3>Live</h3>
        <div className="traffic-split" data-testid="traffic-split">
          {live.deployment ? trafficSplit(live.deployment) : 'not deployed'}
        </div>
        {live.deployment && live.deployment.canary && (
          <div className="dim">
            {live.deployment.canary.strategy}
            {live.deployment.canary.steps && live.deployment.canary.steps.length > 0 &&
              ` step ${live.deployment.canary.step_index + 1}/${live.deployment.canary.steps.length}`}
          </div>
        )}
        <div className="pipeline-rates" data-testid="pipeline-metrics">
          {ratesText(live.rates)}
        </div>
        {(live.byVersion || []).map(({ version, rates }) => (
          <div className="dim" key={version} data-testid="version-metrics" data-version={version}>
            {version}: {ratesText(rates)}
            {rates && live.rates && live.rates.perSecond > 0 &&
              ` · ${((100 * rates.perSecond) / live.rates.perSecond).toFixed(1)}% of runs`}
          </div>
        ))}
        {live.error && <div className="error-text">{live.error}</div>}
        <div className="buttons">
          <button type="button" data-testid="promote" disabled={busy} onClick={() => act('Promote', async () => describe(await admin.promote(name)))}>
            Promote
          </button>
          <button type="button" data-testid="abort" disabled={busy} onClick={() => act('Abort', async () => describe(await admin.abort(name)))}>
            Abort
          </button>
          <button type="button" data-testid="rollback" disabled={busy} onClick={() => act('Rollback', async () => describe(await admin.rollback(name, rollbackTo.trim() || null)))}>
            Roll back
          </button>
          <input data-testid="rollback-to" placeholder="to version (optional)" value={rollbackTo} onChange={(e) => setRollbackTo(e.target.value)} />
        </div>
      </div>
    </div>
  );
}
