// Entry point: sign-in, hash routing (#/jobs, #/jobs/ID, #/submit), sign-out.
import { key, request } from './api.js';
import { jobsView, jobView } from './jobs.js';
import { submitView } from './submit.js';
import { adminView } from './admin.js';

const view = document.getElementById('view');
const signIn = document.getElementById('sign-in');
const nav = document.getElementById('nav');
let leave = null; // stops the current view's live streams

async function route() {
  leave?.abort();
  leave = new AbortController();
  const signedIn = !!key.get();
  signIn.hidden = signedIn;
  nav.hidden = !signedIn;
  document.getElementById('admin-link').hidden = sessionStorage.getItem('ffmpeg-api-admin') !== 'yes';
  view.replaceChildren();
  if (!signedIn) {
    document.getElementById('key').focus();
    return;
  }
  const [, page, id] = (location.hash || '#/jobs').split('/');
  try {
    if (page === 'submit') await submitView(view, leave.signal);
    else if (page === 'admin') await adminView(view, leave.signal);
    else if (page === 'jobs' && id) await jobView(view, decodeURIComponent(id), leave.signal);
    else await jobsView(view, leave.signal);
  } catch (error) {
    if (error.status === 401) { key.clear(); route(); return; }
    if (error.name !== 'AbortError') view.replaceChildren(Object.assign(document.createElement('p'), { className: 'error', role: 'alert', textContent: error.message }));
  }
  document.getElementById('main').focus();
}

document.getElementById('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('key');
  const error = document.getElementById('sign-in-error');
  key.set(input.value.trim());
  try {
    await request('/api/v1/jobs?per_page=1');
    // Admin pages are offered to admin keys only (the API enforces it either way).
    const admin = await request('/api/v1/admin/stats').then(() => 'yes', () => 'no');
    sessionStorage.setItem('ffmpeg-api-admin', admin);
    input.value = '';
    error.textContent = '';
    if (!location.hash || location.hash === '#/') location.hash = '#/jobs'; else route();
  } catch (e) {
    key.clear();
    input.select();
    error.textContent = e.status === 401 ? 'That key is not valid.' : e.message;
  }
});

document.getElementById('sign-out').addEventListener('click', () => { key.clear(); sessionStorage.removeItem('ffmpeg-api-admin'); location.hash = '#/jobs'; route(); });
window.addEventListener('hashchange', route);
route();
