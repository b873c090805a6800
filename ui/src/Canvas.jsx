// The graph editor. React Flow renders what flow.js derives from the Draft;
// this component keeps React Flow's own per-node state (measured size, the
// position while dragging, selection) and turns gestures into model changes:
// connect → a need, drag stop → a position, Delete → removal. Nothing here
// edits the Draft directly; App commits every change (so undo sees it).
import { useCallback, useEffect, useState } from 'react';
import { Background, Controls, ReactFlow, applyEdgeChanges, applyNodeChanges } from '@xyflow/react';
import { nodeTypes } from './PipelineNode.jsx';
import { toast } from './toast.js';

/** Copies React Flow's own state (size, drag, selection) onto derived nodes. */
function mergeNodes(previous, derived, selected) {
  const byId = new Map(previous.map((n) => [n.id, n]));
  return derived.map((n) => {
    const p = byId.get(n.id);
    const merged = { ...n, selected: selected.has(n.id) };
    if (p && p.measured) merged.measured = p.measured;
    if (p && p.dragging) {
      merged.position = p.position;
      merged.dragging = true;
    }
    return merged;
  });
}

const mergeEdges = (derived, selected) => derived.map((e) => ({ ...e, selected: selected.has(e.id) }));

const FIT = { padding: 0.2, maxZoom: 1.25 };
// A constant, not an inline array: React Flow re-subscribes its key listeners
// whenever this prop changes identity, and a re-subscription in the middle of
// a key event (Ctrl+Z re-renders) loses that key's keyup, after which Delete
// no longer matches.
const DELETE_KEYS = ['Delete', 'Backspace'];

export default function Canvas({ flow, selection, onSelection, refusal, onConnectNodes, onMoved, onDelete, containerRef, empty }) {
  const [nodes, setNodes] = useState(() => mergeNodes([], flow.nodes, new Set(selection.nodes)));
  const [edges, setEdges] = useState(() => mergeEdges(flow.edges, new Set(selection.edges)));
  // Fit an opened pipeline to the view once; a new, empty one keeps zoom 1 so
  // the first node dropped stays where it was dropped.
  const [fitOnOpen] = useState(() => flow.nodes.length > 0);

  useEffect(() => {
    const selected = new Set(selection.nodes);
    setNodes((previous) => mergeNodes(previous, flow.nodes, selected));
    setEdges(mergeEdges(flow.edges, new Set(selection.edges)));
  }, [flow, selection]);

  // Removals are not applied here: onDelete turns them into one model change,
  // and the derived nodes follow.
  const onNodesChange = useCallback((changes) => {
    setNodes((ns) => applyNodeChanges(changes.filter((c) => c.type !== 'remove'), ns));
  }, []);
  const onEdgesChange = useCallback((changes) => {
    setEdges((es) => applyEdgeChanges(changes.filter((c) => c.type !== 'remove'), es));
  }, []);

  const onSelectionChange = useCallback(
    ({ nodes: n, edges: e }) => onSelection({ nodes: n.map((x) => x.id), edges: e.map((x) => x.id) }),
    [onSelection],
  );

  const isValidConnection = useCallback((c) => !refusal(c.source, c.target), [refusal]);

  const onConnect = useCallback(
    (c) => {
      const reason = refusal(c.source, c.target);
      if (reason) toast(reason, { level: 'error' });
      else onConnectNodes(c.source, c.target);
    },
    [refusal, onConnectNodes],
  );

  // A refused connection never reaches onConnect: say why here.
  const onConnectEnd = useCallback(
    (_event, state) => {
      if (state.isValid || !state.fromNode || !state.toNode || !state.fromHandle || !state.toHandle) return;
      if (state.fromHandle.type === state.toHandle.type) return;
      const fromIsSource = state.fromHandle.type === 'source';
      const from = fromIsSource ? state.fromNode.id : state.toNode.id;
      const to = fromIsSource ? state.toNode.id : state.fromNode.id;
      const reason = refusal(from, to);
      if (reason) toast(reason, { level: 'error' });
    },
    [refusal],
  );

  const onNodeDragStop = useCallback(
    (_event, _node, dragged) => {
      const before = new Map(flow.nodes.map((n) => [n.id, n.position]));
      const moved = {};
      for (const n of dragged) {
        const was = before.get(n.id);
        if (n.type !== 'pipeline' || !was) continue;
        if (Math.round(was.x) === Math.round(n.position.x) && Math.round(was.y) === Math.round(n.position.y)) continue;
        moved[n.id] = [n.position.x, n.position.y];
      }
      if (Object.keys(moved).length > 0) onMoved(moved);
    },
    [flow, onMoved],
  );

  const onDeleteElements = useCallback(({ nodes: n, edges: e }) => onDelete(n, e), [onDelete]);

  return (
    <div className="canvas" data-testid="canvas" ref={containerRef}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onSelectionChange={onSelectionChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStop={onNodeDragStop}
        onDelete={onDeleteElements}
        deleteKeyCode={DELETE_KEYS}
        fitView={fitOnOpen}
        fitViewOptions={FIT}
        minZoom={0.2}
        maxZoom={2}
      >
        <Background gap={20} />
        <Controls showInteractive={false} />
      </ReactFlow>
      {empty && <div className="canvas-empty">{empty}</div>}
    </div>
  );
}
