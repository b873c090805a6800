import { useEffect, useState } from 'react';
import { subscribeToast } from './toast.js';

const SHOW_MS = 5000;

export default function Toast() {
  const [current, setCurrent] = useState(null);
  useEffect(() => subscribeToast(setCurrent), []);
  useEffect(() => {
    if (!current) return undefined;
    const timer = setTimeout(() => setCurrent(null), SHOW_MS);
    return () => clearTimeout(timer);
  }, [current]);
  if (!current) return null;
  return (
    <div className={`toast toast-${current.level}`} data-testid="toast" role="status">
      <div className="toast-message">{current.message}</div>
      {current.details.length > 0 && (
        <ul className="toast-details">
          {current.details.map((d, i) => (
            <li key={i}>{typeof d === 'string' ? d : JSON.stringify(d)}</li>
          ))}
        </ul>
      )}
      {/* The × is drawn by CSS so the toast's text is only the message. */}
      <button type="button" className="toast-close" aria-label="dismiss" title="dismiss" onClick={() => setCurrent(null)} />
    </div>
  );
}
