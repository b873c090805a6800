// The studio: top bar, palette, canvas, inspector and checks, and the bottom
// panel (Run | Deploy | Source). App holds the Draft (with undo history) and
// commits every model change; the other components only describe changes.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useReactFlow } from '@xyflow/react';
import Canvas from './Canvas.jsx';
import Checks from './Checks.jsx';
import DeployPanel from './DeployPanel.jsx';
import Inspector from './Inspector.jsx';
import Palette from './Palette.jsx';
import RunPanel from './RunPanel.jsx';
import Toast from './Toast.jsx';
import TokenModal from './TokenModal.jsx';
import TopBar from './TopBar.jsx';
import { addNeed, addNode, connectionRefusal, deleteNodes, dirOf, relativePath, removeNeed, setPositions, uniqueName } from './draft.js';
import { buildFlow, checkEntries, listedDiagnostics } from './flow.js';
import { useDraftHistory } from './history.js';
import { NODE_HEIGHT, NODE_WIDTH, layoutPositions } from './layout.js';
import { toast } from './toast.js';
import { useLiveCheck } from './useLiveCheck.js';
import { useSession } from './useSession.js';

const NO_SELECTION = { nodes: [], edges: [] };
const REVEAL_MS = 150;
const sameSelection = (a, b) => a.nodes.join('\n') === b.nodes.join('\n') && a.edges.join('\n') === b.edges.join('\n');
const isEditable = (el) => el && (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable);

export default function App() {
  const flowApi = useReactFlow();
  const history = useDraftHistory();
  const { draft, commit, undo, redo } = history;
  const [selection, setSelection] = useState(NO_SELECTION);
  const [showCaps, setShowCaps] = useState(false);
  const [tab, setTab] = useState('run');
  const [report, setReport] = useState(null);
  const [revealed, setRevealed] = useState(() => new Set());
  const [metrics, setMetrics] = useState(null);
  const [importSeq, setImportSeq] = useState(0);
  const canvasRef = useRef(null);

  // A freshly opened pipeline: new canvas (fitView), no stale run or selection.
  const onOpened = useCallback(() => {
    setImportSeq((s) => s + 1);
    setSelection(NO_SELECTION);
    setReport(null);
  }, []);
  const live = useRef(null);
  const session = useSession({
    history,
    adopt: (...args) => live.current.adopt(...args),
    fresh: () => live.current.fresh(),
    onOpened,
  });
  const { doc, mode, workspace } = session;
  const checker = useLiveCheck({ draft, base: doc ? doc.base : '', file: doc ? doc.file : null, enabled: !!doc && !session.auth.needed });
  live.current = checker;
  const { check, pending, fresh } = checker;

  // Palette items: workspace projects (referenced relative to the open file's
  // directory) in studio, uploaded component versions on a plain host.
  const items = useMemo(() => {
    if (mode === 'studio' && workspace) {
      const from = dirOf(doc && doc.file);
      return (workspace.projects || []).map((p) => ({
        key: p.dir,
        reference: relativePath(from, p.dir),
        name: p.name || p.dir.split('/').pop(),
        versions: p.version || '',
        world: p.world,
        capabilities: p.capabilities,
        error: p.error || (p.loaded === false ? 'not built yet' : null),
      }));
    }
    return session.versions
      .filter((v) => v.kind === 'component')
      .map((v) => ({
        key: `${v.name}@${v.version}`,
        reference: `${v.name}@${v.version}`,
        name: v.name,
        versions: `${v.version}${v.active ? ' (active)' : ''}`,
        world: v.world,
        capabilities: v.capabilities,
      }));
  }, [mode, workspace, doc, session.versions]);

  const worldOf = useCallback(
    (name) => {
      const entry = checkEntries(check, name).node;
      if (entry && entry.world) return entry.world;
      const node = draft && draft.nodes.find((n) => n.name === name);
      const item = node && items.find((i) => i.reference === node.component);
      return item ? item.world || null : null;
    },
    [check, draft, items],
  );
  const refusal = useCallback((from, to) => (draft ? connectionRefusal(draft, from, to, worldOf) : 'nothing is open'), [draft, worldOf]);

  // The last run, painted node by node (the data attributes are final at once).
  useEffect(() => {
    setRevealed(new Set());
    if (!report) return undefined;
    const timers = report.nodes.map((n, i) =>
      setTimeout(() => setRevealed((r) => new Set([...r, n.node])), i * REVEAL_MS),
    );
    return () => timers.forEach(clearTimeout);
  }, [report]);
  const runView = useMemo(() => {
    if (!report) return null;
    const byNode = {};
    for (const n of report.nodes) {
      const timed = n.start_us !== null && n.start_us !== undefined && n.end_us !== null && n.end_us !== undefined;
      byNode[n.node] = { status: n.status, durationMs: timed ? (n.end_us - n.start_us) / 1000 : null, attempts: (n.attempts || []).length };
    }
    const compensations = {};
    for (const c of report.compensations || []) compensations[c.node] = c.status;
    return { byNode, compensations, revealed };
  }, [report, revealed]);

  const positions = useMemo(() => (draft ? layoutPositions(draft) : {}), [draft]);
  const flow = useMemo(
    () => (draft ? buildFlow({ draft, positions, check, run: runView, metrics: tab === 'deploy' ? metrics : null, showCaps }) : { nodes: [], edges: [] }),
    [draft, positions, check, runView, metrics, tab, showCaps],
  );
  const diagnostics = useMemo(() => listedDiagnostics(draft, check), [draft, check]);

  const onSelection = useCallback((next) => setSelection((prev) => (sameSelection(prev, next) ? prev : next)), []);
  const onConnectNodes = useCallback((from, to) => commit((d) => addNeed(d, from, to)), [commit]);
  const onMoved = useCallback((moved) => commit((d) => setPositions(d, moved)), [commit]);
  const onDelete = useCallback(
    (nodes, edges) => {
      const names = nodes.filter((n) => n.type === 'pipeline').map((n) => n.id);
      commit((d) => {
        let next = deleteNodes(d, names);
        for (const g of nodes.filter((n) => n.type === 'ghost')) next = removeNeed(next, g.data.need, g.data.node);
        for (const e of edges) if (e.data && !names.includes(e.data.to)) next = removeNeed(next, e.data.from, e.data.to);
        return next;
      });
      setSelection(NO_SELECTION);
    },
    [commit],
  );

  const addAt = (item, clientX, clientY) => {
    if (!draft) return toast('open or create a pipeline first', { level: 'error' });
    const at = flowApi.screenToFlowPosition({ x: clientX, y: clientY });
    const name = uniqueName(draft, item.name);
    commit((d) => addNode(d, { name, component: item.reference, position: [Math.round(at.x - NODE_WIDTH / 2), Math.round(at.y - NODE_HEIGHT / 2)] }));
    setSelection({ nodes: [name], edges: [] });
    return undefined;
  };
  const onPaletteDrop = (item, x, y) => {
    const rect = canvasRef.current && canvasRef.current.getBoundingClientRect();
    if (rect && x >= rect.left && x <= rect.right && y >= rect.top && y <= rect.bottom) addAt(item, x, y);
  };
  const onPaletteAdd = (item) => {
    const rect = canvasRef.current.getBoundingClientRect();
    addAt(item, rect.left + rect.width / 2, rect.top + rect.height / 2);
  };

  // Undo/redo (and save) from the keyboard, except while typing in a field,
  // where the browser's own text undo applies.
  const save = session.save;
  useEffect(() => {
    const onKey = (e) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      const key = e.key.toLowerCase();
      if (key === 's') {
        e.preventDefault();
        if (isEditable(document.activeElement)) document.activeElement.blur();
        setTimeout(save, 0);
        return;
      }
      if (isEditable(e.target)) return;
      if (key === 'z' && !e.shiftKey) {
        e.preventDefault();
        undo();
      } else if ((key === 'z' && e.shiftKey) || key === 'y') {
        e.preventDefault();
        redo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undo, redo, save]);

  const dirty = !!doc && (check ? check.forDraft !== draft || check.source !== doc.base : history.canUndo || doc.base === '');
  useEffect(() => {
    document.title = `${dirty ? '● ' : ''}${doc ? `${doc.key} — ` : ''}airssys-wasm studio`;
  }, [dirty, doc]);

  const selectedNode = selection.nodes.length === 1 ? selection.nodes[0] : null;
  const source = check && typeof check.source === 'string' ? check.source : doc ? doc.base : '';
  let empty = null;
  if (!doc) empty = session.auth.needed ? null : 'Pick a pipeline in the list above, or create one with New pipeline…';
  else if (!draft) empty = 'This file does not parse: see the checks.';
  else if (draft.nodes.length === 0) empty = 'Drag a component from the palette onto the canvas.';

  return (
    <div className="app">
      <TopBar
        mode={mode}
        root={workspace && workspace.root}
        options={session.options}
        current={doc && doc.key}
        dirty={dirty}
        onOpen={session.open}
        onNew={session.create}
        canSave={mode === 'studio' && !!doc && !!draft}
        onSave={save}
        onDeploy={() => setTab('deploy')}
        history={history}
      />
      <Palette items={items} onDrop={onPaletteDrop} onAdd={onPaletteAdd} title={mode === 'plain' ? 'Component versions' : 'Projects'} />
      <main className="centre">
        <Canvas
          key={importSeq}
          flow={flow}
          selection={selection}
          onSelection={onSelection}
          refusal={refusal}
          onConnectNodes={onConnectNodes}
          onMoved={onMoved}
          onDelete={onDelete}
          containerRef={canvasRef}
          empty={empty}
        />
      </main>
      <aside className="side">
        <Inspector
          draft={draft}
          selected={selectedNode}
          commit={commit}
          check={check}
          refs={items.map((i) => i.reference)}
          onRenamed={(_from, to) => setSelection({ nodes: [to], edges: [] })}
          onDeleteNode={(name) => onDelete([{ id: name, type: 'pipeline' }], [])}
        />
        <Checks draft={draft} check={check} diagnostics={diagnostics} pending={pending} showCaps={showCaps} onShowCaps={setShowCaps} onPick={(name) => setSelection({ nodes: [name], edges: [] })} />
      </aside>
      <section className="bottom">
        <nav className="tabs" role="tablist">
          {['run', 'deploy', 'source'].map((t) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} data-testid={`tab-${t}`} onClick={() => setTab(t)}>
              {t[0].toUpperCase() + t.slice(1)}
            </button>
          ))}
        </nav>
        <div className="tab-body" hidden={tab !== 'run'}>
          <RunPanel ensureSource={fresh} file={doc ? doc.file : null} report={report} onReport={setReport} />
        </div>
        <div className="tab-body" hidden={tab !== 'deploy'}>
          <DeployPanel open={tab === 'deploy'} draft={draft} ensureSource={fresh} file={doc ? doc.file : null} onMetrics={setMetrics} />
        </div>
        <div className="tab-body" hidden={tab !== 'source'}>
          <pre className="source" data-testid="source">{source}</pre>
        </div>
      </section>
      <Toast />
      {session.auth.needed && <TokenModal error={session.auth.error} onSubmit={session.login} />}
    </div>
  );
}
