// Unit tests of the UI's pure model code: `npm test` (node's test runner).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addNeed,
  addNode,
  connectionRefusal,
  deleteNodes,
  nameFromDir,
  relativePath,
  removeNeed,
  renameNode,
  setPositions,
  setRetryKey,
  uniqueName,
} from '../src/draft.js';
import { layoutPositions } from '../src/layout.js';
import { BOUNDS_MS, percentileMs, seriesRates, trafficSplit } from '../src/metrics.js';

const draft = () => ({
  pipeline: { name: 'p', version: '0.1.0', output: 'c' },
  nodes: [
    { name: 'a', component: 'x', needs: [], metadata: {} },
    { name: 'b', component: 'x', needs: ['a'], metadata: { k: '${{ nodes.a.meta.id }}' } },
    { name: 'c', component: 'y', needs: ['b'], metadata: {} },
  ],
});
const core = () => 'airssys:core/component';

test('unique names count from -2', () => {
  assert.equal(uniqueName(draft(), 'd'), 'd');
  assert.equal(uniqueName(draft(), 'a'), 'a-2');
  const d = addNode(draft(), { name: 'a-2', component: 'x' });
  assert.equal(uniqueName(d, 'a'), 'a-3');
});

test('a new node has only the required keys and its position', () => {
  const d = addNode(draft(), { name: 'n', component: 'x', position: [1, 2] });
  assert.deepEqual(d.nodes[3], { name: 'n', component: 'x', needs: [], metadata: {}, position: [1, 2] });
});

test('rename follows needs, output and metadata expressions', () => {
  const d = renameNode(draft(), 'a', 'start');
  assert.deepEqual(d.nodes.map((n) => n.name), ['start', 'b', 'c']);
  assert.deepEqual(d.nodes[1].needs, ['start']);
  assert.equal(d.nodes[1].metadata.k, '${{ nodes.start.meta.id }}');
  assert.equal(renameNode(draft(), 'c', 'end').pipeline.output, 'end');
});

test('delete removes the node from needs and output', () => {
  const d = deleteNodes(draft(), ['b', 'c']);
  assert.deepEqual(d.nodes.map((n) => n.name), ['a']);
  assert.equal('output' in d.pipeline, false);
  assert.deepEqual(deleteNodes(draft(), ['a']).nodes[0].needs, []);
});

test('untouched nodes keep their identity (the server rewrites only changes)', () => {
  const before = draft();
  const after = removeNeed(before, 'b', 'c');
  assert.equal(after.nodes[0], before.nodes[0]);
  assert.deepEqual(after.nodes[2].needs, []);
  assert.deepEqual(addNeed(after, 'a', 'c').nodes[2].needs, ['a']);
});

test('connections: self, duplicate, world and cycle are refused with a reason', () => {
  const d = draft();
  assert.match(connectionRefusal(d, 'a', 'a', core), /cannot need itself/);
  assert.match(connectionRefusal(d, 'a', 'b', core), /already needs/);
  assert.equal(connectionRefusal(d, 'c', 'a', core), 'would create a cycle: c → a → b → c');
  const http = (n) => (n === 'c' ? 'wasi:http/proxy' : 'airssys:core/component');
  assert.equal(
    connectionRefusal(d, 'a', 'c', http),
    '`c` is a wasi:http/proxy component: only airssys:core/component components can be pipeline nodes',
  );
  assert.equal(connectionRefusal(d, 'a', 'c', core), null);
});

test('retry keys: an emptied table disappears', () => {
  const n = setRetryKey({ name: 'a' }, 'attempts', 3);
  assert.deepEqual(n.retry, { attempts: 3 });
  assert.equal('retry' in setRetryKey(n, 'attempts', undefined), false);
});

test('positions are integers', () => {
  assert.deepEqual(setPositions(draft(), { a: [1.4, 2.6] }).nodes[0].position, [1, 3]);
});

test('references are relative to the pipeline file', () => {
  assert.equal(relativePath('', 'upper'), 'upper');
  assert.equal(relativePath('flows', 'upper'), '../upper');
  assert.equal(relativePath('flows/deep', 'flows/upper'), '../upper');
  assert.equal(relativePath('', ''), '.');
  assert.equal(nameFromDir('/tmp/Demo_WS'), 'demo-ws');
  assert.equal(nameFromDir('/x/orders'), 'orders');
});

test('layout is deterministic, left to right, and keeps placed nodes', () => {
  const a = layoutPositions(draft());
  assert.deepEqual(layoutPositions(draft()), a);
  assert.ok(a.a.x < a.b.x && a.b.x < a.c.x);
  const placed = setPositions(draft(), { b: [500, 600] });
  assert.deepEqual(layoutPositions(placed).b, { x: 500, y: 600 });
});

test('metrics: rates, p99 from bucket indices, traffic split', () => {
  assert.equal(BOUNDS_MS.length, 161);
  assert.equal(BOUNDS_MS[0], 0.05);
  assert.equal(BOUNDS_MS[8], 0.1);
  assert.equal(BOUNDS_MS[160], 50000 * 2 ** 20 / 1e6);
  assert.equal(percentileMs(new Map([[8, 99], [16, 1]]), 0.99), 0.1);
  assert.equal(percentileMs(new Map([[8, 98], [16, 2]]), 0.99), 0.2);
  const s = (t, calls, errors, buckets) => ({
    taken_at_ms: t,
    components: { p: { '0.1.0': { calls, errors_by_kind: { internal: errors }, latency_buckets: buckets } } },
  });
  const r = seriesRates(s(0, 10, 1, [[8, 10]]), s(2000, 30, 3, [[8, 29], [16, 1]]), 'p');
  assert.equal(r.perSecond, 10);
  assert.equal(r.errorRate, 0.1);
  assert.equal(r.p99, 0.2);
  assert.equal(seriesRates(null, s(0, 1, 0, []), 'p'), null);
  assert.equal(
    trafficSplit({ active_version: '0.1.0', canary: { version: '0.2.0', weight_percent: 20 } }),
    'stable 0.1.0 80% · canary 0.2.0 20%',
  );
  assert.equal(trafficSplit({ active_version: '0.1.0', canary: null }), 'stable 0.1.0 100%');
  assert.equal(trafficSplit(null), 'not deployed');
});
