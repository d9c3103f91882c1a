// The REST API as the dashboard uses it: the key from session storage, JSON in and out, ProblemDetails as errors.
const KEY = 'ffmpeg-api-key';

export const key = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, problem) {
    const fields = problem?.errors ? ' — ' + Object.entries(problem.errors).map(([f, m]) => `${f}: ${[].concat(m).join(', ')}`).join('; ') : '';
    super(`${status} ${problem?.code ?? ''} ${problem?.detail ?? problem?.title ?? ''}${fields}`.replace(/\s+/g, ' ').trim());
    this.status = status;
    this.problem = problem;
  }
}

export async function request(path, { method = 'GET', body, raw = false } = {}) {
  const headers = { 'X-API-Key': key.get() ?? '' };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload });
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

// Server-sent events over fetch (EventSource cannot send the key header). Calls onEvent(name, data) until the
// job's terminal event or until signal aborts.
export async function follow(jobId, onEvent, signal) {
  const response = await fetch(`/api/v1/jobs/${encodeURIComponent(jobId)}/events`, { headers: { 'X-API-Key': key.get() ?? '' }, signal });
  if (!response.ok) throw new ApiError(response.status, null);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let name = 'message';
  let data = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (data) {
          onEvent(name, JSON.parse(data));
          if (['completed', 'failed', 'cancelled'].includes(name)) { reader.cancel(); return; }
        }
        name = 'message';
        data = '';
      } else if (line.startsWith('event:')) {
        name = line.slice(6).trim();
      } else if (line.startsWith('data:')) {
        data += line.slice(5).trim();
      }
    }
  }
}
