/**
 * The dashboard's API client: the access token lives in memory and the refresh token in sessionStorage
 * (closed with the tab). A 401 triggers one refresh, then a return to the login form.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const REFRESH_KEY = 'cds.refresh';
let accessToken: string | undefined;
let onLoggedOut: () => void = () => undefined;

export function setLoggedOutHandler(fn: () => void): void {
  onLoggedOut = fn;
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (CSV, plain text): return as is
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`);
  }
  return body;
}

export async function login(username: string, password: string): Promise<void> {
  const res = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const pair = (await parse(res)) as TokenPair;
  accessToken = pair.accessToken;
  sessionStorage.setItem(REFRESH_KEY, pair.refreshToken);
}

async function refresh(): Promise<boolean> {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  if (!refreshToken) return false;
  const res = await fetch('/api/v1/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  if (!res.ok) {
    sessionStorage.removeItem(REFRESH_KEY);
    return false;
  }
  const pair = (await res.json()) as TokenPair;
  accessToken = pair.accessToken;
  sessionStorage.setItem(REFRESH_KEY, pair.refreshToken);
  return true;
}

export function hasSession(): boolean {
  return accessToken !== undefined || sessionStorage.getItem(REFRESH_KEY) !== null;
}

export async function logout(): Promise<void> {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
  if (refreshToken && accessToken) {
    await fetch('/api/v1/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ refreshToken }),
    }).catch(() => undefined);
  }
  accessToken = undefined;
}

export async function get<T>(path: string): Promise<T> {
  if (!accessToken && !(await refresh())) {
    onLoggedOut();
    throw new ApiError(401, 'unauthenticated', 'sessão expirada');
  }
  let res = await fetch(path, { headers: { authorization: `Bearer ${accessToken}` } });
  if (res.status === 401 && (await refresh())) {
    res = await fetch(path, { headers: { authorization: `Bearer ${accessToken}` } });
  }
  if (res.status === 401) onLoggedOut();
  return (await parse(res)) as T;
}
