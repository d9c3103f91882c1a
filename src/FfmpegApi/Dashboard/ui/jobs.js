// The live jobs table and the job detail page. Running jobs are followed over SSE (a few at a time: browsers allow
// six connections per server); the rest of the table refreshes every few seconds.
import { request, follow } from './api.js';
import { h, percent, seconds, time, terminal, progressBar } from './dom.js';
import { qualityCharts, ladderTable } from './charts.js';

const STATUSES = ['', 'queued', 'processing', 'completed', 'failed', 'dead', 'cancelled', 'waiting'];
const LIVE_STREAMS = 4;

export async function jobsView(root, signal) {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const status = params.get('status') ?? '';
  const page = Number(params.get('page') ?? 1);
  const filter = h('select', { id: 'status-filter', 'aria-label': 'Status' }, STATUSES.map((s) => h('option', { value: s, selected: s === status }, s || 'all')));
  filter.addEventListener('change', () => { location.hash = `#/jobs?status=${filter.value}`; });
  const body = h('tbody');
  const pager = h('p', { class: 'pager' });
  root.append(
    h('div', { class: 'heading' }, h('h1', {}, 'Jobs'), h('label', { for: 'status-filter' }, 'Status '), filter),
    h('table', { class: 'jobs' },
      h('thead', {}, h('tr', {}, ['Job', 'Status', 'Progress', 'fps / speed', 'ETA', 'Priority', 'Created', 'Started', 'Finished'].map((c) => h('th', { scope: 'col' }, c)))),
      body),
    pager);

  const streams = new Map();
  const load = async () => {
    const query = new URLSearchParams({ page, per_page: 20 });
    if (status) query.set('status', status);
    const list = await request(`/api/v1/jobs?${query}`);
    body.replaceChildren(...list.jobs.map(row));
    pager.replaceChildren(
      list.has_prev ? h('a', { href: `#/jobs?status=${status}&page=${page - 1}` }, '← newer') : '',
      ` page ${list.page} of ${Math.max(1, Math.ceil(list.total / list.per_page))} (${list.total} jobs) `,
      list.has_next ? h('a', { href: `#/jobs?status=${status}&page=${page + 1}` }, 'older →') : '');
    for (const job of list.jobs.filter((j) => !terminal(j.status) && !streams.has(j.id)).slice(0, LIVE_STREAMS - streams.size)) {
      const stop = new AbortController();
      signal.addEventListener('abort', () => stop.abort());
      streams.set(job.id, stop);
      follow(job.id, (name, data) => update(body, job.id, name, data), stop.signal).catch(() => {}).finally(() => streams.delete(job.id));
    }
  };
  await load();
  const timer = setInterval(() => load().catch(() => {}), 3000);
  signal.addEventListener('abort', () => clearInterval(timer));
}

function row(job) {
  return h('tr', { dataset: { job: job.id } },
    h('td', {}, h('a', { href: `#/jobs/${encodeURIComponent(job.id)}` }, job.id.slice(0, 8))),
    h('td', { class: `status ${job.status}`, dataset: { field: 'status' } }, job.status),
    h('td', { dataset: { field: 'progress' } }, progressBar(job.progress, `Progress of ${job.id}`), ' ', h('span', {}, percent(job.progress))),
    h('td', { dataset: { field: 'rate' } }, job.fps ? `${Math.round(job.fps)} / ${job.speed ?? '–'}x` : '–'),
    h('td', { dataset: { field: 'eta' } }, seconds(job.eta_seconds)),
    h('td', {}, job.priority),
    h('td', {}, time(job.created_at)),
    h('td', {}, time(job.started_at)),
    h('td', {}, time(job.completed_at)));
}

function update(body, id, name, data) {
  const tr = body.querySelector(`tr[data-job="${CSS.escape(id)}"]`);
  if (!tr) return;
  const status = name === 'progress' ? data.status : name === 'failed' ? (data.status ?? 'failed') : name;
  const cell = (field) => tr.querySelector(`[data-field="${field}"]`);
  cell('status').textContent = status;
  cell('status').className = `status ${status}`;
  const value = name === 'completed' ? 100 : (data.percentage ?? data.progress);
  if (value !== undefined && value !== null) {
    cell('progress').querySelector('progress').value = value;
    cell('progress').querySelector('span').textContent = percent(value);
  }
  if (data.fps) cell('rate').textContent = `${Math.round(data.fps)} / ${data.speed ?? '–'}x`;
  cell('eta').textContent = seconds(data.eta_seconds);
}

export async function jobView(root, id, signal) {
  const job = await request(`/api/v1/jobs/${encodeURIComponent(id)}`);
  const status = h('span', { id: 'job-status', class: `status ${job.status}` }, job.status);
  const bar = progressBar(job.progress, 'Job progress');
  const label = h('span', { id: 'job-progress' }, percent(job.progress));
  const details = h('span', { id: 'job-details' }, '');
  const cancel = h('button', { type: 'button', id: 'cancel', hidden: terminal(job.status) }, 'Cancel job');
  const retryable = (s) => ['failed', 'dead', 'cancelled'].includes(s);
  const retry = h('button', { type: 'button', id: 'retry', hidden: !retryable(job.status) }, 'Retry as a new job');
  retry.addEventListener('click', async () => {
    retry.disabled = true;
    try { const created = await request(`/api/v1/jobs/${encodeURIComponent(id)}/retry`, { method: 'POST' }); location.hash = `#/jobs/${encodeURIComponent(created.job.id)}`; } catch (e) { message.textContent = e.message; retry.disabled = false; }
  });
  const message = h('p', { id: 'job-message', role: 'status' }, job.error ? `${job.error.code}: ${job.error.message}` : '');
  const output = h('section', { id: 'output', 'aria-label': 'Output' });
  const logs = h('pre', { id: 'logs', class: 'logs', tabindex: 0 });
  const timeline = h('ol', { id: 'timeline', class: 'timeline' });
  const showTimeline = (current) => timeline.replaceChildren(
    h('li', {}, `created ${time(current.created_at)}`),
    current.started_at ? h('li', {}, `started ${time(current.started_at)}`) : '',
    ...(current.attempt_history ?? []).map((a) => h('li', {}, `attempt ${a.attempt} on ${a.worker ?? '?'}: ${a.outcome} (${time(a.started_at)} → ${time(a.ended_at)})${a.error ? ` — ${a.error.code}` : ''}`)),
    current.completed_at ? h('li', {}, `${current.status} ${time(current.completed_at)}`) : '');
  showTimeline(job);
  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try { const answer = await request(`/api/v1/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' }); message.textContent = answer.message; } catch (e) { message.textContent = e.message; cancel.disabled = false; }
  });
  root.append(
    h('h1', {}, `Job ${id}`),
    h('p', { class: 'summary' }, 'Status: ', status, ' ', bar, ' ', label, ' ', details, ' ', cancel, retry),
    message,
    h('h2', {}, 'Timeline'), timeline,
    h('h2', {}, 'Output'), output,
    h('h2', {}, 'Request'), h('pre', { class: 'spec' }, JSON.stringify({ input: job.input, output: job.output?.path, operations: job.operations }, null, 2)),
    h('h2', {}, 'Log'), logs);

  const showOutput = async (current) => {
    const meta = current.output?.metadata;
    let perFrame = {};
    if (current.analysis && current.status === 'completed') {
      perFrame = await request(`/api/v1/jobs/${encodeURIComponent(id)}/output`).then((report) => report.per_frame ?? {}, () => ({}));
    }
    const extras = [current.analysis ? qualityCharts(current.analysis, perFrame) : '', current.streaming ? ladderTable(current.streaming) : ''];
    output.replaceChildren(...extras, meta
      ? h('dl', {}, Object.entries(meta).filter(([, v]) => v !== null && typeof v !== 'object').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]))
      : h('p', {}, current.status === 'completed' ? 'No metadata.' : 'Not yet.'));
    if (current.status === 'completed' && meta && meta.size_bytes <= 200 * 1024 * 1024) {
      const open = h('button', { type: 'button', id: 'open-output' }, 'Open output');
      open.addEventListener('click', async () => {
        const response = await request(`/api/v1/jobs/${encodeURIComponent(id)}/output`, { raw: true });
        const url = URL.createObjectURL(await response.blob());
        signal.addEventListener('abort', () => URL.revokeObjectURL(url));
        const type = response.headers.get('Content-Type') ?? '';
        const player = type.startsWith('video/') ? h('video', { id: 'player', controls: true, src: url })
          : type.startsWith('audio/') ? h('audio', { id: 'player', controls: true, src: url })
            : type.startsWith('image/') ? h('img', { id: 'player', src: url, alt: 'Output image' })
              : h('a', { id: 'player', href: url, download: meta.path.split('/').pop() }, 'Download');
        open.replaceWith(player);
      });
      output.append(open);
    }
  };
  const refreshLogs = async () => {
    const answer = await request(`/api/v1/jobs/${encodeURIComponent(id)}/logs?lines=200`);
    logs.textContent = answer.lines.join('\n');
  };
  await showOutput(job);
  await refreshLogs();
  if (terminal(job.status)) return;

  const timer = setInterval(() => refreshLogs().catch(() => {}), 2000);
  signal.addEventListener('abort', () => clearInterval(timer));
  follow(id, async (name, data) => {
    const now = name === 'progress' ? data.status : name === 'failed' ? (data.status ?? 'failed') : name;
    status.textContent = now;
    status.className = `status ${now}`;
    const value = name === 'completed' ? 100 : (data.percentage ?? data.progress);
    if (value !== undefined && value !== null) { bar.value = value; label.textContent = percent(value); }
    details.textContent = data.fps ? `${Math.round(data.fps)} fps, ${data.speed ?? '–'}x, ETA ${seconds(data.eta_seconds)}` : '';
    if (terminal(now)) {
      clearInterval(timer);
      cancel.hidden = true;
      retry.hidden = !retryable(now);
      if (data.error) message.textContent = `${data.error.code}: ${data.error.message}`;
      const final = await request(`/api/v1/jobs/${encodeURIComponent(id)}`);
      showTimeline(final);
      await showOutput(final);
      await refreshLogs();
    }
  }, signal).catch(() => {});
}
