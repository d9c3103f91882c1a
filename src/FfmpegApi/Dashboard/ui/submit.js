// The submit form for the common cases. It shows the exact JSON it will post, so users learn the API from it.
import { request } from './api.js';
import { h } from './dom.js';

const FORMATS = ['mp4', 'webm', 'mkv', 'mov', 'mp3', 'm4a', 'wav', 'flac', 'gif'];

export async function submitView(root, signal) {
  const presets = await request('/api/v1/presets').then((p) => p.presets.map((x) => x.name)).catch(() => []);
  const field = (id, labelText, control, hint) => h('div', { class: 'field' }, h('label', { for: id }, labelText), control, hint ? h('small', {}, hint) : '');
  const kind = h('select', { id: 'kind' }, h('option', { value: 'convert' }, 'Convert'), h('option', { value: 'stream' }, 'HLS ladder'), h('option', { value: 'analyze' }, 'Analyze (quality)'));
  const input = h('input', { id: 'input', placeholder: '/storage/input/clip.mp4 or s3://bucket/key', required: true });
  const file = h('input', { id: 'file', type: 'file' });
  const reference = h('input', { id: 'reference', placeholder: '/storage/input/original.mp4' });
  const format = h('select', { id: 'format' }, FORMATS.map((f) => h('option', { value: f }, f)));
  const preset = h('select', { id: 'preset' }, h('option', { value: '' }, 'none'), presets.map((p) => h('option', { value: p }, p)));
  const start = h('input', { id: 'trim-start', type: 'number', min: 0, step: 'any', inputmode: 'decimal' });
  const end = h('input', { id: 'trim-end', type: 'number', min: 0, step: 'any', inputmode: 'decimal' });
  const width = h('input', { id: 'scale-width', type: 'number', min: 2, step: 2 });
  const height = h('input', { id: 'scale-height', type: 'number', min: 2, step: 2 });
  const preview = h('pre', { id: 'preview', class: 'spec', 'aria-live': 'polite' });
  const error = h('p', { id: 'submit-error', class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', id: 'submit' }, 'Submit job');

  const body = () => {
    const operations = [];
    if (start.value || end.value) operations.push({ type: 'trim', ...(start.value && { start: Number(start.value) }), ...(end.value && { end: Number(end.value) }) });
    if (width.value || height.value) operations.push({ type: 'scale', ...(width.value && { width: Number(width.value) }), ...(height.value && { height: Number(height.value) }) });
    if (kind.value === 'stream') return { input: input.value, type: 'hls' };
    if (kind.value === 'analyze') return { input: input.value, reference: reference.value };
    const output = preset.value ? { preset: preset.value, format: format.value } : { format: format.value };
    return { input: input.value, output, ...(operations.length && { operations }) };
  };
  const path = () => ({ convert: '/api/v1/convert', stream: '/api/v1/stream', analyze: '/api/v1/analyze' })[kind.value];
  const show = () => {
    preview.textContent = `POST ${path()}\n${JSON.stringify(body(), null, 2)}`;
    for (const id of ['format', 'preset', 'trim-start', 'trim-end', 'scale-width', 'scale-height']) document.getElementById(id).closest('.field').hidden = kind.value !== 'convert';
    reference.closest('.field').hidden = kind.value !== 'analyze';
  };

  file.addEventListener('change', async () => {
    if (!file.files.length) return;
    const form = new FormData();
    form.append('file', file.files[0]);
    error.textContent = 'Uploading…';
    try {
      const upload = await request('/api/v1/uploads', { method: 'POST', body: form });
      input.value = upload.input;
      error.textContent = '';
      show();
    } catch (e) { error.textContent = e.message; }
  });

  const form = h('form', { id: 'submit-form' },
    field('kind', 'What', kind),
    field('input', 'Input', input, 'A server path, a URI, or upload a file below.'),
    field('file', 'Upload a file', file),
    field('reference', 'Reference (the original)', reference),
    field('format', 'Output format', format),
    field('preset', 'Preset', preset),
    h('fieldset', {}, h('legend', {}, 'Trim (seconds)'), field('trim-start', 'Start', start), field('trim-end', 'End', end)),
    h('fieldset', {}, h('legend', {}, 'Scale (pixels, one side keeps the aspect)'), field('scale-width', 'Width', width), field('scale-height', 'Height', height)),
    button, error);
  form.addEventListener('input', show);
  form.addEventListener('change', show);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = '';
    try {
      const created = await request(path(), { method: 'POST', body: body() });
      location.hash = `#/jobs/${encodeURIComponent(created.job.id)}`;
    } catch (e) {
      error.textContent = e.message;
      button.disabled = false;
    }
  });
  root.append(h('h1', {}, 'Submit a job'), h('div', { class: 'columns' }, form, h('div', {}, h('h2', {}, 'What will be posted'), preview)));
  show();
  signal.addEventListener('abort', () => {});
}
