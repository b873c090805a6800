// Runs the current source once on the server (POST /v1/admin/pipelines/run)
// and shows the report: the result, then every node in report (topological)
// order with its attempts, then the compensations in the order they ran. The
// canvas paints the same report (App reveals it node by node).
import { useState } from 'react';
import { admin } from './api.js';
import { MetadataRows } from './fields.jsx';
import { formatUs } from './format.js';
import { reportError } from './toast.js';

const STATUS_TEXT = {
  succeeded: 'succeeded',
  'fell-back': 'fell back',
  failed: 'failed',
  cancelled: 'cancelled',
  'not-run': 'not run',
  compensated: 'undone',
  'not-declared': 'stands (no compensation declared)',
};

const errorText = (e) => (e ? `${e.kind}: ${e.message}` : 'ok');

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function Attempts({ attempts }) {
  if (!attempts || attempts.length === 0) return null;
  return (
    <ol className="attempts">
      {attempts.map((a, i) => (
        <li key={i} data-testid="trace-attempt" className={a.error ? 'failed' : 'ok'}>
          attempt {i + 1} · +{formatUs(a.start_us)} · {formatUs(a.duration_us)} · {errorText(a.error)}
        </li>
      ))}
    </ol>
  );
}

function Result({ report, failure }) {
  if (failure) {
    return (
      <div className="run-result failed" data-testid="run-result" data-ok="false">
        <strong>not run:</strong> {failure.message}
        {failure.details.length > 0 && (
          <ul>
            {failure.details.map((d, i) => (
              <li key={i}>{typeof d === 'string' ? d : JSON.stringify(d)}</li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  if (!report) return null;
  const r = report.result || {};
  if (r.ok) {
    return (
      <div className="run-result ok" data-testid="run-result" data-ok="true">
        <strong>ok</strong> · {formatUs(report.duration_us)} · <span className="dim">{report.request_id}</span>
        <pre data-testid="run-output">{r.output}</pre>
        {Array.isArray(r.metadata) && r.metadata.length > 0 && (
          <div className="dim">metadata: {r.metadata.map(([k, v]) => `${k}=${v}`).join(', ')}</div>
        )}
      </div>
    );
  }
  const f = r.failure || {};
  return (
    <div className="run-result failed" data-testid="run-result" data-ok="false" data-node={f.node}>
      <strong>failed</strong> at <code>{f.node}</code> ({f.error && f.error.kind}): {f.error && f.error.message}
      {f.error && f.error.help && <div className="help">help: {f.error.help}</div>}
      {f.compensated && f.compensated.length > 0 && <div>compensated: {f.compensated.join(', ')}</div>}
      {f.not_compensated && f.not_compensated.length > 0 && <div>not compensated (their work stands): {f.not_compensated.join(', ')}</div>}
      <div className="dim">
        {formatUs(report.duration_us)} · {report.request_id}
      </div>
    </div>
  );
}

export default function RunPanel({ ensureSource, file, report, onReport }) {
  const [input, setInput] = useState('');
  const [upload, setUpload] = useState(null);
  const [metadata, setMetadata] = useState({});
  const [running, setRunning] = useState(false);
  const [failure, setFailure] = useState(null);

  const pickFile = async (e) => {
    const f = e.target.files && e.target.files[0];
    if (!f) return setUpload(null);
    try {
      setUpload({ name: f.name, size: f.size, base64: await readBase64(f) });
    } catch (err) {
      reportError(err, `cannot read ${f.name}`);
    }
  };

  const run = async () => {
    setRunning(true);
    setFailure(null);
    try {
      const fresh = await ensureSource();
      if (!fresh) return;
      const answer = await admin.run({
        source: fresh.source,
        file,
        input: upload ? '' : input,
        input_base64: upload ? upload.base64 : null,
        metadata,
      });
      onReport(answer.report);
    } catch (err) {
      onReport(null);
      setFailure({ message: err.message, details: err.details || [] });
      reportError(err, 'run');
    } finally {
      setRunning(false);
    }
  };

  return (
    <div className="run-panel" data-testid="run-panel">
      <div className="run-form">
        <label className="field">
          <span>input</span>
          <textarea data-testid="run-input" rows={4} value={input} disabled={!!upload} onChange={(e) => setInput(e.target.value)} placeholder="the pipeline's input data" />
        </label>
        <label className="field">
          <span>or a file (sent as bytes)</span>
          <input type="file" data-testid="run-file" onChange={pickFile} />
        </label>
        {upload && (
          <div className="dim">
            using {upload.name} ({upload.size} bytes){' '}
            <button type="button" className="link" data-testid="run-file-clear" onClick={() => setUpload(null)}>
              use the text instead
            </button>
          </div>
        )}
        <div className="field">
          <span>input metadata</span>
          <MetadataRows prefix="run-meta" entries={metadata} onChange={setMetadata} />
        </div>
        <button type="button" className="primary" data-testid="run-button" onClick={run} disabled={running}>
          {running ? 'Running…' : 'Run'}
        </button>
      </div>
      <div className="run-output">
        <Result report={report} failure={failure} />
        {report && (
          <div className="trace" data-testid="trace">
            <ol>
              {report.nodes.map((n) => (
                <li key={n.node} data-testid="trace-node" data-node={n.node} data-status={n.status} className={`trace-${n.status}`}>
                  <code>{n.node}</code> <span className="status">{STATUS_TEXT[n.status] || n.status}</span>
                  {n.start_us !== null && n.start_us !== undefined && <span> +{formatUs(n.start_us)}</span>}
                  {n.end_us !== null && n.end_us !== undefined && n.start_us !== null && n.start_us !== undefined && (
                    <span className="duration"> {formatUs(n.end_us - n.start_us)}</span>
                  )}
                  {n.attempts && n.attempts.length > 0 && <span className="dim"> · {n.attempts.length} attempt{n.attempts.length === 1 ? '' : 's'}</span>}
                  {n.error && <div className="error-text">{errorText(n.error)}</div>}
                  {n.attempts && n.attempts.length > 0 && <Attempts attempts={n.attempts} />}
                  {n.output_preview !== null && n.output_preview !== undefined && <pre className="preview">{n.output_preview}</pre>}
                </li>
              ))}
            </ol>
            {report.compensations && report.compensations.length > 0 && (
              <>
                <h4>compensations, in the order they ran</h4>
                <ol>
                  {report.compensations.map((c, i) => (
                    <li key={i} data-testid="trace-compensation" data-node={c.node} data-status={c.status}>
                      <code>{c.node}</code> <span className="status">{c.status === 'failed' ? `NOT undone: ${errorText(c.error)}` : STATUS_TEXT[c.status] || c.status}</span>
                      <Attempts attempts={c.attempts} />
                    </li>
                  ))}
                </ol>
              </>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
