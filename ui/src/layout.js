// Automatic layout with dagre: layered, left to right, in file order, so the
// same Draft always gives the same picture. A node the user placed (it has
// `position`) keeps it; dagre still sees it, so moving one node never shifts
// the others.
import { Graph, layout } from '@dagrejs/dagre';
import { needsOf } from './draft.js';

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 86;
const GHOST_WIDTH = 170;
const GHOST_GAP = 60;

/** name → {x, y} (top-left corner) for every node of the draft. */
export function layoutPositions(draft) {
  const g = new Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of draft.nodes) g.setNode(n.name, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const n of draft.nodes) {
    for (const need of needsOf(n)) {
      if (need !== n.name && g.hasNode(need)) g.setEdge(need, n.name);
    }
  }
  layout(g);
  const positions = {};
  for (const n of draft.nodes) {
    if (Array.isArray(n.position) && n.position.length === 2) {
      positions[n.name] = { x: n.position[0], y: n.position[1] };
    } else {
      const p = g.node(n.name);
      positions[n.name] = { x: Math.round(p.x - NODE_WIDTH / 2), y: Math.round(p.y - NODE_HEIGHT / 2) };
    }
  }
  return positions;
}

/** Where the ghost of the `index`-th dangling need of a node at `at` goes. */
export function ghostPosition(at, index) {
  return { x: at.x - GHOST_WIDTH - GHOST_GAP, y: at.y + index * 44 };
}
