// Admin pages (admin keys only): system stats, workers, API keys (create — secret shown once —, rotate, revoke), audit.
import { request } from './api.js';
import { h, time } from './dom.js';

const bytes = (n) => (n === null || n === undefined ? '–' : `${(n / 1024 ** 3).toFixed(1)} GiB`);

export async function adminView(root, signal) {
  const stats = h('section', { id: 'stats', 'aria-labelledby': 'stats-title' });
  const workers = h('section', { id: 'workers', 'aria-labelledby': 'workers-title' });
  const keys = h('section', { id: 'keys', 'aria-labelledby': 'keys-title' });
  const audit = h('section', { id: 'audit', 'aria-labelledby': 'audit-title' });
  root.append(h('h1', {}, 'Administration'), stats, workers, keys, audit);
  const refresh = async () => {
    await Promise.all([showStats(stats), showWorkers(workers), showAudit(audit)]);
  };
  await refresh();
  await showKeys(keys, () => showAudit(audit));
  const timer = setInterval(() => refresh().catch(() => {}), 5000);
  signal.addEventListener('abort', () => clearInterval(timer));
}

async function showStats(section) {
  const s = await request('/api/v1/admin/stats');
  const depth = Object.entries(s.queue.depth).map(([p, n]) => `${p} ${n}`).join(', ');
  const age = Object.entries(s.queue.oldest_age_seconds).map(([p, n]) => `${p} ${Math.round(n)} s`).join(', ');
  const ended = Object.entries(s.ended_last24h ?? {}).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  section.replaceChildren(h('h2', { id: 'stats-title' }, 'System'), h('dl', {},
    h('dt', {}, 'Queued'), h('dd', { id: 'stat-queued' }, depth),
    h('dt', {}, 'Oldest queued'), h('dd', {}, age),
    h('dt', {}, 'Running jobs'), h('dd', { id: 'stat-running' }, String(s.running_jobs)),
    h('dt', {}, 'Live workers'), h('dd', { id: 'stat-workers' }, String(s.live_workers)),
    h('dt', {}, 'Ended in 24 h'), h('dd', {}, ended),
    h('dt', {}, 'Last backup'), h('dd', {}, s.last_backup ? `${time(s.last_backup.created_at)} (${s.last_backup.file})` : 'none yet'),
    h('dt', {}, 'Disk free'), h('dd', {}, `data ${bytes(s.disk_free_bytes?.data)}, workspace ${bytes(s.disk_free_bytes?.workspace)}`)));
}

async function showWorkers(section) {
  const list = await request('/api/v1/admin/workers');
  section.replaceChildren(h('h2', { id: 'workers-title' }, 'Workers'), h('table', { class: 'jobs' },
    h('thead', {}, h('tr', {}, ['Worker', 'Status', 'Host', 'Concurrency', 'Heartbeat', 'Running jobs'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, list.workers.map((w) => h('tr', { dataset: { worker: w.id } },
      h('td', {}, w.id), h('td', { class: `status ${w.status}` }, w.status), h('td', {}, w.host), h('td', {}, String(w.concurrency)),
      h('td', {}, time(w.heartbeat_at)),
      h('td', {}, w.running_jobs.length ? w.running_jobs.map((id) => h('a', { href: `#/jobs/${id}` }, `${id.slice(0, 8)} `)) : '–'))))));
}

async function showAudit(section) {
  const list = await request('/api/v1/admin/audit?per_page=20');
  section.replaceChildren(h('h2', { id: 'audit-title' }, 'Audit log (latest 20)'), h('table', { class: 'jobs' },
    h('thead', {}, h('tr', {}, ['When', 'Action', 'Actor', 'Target', 'From', 'Detail'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, list.events.map((e) => h('tr', {},
      h('td', {}, time(e.at)), h('td', {}, e.action), h('td', {}, e.actor_tenant ?? '–'), h('td', {}, e.target ?? '–'), h('td', {}, e.client_ip ?? '–'), h('td', {}, e.detail ?? ''))))));
}

async function showKeys(section, changed) {
  const name = h('input', { id: 'new-key-name', required: true });
  const tenant = h('input', { id: 'new-key-tenant', placeholder: 'a new tenant of its own' });
  const admin = h('input', { id: 'new-key-admin', type: 'checkbox' });
  const secret = h('div', { id: 'new-key-secret', role: 'status' });
  const body = h('tbody');
  const form = h('form', { id: 'new-key-form', class: 'inline' },
    h('label', { for: 'new-key-name' }, 'Name'), name,
    h('label', { for: 'new-key-tenant' }, 'Tenant'), tenant,
    h('label', { for: 'new-key-admin' }, admin, ' admin'),
    h('button', { type: 'submit' }, 'Create key'));
  const showSecret = (answer, verb) => secret.replaceChildren(
    h('p', {}, `${verb} key ${answer.key.name}. Copy the secret now: it is shown only once.`),
    h('code', { id: 'secret-value', class: 'secret' }, answer.secret));
  const load = async () => {
    const list = await request('/api/v1/admin/keys');
    body.replaceChildren(...list.keys.map((k) => {
      const revoke = h('button', { type: 'button', class: 'revoke', hidden: !!k.revoked_at }, 'Revoke');
      const rotate = h('button', { type: 'button', class: 'rotate', hidden: !!k.revoked_at }, 'Rotate');
      revoke.addEventListener('click', async () => {
        if (revoke.dataset.armed !== 'yes') { revoke.dataset.armed = 'yes'; revoke.textContent = 'Confirm revoke'; return; }
        await request(`/api/v1/admin/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
        await load();
        await changed();
      });
      rotate.addEventListener('click', async () => {
        showSecret(await request(`/api/v1/admin/keys/${encodeURIComponent(k.id)}/rotate`, { method: 'POST' }), 'Rotated');
        await load();
      });
      return h('tr', { dataset: { key: k.id, name: k.name } },
        h('td', {}, k.name), h('td', {}, k.tenant), h('td', {}, h('code', {}, k.prefix)), h('td', {}, k.admin ? 'admin' : k.scopes.join(' ')),
        h('td', {}, time(k.created_at)), h('td', {}, time(k.last_used_at)), h('td', { class: 'key-state' }, k.revoked_at ? `revoked ${time(k.revoked_at)}` : 'active'),
        h('td', {}, rotate, ' ', revoke));
    }));
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const answer = await request('/api/v1/admin/keys', { method: 'POST', body: { name: name.value, ...(tenant.value && { tenant: tenant.value }), admin: admin.checked } });
      showSecret(answer, 'Created');
      form.reset();
      await load();
      await changed();
    } catch (e) { secret.replaceChildren(h('p', { class: 'error', role: 'alert' }, e.message)); }
  });
  section.replaceChildren(h('h2', { id: 'keys-title' }, 'API keys'), form, secret, h('table', { class: 'jobs' },
    h('thead', {}, h('tr', {}, ['Name', 'Tenant', 'Prefix', 'Scopes', 'Created', 'Last used', 'State', ''].map((c) => h('th', { scope: 'col' }, c)))), body));
  await load();
}
