// Turns the Draft plus what the server said about it (checks, a run, live
// metrics) into React Flow nodes and edges. Node ids are node names; edge ids
// are "<from>-><to>". A `needs` entry naming no node is drawn from a ghost node
// so the problem is visible where it is.
import { MarkerType } from '@xyflow/react';
import { effectiveAttempts, effectiveStrategy, needsOf } from './draft.js';
import { ghostPosition } from './layout.js';

export const edgeId = (from, to) => `${from}->${to}`;
export const ghostId = (node, need) => `ghost:${node}:${need}`;

/** Diagnostics of the last check, indexed by node name and edge id. */
export function indexDiagnostics(check) {
  const byNode = new Map();
  const byEdge = new Map();
  for (const d of (check && check.diagnostics) || []) {
    if (d.node) byNode.set(d.node, [...(byNode.get(d.node) || []), d]);
    if (d.edge && d.edge.from !== undefined) {
      const id = edgeId(d.edge.from, d.edge.to);
      byEdge.set(id, [...(byEdge.get(id) || []), d]);
    }
  }
  return { byNode, byEdge };
}

/** The check's `nodes` entries of one node: its own and its compensation's. */
export function checkEntries(check, name) {
  const entries = ((check && check.nodes) || []).filter((e) => e.node === name);
  return {
    node: entries.find((e) => e.role !== 'compensation') || null,
    compensation: entries.find((e) => e.role === 'compensation') || null,
  };
}

export function buildFlow({ draft, positions, check, run, metrics, showCaps }) {
  const names = new Set(draft.nodes.map((n) => n.name));
  const { byNode, byEdge } = indexDiagnostics(check);
  const nodes = [];
  const edges = [];
  for (const node of draft.nodes) {
    const at = positions[node.name] || { x: 0, y: 0 };
    const entries = checkEntries(check, node.name);
    const pinned = byNode.get(node.name) || [];
    const missing = [
      ...((entries.node && entries.node.missing) || []),
      ...((entries.compensation && entries.compensation.missing) || []).map((m) => `${m} (undo)`),
    ];
    const errors = pinned.filter((d) => d.severity === 'error');
    const warnings = pinned.filter((d) => d.severity !== 'error');
    nodes.push({
      id: node.name,
      type: 'pipeline',
      position: at,
      data: {
        node,
        strategy: effectiveStrategy(draft, node),
        attempts: effectiveAttempts(draft, node),
        isOutput: draft.pipeline.output === node.name,
        errors,
        warnings,
        missing,
        info: entries.node,
        undoInfo: entries.compensation,
        showCaps,
        run: run ? run.byNode[node.name] || null : null,
        revealed: run ? run.revealed.has(node.name) : false,
        compensation: run ? run.compensations[node.name] || null : null,
        metrics: metrics ? metrics[node.name] || null : null,
      },
    });
    const seen = new Map();
    let dangling = 0;
    for (const need of needsOf(node)) {
      const count = (seen.get(need) || 0) + 1;
      seen.set(need, count);
      const id = count === 1 ? edgeId(need, node.name) : `${edgeId(need, node.name)}#${count}`;
      const known = names.has(need);
      const problems = byEdge.get(edgeId(need, node.name)) || [];
      const invalid = !known || need === node.name || count > 1 || problems.length > 0;
      let source = need;
      if (!known) {
        source = ghostId(node.name, need);
        nodes.push({
          id: source,
          type: 'ghost',
          position: ghostPosition(at, dangling),
          draggable: false,
          connectable: false,
          data: { need, node: node.name },
        });
        dangling += 1;
      }
      edges.push({
        id,
        source,
        target: node.name,
        className: [invalid && 'invalid', !known && 'dangling'].filter(Boolean).join(' ') || undefined,
        markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
        data: { from: need, to: node.name },
        domAttributes: {
          'data-testid': 'edge',
          'data-edge': edgeId(need, node.name),
          'data-invalid': invalid ? 'true' : undefined,
          title: problems.map((d) => d.message).join('\n') || undefined,
        },
      });
    }
  }
  return { nodes, edges };
}

/**
 * Diagnostics to list: the server's, plus one per dangling need the server
 * has not (yet) reported, so a ghost node is never unexplained.
 */
export function listedDiagnostics(draft, check) {
  const listed = [...((check && check.diagnostics) || [])];
  if (!draft) return listed;
  const names = new Set(draft.nodes.map((n) => n.name));
  for (const node of draft.nodes) {
    for (const need of needsOf(node)) {
      if (names.has(need)) continue;
      const reported = listed.some(
        (d) =>
          (d.edge && d.edge.from === need && d.edge.to === node.name) ||
          (d.node === node.name && typeof d.message === 'string' && d.message.includes(need)),
      );
      if (!reported) {
        listed.push({
          severity: 'error',
          message: `node \`${node.name}\` needs \`${need}\`, which is no node of this pipeline`,
          help: 'add that node, or remove the edge',
          line: null,
          column: null,
          node: node.name,
          edge: { from: need, to: node.name },
          local: true,
        });
      }
    }
  }
  return listed;
}
