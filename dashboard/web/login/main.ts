/** The login form: POST /api/login; on success, back to where the user was going. */
import { $ } from '../common/dom.js'

const form = $<HTMLFormElement>('#login')
form.onsubmit = async (event) => {
  event.preventDefault()
  const data = new FormData(form)
  const res = await fetch('/api/login', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: data.get('login'), password: data.get('password') }) })
  if (res.ok) {
    location.href = sameOriginPath(new URLSearchParams(location.search).get('next'))
  } else {
    $('#login-error').textContent = res.status === 429 ? 'Too many attempts; wait a minute.' : 'Wrong login or password.'
  }
}

/**
 * Where to go after the login: only a path on this origin. A check on the text alone is not enough: a
 * browser reads `/\\evil.com` and `/\t/evil.com` as another host (security review L1), so the URL is resolved.
 */
function sameOriginPath(next: string | null): string {
  if (!next) return '/'
  try {
    const url = new URL(next, location.origin)
    return url.origin === location.origin ? url.pathname + url.search + url.hash : '/'
  } catch {
    return '/'
  }
}
