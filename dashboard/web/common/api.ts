/** The REST API from the browser: JSON in and out, and a 401 sends the user to the login page. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; bytes?: ArrayBuffer } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    // A file goes as its bytes (the import route takes application/octet-stream); anything else as JSON.
    headers: init.bytes ? { 'content-type': 'application/octet-stream' } : init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.bytes ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  })
  if (res.status === 401) {
    location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`
    throw new ApiError(401, 'not logged in')
  }
  if (!res.ok && res.status !== 202) throw new ApiError(res.status, ((await res.json().catch(() => ({}))) as { error?: string }).error ?? res.statusText)
  return (res.status === 204 ? undefined : await res.json()) as T
}

export interface Me {
  id: string
  gymId: string | null
  role: 'admin' | 'coach' | 'member' | 'analyst'
  displayName: string
}

export const whoAmI = () => api<Me>('/api/me')
