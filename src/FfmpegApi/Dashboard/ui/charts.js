// Per-frame quality charts (VMAF/PSNR/SSIM) as inline SVG, and the HLS/DASH ladder as a table.
import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag, attributes) => {
  const element = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
  return element;
};

// perFrame: the report's per_frame arrays (the job keeps only pooled values; the report file has the series).
export function qualityCharts(analysis, perFrame = analysis?.per_frame ?? {}) {
  const summaries = analysis?.metrics ?? {};
  return h('div', { class: 'charts' }, Object.entries(summaries).map(([metric, summary]) => {
    const values = perFrame[metric] ?? [];
    const figure = h('figure', { class: 'chart', dataset: { metric } });
    if (values.length > 1) {
      const [width, height] = [600, 160];
      const min = Math.min(...values);
      const max = Math.max(...values);
      const span = max - min || 1;
      const points = values.map((v, i) => `${((i / (values.length - 1)) * width).toFixed(1)},${(height - ((v - min) / span) * (height - 10) - 5).toFixed(1)}`).join(' ');
      const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${metric} per frame, from ${min.toFixed(2)} to ${max.toFixed(2)}` });
      chart.append(svg('polyline', { points, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 }));
      figure.append(chart);
    }
    figure.append(h('figcaption', {}, `${metric.toUpperCase()}: mean ${summary.mean.toFixed(2)}, min ${summary.min.toFixed(2)}, max ${summary.max.toFixed(2)} over ${summary.frames} frames`));
    return figure;
  }));
}

export function ladderTable(streaming) {
  return h('table', { class: 'jobs', id: 'ladder' },
    h('caption', {}, `${streaming.format.toUpperCase()} ladder, ${streaming.segment_duration} s ${streaming.segment_type} segments — ${streaming.manifest}`),
    h('thead', {}, h('tr', {}, ['Rendition', 'Size', 'Bitrate', 'Playlist'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, streaming.variants.map((v) => h('tr', {},
      h('td', {}, v.name), h('td', {}, `${v.width}×${v.height}`), h('td', {}, `${Math.round(v.bitrate / 1000)} kb/s`), h('td', {}, v.playlist ?? '–')))));
}
