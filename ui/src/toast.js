// One toast at a time (`data-testid="toast"`), shown for 5 s: a newer message
// replaces the older one, so tests and people always read the latest.
import { ApiError } from './api.js';

let listener = () => {};

export function subscribeToast(fn) {
  listener = fn;
  return () => {
    if (listener === fn) listener = () => {};
  };
}

/** Shows `message` (with optional detail lines); level: info | error. */
export function toast(message, { details = [], level = 'info' } = {}) {
  listener({ message, details, level, at: Date.now() + Math.random() });
}

/**
 * Shows a failed call with the server's message and details. A 401 is not
 * shown here: the token modal already says it.
 */
export function reportError(error, context) {
  if (error instanceof ApiError && error.status === 401) return;
  const prefix = context ? `${context}: ` : '';
  toast(`${prefix}${error.message}`, {
    details: error instanceof ApiError ? error.details : [],
    level: 'error',
  });
}
