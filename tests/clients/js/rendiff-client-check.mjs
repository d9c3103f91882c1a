// Drives the service the way JavaScript clients of the original FFmpeg API do (fetch, its documented shapes).
// Usage: FFMPEG_API_URL=http://127.0.0.1:PORT FFMPEG_API_KEY=fa_... node rendiff-client-check.mjs
import assert from 'node:assert/strict';
import http from 'node:http';

const base = process.env.FFMPEG_API_URL.replace(/\/$/, '') + '/api/v1';
const headers = { 'X-API-Key': process.env.FFMPEG_API_KEY, 'Content-Type': 'application/json' };
let checks = 0;
const check = (condition, message) => { assert.ok(condition, message); checks++; };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(id, statuses, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const job = await (await fetch(`${base}/jobs/${id}`, { headers })).json();
    if (statuses.includes(job.status)) return job;
    await sleep(200);
  }
  throw new Error(`job ${id} never reached ${statuses}`);
}

async function submit(body) {
  const response = await fetch(`${base}/convert`, { method: 'POST', headers, body: JSON.stringify(body) });
  check(response.status === 202 || response.status === 200, `convert answered ${response.status}`);
  const created = await response.json();
  check('job' in created && Array.isArray(created.warnings), 'creation envelope');
  return created.job.id;
}

// A webhook receiver on loopback (the server allowlists 127.0.0.1), as the original's integrators run one.
const hooks = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => { hooks.push({ headers: req.headers, body: JSON.parse(body) }); res.writeHead(204).end(); });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

const id = await submit({ input: '/storage/input/short.mp4', output: { format: 'mp4', video: { codec: 'h264', preset: 'ultrafast' } }, operations: [{ type: 'scale', width: 160 }],
  options: { webhook_url: hookUrl, webhook_events: ['complete', 'error'] } });
const done = await waitFor(id, ['completed', 'failed']);
check(done.status === 'completed', `job ended ${done.status}`);
check(done.output.metadata.width === 160, 'scaled width read back');
for (let waited = 0; hooks.length === 0 && waited < 30_000; waited += 100) await sleep(100);
receiver.close();
check(hooks.length === 1 && hooks[0].body.event === 'complete' && hooks[0].body.job_id === id && hooks[0].body.data.status === 'completed',
  `webhook ${JSON.stringify(hooks.map((h) => h.body))}`);
check(hooks[0].headers['webhook-signature']?.startsWith('v1,'), 'webhook is signed');

const list = await (await fetch(`${base}/jobs?per_page=1`, { headers })).json();
check(list.jobs.length === 1 && list.total >= 1 && list.page === 1 && list.has_prev === false && 'has_next' in list, 'paging envelope');

const bad = await fetch(`${base}/convert`, { method: 'POST', headers, body: JSON.stringify({ input: '/storage/input/short.mp4', output: 'mp4', surprise: 1 }) });
check(bad.status === 422, `unknown field status ${bad.status}`);
const problem = await bad.json();
check(problem.error.code === 'INVALID_REQUEST' && problem.error.details.field === 'surprise', 'unknown field is named');

const longId = await submit({ input: '/storage/input/long.mp4', output: { format: 'mp4', video: { preset: 'veryslow' } } });
await waitFor(longId, ['processing']);
const cancelled = await (await fetch(`${base}/jobs/${longId}`, { method: 'DELETE', headers })).json();
check(cancelled.status === 'cancelled', `cancel answered ${JSON.stringify(cancelled)}`);

// SSE with fetch: read the stream until the terminal event.
const sseId = await submit({ input: '/storage/input/short.mp4', output: 'mp3' });
const response = await fetch(`${base}/jobs/${sseId}/events`, { headers });
const decoder = new TextDecoder();
let buffer = '';
let terminal = null;
for await (const chunk of response.body) {
  buffer += decoder.decode(chunk, { stream: true });
  const match = buffer.match(/event: (completed|failed|cancelled)\ndata: (.*)\n/);
  if (match) { terminal = { name: match[1], data: JSON.parse(match[2]) }; break; }
}
check(terminal?.name === 'completed' && terminal.data.output_size > 0, `terminal event ${JSON.stringify(terminal)}`);

// The original's /analyze, /stream and /estimate bodies, unchanged.
async function post(path, body) {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const analyze = await post('/analyze', { input: '/storage/input/short.mp4', reference: '/storage/input/short.mp4', metrics: ['psnr', 'ssim'] });
check(analyze.status === 202, `analyze answered ${analyze.status}`);
const analysis = await waitFor(analyze.body.job.id, ['completed', 'failed']);
check(analysis.status === 'completed' && analysis.analysis.metrics.ssim.mean >= 0.99, `analysis ${JSON.stringify(analysis.analysis ?? analysis.error)}`);

const stream = await post('/stream', { input: '/storage/input/short.mp4', output: '/storage/output/js-stream', type: 'dash', variants: [{ resolution: '240p', bitrate: '300k' }], segment_duration: 1 });
check(stream.status === 202, `stream answered ${stream.status}`);
const packaged = await waitFor(stream.body.job.id, ['completed', 'failed']);
check(packaged.status === 'completed' && packaged.output.path.endsWith('/js-stream/manifest.mpd'), `stream job ${JSON.stringify(packaged.error ?? packaged.output)}`);

const estimate = await post('/estimate', { input: '/storage/input/short.mp4', output: { format: 'webm' } });
check(estimate.status === 200 && estimate.body.estimated.output_size_bytes > 0 && estimate.body.resources.cpu_cores >= 1, `estimate ${JSON.stringify(estimate.body)}`);

const health = await (await fetch(`${base}/health`)).json();
check(['healthy', 'degraded'].includes(health.status), 'health');

console.log(`js client: ${checks} checks passed`);
