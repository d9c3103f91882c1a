// Small DOM helpers: elements are built node by node with text nodes (never parsed from strings), so job data cannot inject markup.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const percent = (value) => (value === null || value === undefined ? '–' : `${Math.round(value * 10) / 10}%`);
export const seconds = (value) => (value === null || value === undefined ? '–' : `${Math.round(value)} s`);
export const time = (value) => (value ? new Date(value).toLocaleString() : '–');
export const terminal = (status) => ['completed', 'failed', 'dead', 'cancelled', 'skipped'].includes(status);

export function progressBar(value, label) {
  return h('progress', { max: 100, value: value ?? 0, 'aria-label': label });
}
