// The admin API client. Every call carries the bearer token and
// `x-airssys-actor: ui`, so the host's audit log shows the change came from the
// studio. The token lives in sessionStorage only (never in a URL); a 401 drops
// it and asks for it again with the server's message.

const TOKEN_KEY = 'airssys-token';

/** An API failure: the server's `{"error": {"kind", "message", "details"}}`. */
export class ApiError extends Error {
  constructor(status, kind, message, details = [], body = null) {
    super(message);
    this.status = status;
    this.kind = kind;
    this.details = Array.isArray(details) ? details : [];
    this.body = body;
  }
}

let unauthorized = () => {};

/** Called with the server's message whenever an answer is 401. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

export const getToken = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** `seg` escapes one path segment (component names, versions). */
export const seg = (s) => encodeURIComponent(s);

/**
 * Calls `method path` with an optional JSON body. Resolves to
 * `{ status, body }`; rejects with an ApiError (status 0 when unreachable).
 */
export async function call(method, path, body) {
  const headers = { 'x-airssys-actor': 'ui', accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, 'network', `cannot reach the server: ${e.message}`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = (json && json.error) || {};
    const failure = new ApiError(
      response.status,
      error.kind || `http-${response.status}`,
      error.message || text || `${response.status} ${response.statusText}`,
      error.details,
      json,
    );
    if (response.status === 401) {
      clearToken();
      unauthorized(failure.message);
    }
    throw failure;
  }
  return { status: response.status, body: json };
}

export const get = async (path) => (await call('GET', path)).body;
export const post = async (path, body) => (await call('POST', path, body)).body;
export const put = async (path, body) => (await call('PUT', path, body)).body;

// The endpoints, named after what they do.
export const admin = {
  workspace: () => call('GET', '/v1/admin/workspace'),
  saveWorkspacePipeline: (file, source) =>
    put('/v1/admin/workspace/pipelines', { file, source }),
  versions: () => get('/v1/admin/versions'),
  version: (name, version) =>
    get(`/v1/admin/components/${seg(name)}/versions/${seg(version)}`),
  check: (base, draft, file) =>
    post('/v1/admin/pipelines/check', { base, draft, file }),
  run: (request) => post('/v1/admin/pipelines/run', request),
  deployPipeline: (source, file) => call('POST', '/v1/admin/pipelines', { source, file }),
  status: () => get('/v1/admin/status'),
  metrics: () => get('/v1/admin/metrics'),
  update: (name, request) => post(`/v1/admin/components/${seg(name)}/update`, request),
  promote: (name) => post(`/v1/admin/components/${seg(name)}/promote`),
  abort: (name) => post(`/v1/admin/components/${seg(name)}/abort`),
  rollback: (name, toVersion) =>
    post(`/v1/admin/components/${seg(name)}/rollback`, toVersion ? { to_version: toVersion } : {}),
};
