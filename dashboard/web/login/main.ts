/** The login form: POST /api/login; on success, back to where the user was going. */
import { $ } from '../common/dom.js'

const form = $<HTMLFormElement>('#login')
form.onsubmit = async (event) => {
  event.preventDefault()
  const data = new FormData(form)
  const res = await fetch('/api/login', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: data.get('login'), password: data.get('password') }) })
  if (res.ok) {
    const next = new URLSearchParams(location.search).get('next')
    location.href = next && next.startsWith('/') && !next.startsWith('//') ? next : '/'
  } else {
    $('#login-error').textContent = res.status === 429 ? 'Too many attempts; wait a minute.' : 'Wrong login or password.'
  }
}
