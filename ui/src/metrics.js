// Rates between two metrics snapshots (GET /v1/admin/metrics), as the CLI's
// `monitor` computes them: calls/s = Δcalls/Δt, error % = Δerrors/Δcalls, p99
// from the Δ latency histogram. The histogram's `latency_buckets` are
// `[index, count]` pairs into the host's fixed bucket scheme
// (src/host/metrics/histogram.rs): 8 log-spaced bounds per doubling from 50 µs
// over 20 doublings, plus an overflow bucket. The bounds are rebuilt here.

const LOWEST_BOUND_NS = 50000;
const PER_OCTAVE = 8;
const OCTAVES = 20;
const FINITE_BOUNDS = OCTAVES * PER_OCTAVE + 1;

/** Upper bound of each finite bucket, in ms. */
export const BOUNDS_MS = Array.from({ length: FINITE_BOUNDS }, (_, i) => {
  const base = LOWEST_BOUND_NS * 2 ** Math.floor(i / PER_OCTAVE);
  return Math.floor(base * 2 ** ((i % PER_OCTAVE) / PER_OCTAVE) + 0.5) / 1e6;
});

const errorsOf = (v) => Object.values(v.errors_by_kind || {}).reduce((a, b) => a + b, 0);

/** The versions of one series summed (or only `only`), with a dense histogram. */
function total(series, only) {
  const sum = { calls: 0, errors: 0, retries: 0, compensated: 0, compensation_failed: 0, buckets: new Map() };
  for (const [version, v] of Object.entries(series || {})) {
    if (only && version !== only) continue;
    sum.calls += v.calls || 0;
    sum.errors += errorsOf(v);
    sum.retries += v.retries || 0;
    sum.compensated += v.compensated || 0;
    sum.compensation_failed += v.compensation_failed || 0;
    for (const [index, count] of v.latency_buckets || []) {
      sum.buckets.set(index, (sum.buckets.get(index) || 0) + count);
    }
  }
  return sum;
}

/** The upper bound (ms) of the bucket holding the q-th latency; null without calls. */
export function percentileMs(buckets, q) {
  const indices = [...buckets.keys()].filter((i) => buckets.get(i) > 0).sort((a, b) => a - b);
  const count = indices.reduce((n, i) => n + buckets.get(i), 0);
  if (count === 0) return null;
  const rank = Math.min(count, Math.max(1, Math.ceil(q * count)));
  let seen = 0;
  for (const i of indices) {
    seen += buckets.get(i);
    if (seen >= rank) return BOUNDS_MS[Math.min(i, FINITE_BOUNDS - 1)];
  }
  return BOUNDS_MS[FINITE_BOUNDS - 1];
}

/**
 * What one series did between `earlier` and `later` (snapshots), or null when
 * it cannot be told (no earlier snapshot, or no time between them).
 */
export function seriesRates(earlier, later, name, version) {
  if (!earlier || !later) return null;
  const seconds = (later.taken_at_ms - earlier.taken_at_ms) / 1000;
  if (!(seconds > 0)) return null;
  const a = total(earlier.components && earlier.components[name], version);
  const b = total(later.components && later.components[name], version);
  // A restarted host resets its counters: then the later figures are the delta.
  const reset = b.calls < a.calls;
  const base = reset ? total(null) : a;
  const calls = b.calls - base.calls;
  const delta = new Map();
  for (const [i, c] of b.buckets) delta.set(i, c - (base.buckets.get(i) || 0));
  return {
    calls,
    perSecond: calls / seconds,
    errorRate: calls > 0 ? (b.errors - base.errors) / calls : 0,
    p99: percentileMs(delta, 0.99),
    retries: b.retries - base.retries,
    compensated: b.compensated - base.compensated,
    compensationFailed: b.compensation_failed - base.compensation_failed,
  };
}

/** "2.0 calls/s · p99 4.2 ms · 0.0% errors" */
export function ratesText(r) {
  if (!r) return 'waiting for data…';
  const p99 = r.p99 === null ? 'p99 —' : `p99 ${r.p99 >= 10 ? r.p99.toFixed(0) : r.p99.toFixed(2)} ms`;
  const extra = [];
  if (r.retries > 0) extra.push(`${r.retries} retries`);
  if (r.compensated > 0) extra.push(`${r.compensated} undone`);
  if (r.compensationFailed > 0) extra.push(`${r.compensationFailed} undo failed!`);
  return [`${r.perSecond.toFixed(1)} calls/s`, p99, `${(r.errorRate * 100).toFixed(1)}% errors`, ...extra].join(' · ');
}

/** "stable 0.1.0 80% · canary 0.2.0 20%" from a `status` deployment. */
export function trafficSplit(deployment) {
  if (!deployment || !deployment.active_version || deployment.undeployed) return 'not deployed';
  const canary = deployment.canary;
  const version = canary ? canary.version : deployment.canary_version;
  const weight = canary ? canary.weight_percent : deployment.canary_weight;
  if (!version) return `stable ${deployment.active_version} 100%`;
  const w = Number(weight) || 0;
  return `stable ${deployment.active_version} ${100 - w}% · canary ${version} ${w}%`;
}
