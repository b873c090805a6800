// Asks for the admin token (kept in sessionStorage, sent as a bearer token,
// never put in a URL). Shown at start and again after any 401, with the
// server's message.
import { useState } from 'react';

export default function TokenModal({ error, onSubmit }) {
  const [token, setToken] = useState('');
  const submit = (e) => {
    e.preventDefault(); // CSP form-action 'none': never let the form navigate
    if (token.trim()) onSubmit(token.trim());
  };
  return (
    <div className="modal-backdrop">
      <form className="modal" onSubmit={submit} data-testid="token-modal">
        <h2>Admin token</h2>
        <p>
          The studio calls the host&apos;s admin API. Paste the token from <code>&lt;state&gt;/admin.token</code>; it is kept
          for this tab only.
        </p>
        {error && (
          <div className="token-error" data-testid="token-error">
            {error}
          </div>
        )}
        <input
          type="password"
          data-testid="token-input"
          autoComplete="off"
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="token"
        />
        <button type="submit" className="primary" data-testid="token-submit">
          Continue
        </button>
      </form>
    </div>
  );
}
