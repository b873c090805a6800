// The component palette. A node is added by pressing on an item, moving over
// the canvas and releasing: plain pointer events on window (not HTML5
// drag-and-drop, which WebDriver cannot drive), with a ghost following the
// pointer. Double-click or Enter adds the item at the centre of the canvas.
import { useCallback, useEffect, useRef, useState } from 'react';
import { capabilitySummary } from './caps.jsx';
import { CORE_WORLD } from './draft.js';

const THRESHOLD_PX = 4;

export default function Palette({ items, onDrop, onAdd, title }) {
  const [ghost, setGhost] = useState(null);
  const drag = useRef(null);
  const listeners = useRef(null);

  const stop = useCallback(() => {
    if (listeners.current) {
      const { move, end } = listeners.current;
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', end);
      window.removeEventListener('pointercancel', end);
      listeners.current = null;
    }
    drag.current = null;
    setGhost(null);
  }, []);

  useEffect(() => stop, [stop]);

  const start = (item, event) => {
    if (event.button !== 0) return;
    event.preventDefault(); // no text selection while dragging
    stop();
    drag.current = { item, startX: event.clientX, startY: event.clientY, active: false };
    const move = (e) => {
      const d = drag.current;
      if (!d) return;
      if (!d.active && Math.abs(e.clientX - d.startX) + Math.abs(e.clientY - d.startY) > THRESHOLD_PX) d.active = true;
      if (d.active) setGhost({ item: d.item, x: e.clientX, y: e.clientY });
    };
    const end = (e) => {
      const d = drag.current;
      stop();
      if (e.type === 'pointerup' && d && d.active) onDrop(d.item, e.clientX, e.clientY);
    };
    listeners.current = { move, end };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', end);
    window.addEventListener('pointercancel', end);
  };

  return (
    <aside className="palette" data-testid="palette">
      <h2>{title}</h2>
      {items.length === 0 && <p className="dim">No components.</p>}
      <ul>
        {items.map((item) => (
          <li
            key={item.key}
            className={`palette-item${item.world && item.world !== CORE_WORLD ? ' other-world' : ''}${item.error ? ' broken' : ''}`}
            data-testid="palette-item"
            data-reference={item.reference}
            tabIndex={0}
            title={`${item.reference}\n${item.world || 'world unknown'}\ndrag onto the canvas (or double-click)`}
            onPointerDown={(e) => start(item, e)}
            onDoubleClick={() => onAdd(item)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') onAdd(item);
            }}
          >
            <div className="palette-name">
              {item.name}
              <span className="palette-versions">{item.versions}</span>
            </div>
            <div className="palette-ref">{item.reference}</div>
            <div className="palette-world">{item.world || 'world unknown'}</div>
            <div className="palette-caps">{capabilitySummary(item.capabilities)}</div>
            {item.error && <div className="palette-error">{item.error}</div>}
          </li>
        ))}
      </ul>
      {ghost && (
        <div className="palette-ghost" data-testid="palette-ghost" style={{ left: ghost.x + 8, top: ghost.y + 8 }}>
          {ghost.item.name}
        </div>
      )}
    </aside>
  );
}
