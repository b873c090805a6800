// Pure operations on the editor's model, the Draft (see the contract in
// docs: `{pipeline: {...}, nodes: [{name, component, needs, metadata, ...}]}`).
// Every function returns a new Draft and touches only the keys it is about:
// the server rewrites only what changed, so an untouched key must stay absent
// (or as imported) for a save to keep the file byte-identical.

export const CORE_WORLD = 'airssys:core/component';

/** `obj` without `key` (the same object when it has none). */
export function without(obj, key) {
  if (!obj || !(key in obj)) return obj;
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

/** Sets `key` to `value`, or removes it when `value` is undefined. */
export function setKey(obj, key, value) {
  return value === undefined ? without(obj, key) : { ...obj, [key]: value };
}

export const findNode = (draft, name) => draft.nodes.find((n) => n.name === name);
export const needsOf = (node) => (Array.isArray(node.needs) ? node.needs : []);

/** `base`, or `base-2`, `base-3` … whichever is free. */
export function uniqueName(draft, base) {
  const taken = new Set(draft.nodes.map((n) => n.name));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i += 1) {
    if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
  }
}

export function newDraft(name) {
  return { pipeline: { name, version: '0.1.0' }, nodes: [] };
}

/** A node the user adds: only the required keys, plus its position. */
export function addNode(draft, { name, component, position }) {
  const node = { name, component, needs: [], metadata: {} };
  if (position) node.position = position;
  return { ...draft, nodes: [...draft.nodes, node] };
}

export function updateNode(draft, name, update) {
  return { ...draft, nodes: draft.nodes.map((n) => (n.name === name ? update(n) : n)) };
}

export const setNodeKey = (draft, name, key, value) =>
  updateNode(draft, name, (n) => setKey(n, key, value));

export const setPipelineKey = (draft, key, value) => ({
  ...draft,
  pipeline: setKey(draft.pipeline, key, value),
});

/** Sets one key of `owner.retry`; an emptied retry table is removed. */
export function setRetryKey(owner, key, value) {
  const retry = setKey(owner.retry || {}, key, value);
  return Object.keys(retry).length > 0 ? { ...owner, retry } : without(owner, 'retry');
}

/** Records where the user put nodes: integers, as the file stores them. */
export function setPositions(draft, positions) {
  return {
    ...draft,
    nodes: draft.nodes.map((n) =>
      positions[n.name] ? { ...n, position: positions[n.name].map((v) => Math.round(v)) } : n,
    ),
  };
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Renames a node and every reference to it: other nodes' `needs`,
 * `[pipeline] output`, and `${{ nodes.<name>.meta.KEY }}` expressions.
 */
export function renameNode(draft, from, to) {
  const source = `(\\$\\{\\{\\s*nodes\\.)${escapeRegExp(from)}(\\.meta\\.)`;
  const mentions = new RegExp(source);
  const expr = new RegExp(source, 'g');
  const nodes = draft.nodes.map((n) => {
    let m = n.name === from ? { ...n, name: to } : n;
    if (needsOf(n).includes(from)) m = { ...m, needs: needsOf(n).map((x) => (x === from ? to : x)) };
    const meta = n.metadata || {};
    if (Object.values(meta).some((v) => typeof v === 'string' && mentions.test(v))) {
      const renamed = {};
      for (const [k, v] of Object.entries(meta)) {
        renamed[k] = typeof v === 'string' ? v.replace(expr, `$1${to}$2`) : v;
      }
      m = { ...m, metadata: renamed };
    }
    return m;
  });
  const pipeline = draft.pipeline.output === from ? { ...draft.pipeline, output: to } : draft.pipeline;
  return { ...draft, pipeline, nodes };
}

/** Deletes nodes, their names from others' `needs`, and a dangling `output`. */
export function deleteNodes(draft, names) {
  const gone = new Set(names);
  if (gone.size === 0) return draft;
  const nodes = draft.nodes
    .filter((n) => !gone.has(n.name))
    .map((n) =>
      needsOf(n).some((x) => gone.has(x)) ? { ...n, needs: needsOf(n).filter((x) => !gone.has(x)) } : n,
    );
  const pipeline = gone.has(draft.pipeline.output) ? without(draft.pipeline, 'output') : draft.pipeline;
  return { ...draft, pipeline, nodes };
}

/** Removes the edge `from → to` (the name `from` out of `to`'s needs). */
export const removeNeed = (draft, from, to) =>
  updateNode(draft, to, (n) => ({ ...n, needs: needsOf(n).filter((x) => x !== from) }));

/** Adds the edge `from → to`. */
export const addNeed = (draft, from, to) =>
  updateNode(draft, to, (n) => ({ ...n, needs: [...needsOf(n), from] }));

/**
 * The path `start → … → goal` following edges (a node to those that need it),
 * breadth first in file order so the answer is deterministic; null if none.
 */
function pathDownstream(draft, start, goal) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift();
    if (at === goal) {
      const path = [];
      for (let x = goal; x !== null; x = previous.get(x)) path.unshift(x);
      return path;
    }
    for (const n of draft.nodes) {
      if (needsOf(n).includes(at) && !previous.has(n.name)) {
        previous.set(n.name, at);
        queue.push(n.name);
      }
    }
  }
  return null;
}

/**
 * Why the edge `from → to` cannot be added, or null when it can. `worldOf`
 * gives a node's component world when known.
 */
export function connectionRefusal(draft, from, to, worldOf) {
  if (from === to) return `a node cannot need itself (\`${from}\` → \`${from}\`)`;
  const target = findNode(draft, to);
  if (!target || !findNode(draft, from)) return 'only nodes of the pipeline can be connected';
  if (needsOf(target).includes(from)) return `\`${to}\` already needs \`${from}\``;
  for (const name of [from, to]) {
    const world = worldOf(name);
    if (world && world !== CORE_WORLD) {
      return `\`${name}\` is a ${world} component: only ${CORE_WORLD} components can be pipeline nodes`;
    }
  }
  const back = pathDownstream(draft, to, from);
  if (back) return `would create a cycle: ${[from, ...back].join(' → ')}`;
  return null;
}

/** The node's strategy and whether it is inherited from `[pipeline]`. */
export function effectiveStrategy(draft, node) {
  if (node.on_error) return { value: node.on_error, inherited: false };
  return { value: draft.pipeline.on_error || 'fail-fast', inherited: true };
}

/** The node's effective number of attempts (key by key over the pipeline's). */
export function effectiveAttempts(draft, node) {
  return (node.retry && node.retry.attempts) || (draft.pipeline.retry && draft.pipeline.retry.attempts) || 1;
}

/** `to` relative to the directory `fromDir` (both relative to one root). */
export function relativePath(fromDir, to) {
  const parts = (p) => p.split('/').filter((s) => s && s !== '.');
  const a = parts(fromDir);
  const b = parts(to);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  const rel = [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
  return rel || '.';
}

export const dirOf = (file) => (file && file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '');

/** A pipeline name from a directory name: the name rule is [a-z][a-z0-9-]{0,63}. */
export function nameFromDir(root) {
  const base = (root || '').replace(/\/+$/, '').split('/').pop().toLowerCase();
  const cleaned = base.replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, 64);
  return cleaned || 'pipeline';
}
