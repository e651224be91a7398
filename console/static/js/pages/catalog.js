// Shared by the catalog pages (library, series, rails, creators): the fields
// they select, list parsing, a small tus client for uploads, and a list that
// reorders by drag and drop and by accessible up/down buttons.

import { ApiError } from '../api.js';
import { h } from '../ui.js';

export const TITLE = `id kind status defaultLanguage title synopsis genres tags vertical
  localizations { language title synopsis }
  rating { system value }
  availability { start end countries }
  season { id number } episodeNumber assetId publishedAt createdAt updatedAt`;

export const KINDS = ['MOVIE', 'EPISODE', 'SHORT', 'TRAILER', 'EXTRA'];
export const STATUSES = ['DRAFT', 'PUBLISHED', 'UNPUBLISHED'];
export const STATUS_CLASS = { PUBLISHED: 'status-active', DRAFT: 'status-pending', UNPUBLISHED: 'status-revoked' };

/** list reads "a, b c" typed in a box (commas or spaces) as a list. */
export function list(text, { upper = false } = {}) {
  const items = String(text).split(/[,\s]+/).map((t) => t.trim()).filter(Boolean);
  return [...new Set(upper ? items.map((t) => t.toUpperCase()) : items)];
}

/** commaList reads "drama, true crime" (commas only) as a list. */
export function commaList(text) {
  return [...new Set(String(text).split(',').map((t) => t.trim()).filter(Boolean))];
}

export function statusPill(status, id) {
  return h('span', { class: `status ${STATUS_CLASS[status] || ''}`, id }, status.toLowerCase());
}

/** isoOrNull turns a datetime-local value into an RFC 3339 time. */
export function isoOrNull(local) {
  if (!local) return null;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

// Content types browsers often leave empty, by extension.
const TYPES = {
  '.srt': 'application/x-subrip', '.vtt': 'text/vtt', '.mp4': 'video/mp4', '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska', '.webm': 'video/webm', '.ts': 'video/mp2t', '.mxf': 'application/mxf',
};

export function contentType(file) {
  const ext = (file.name.match(/\.[^.]+$/) || [''])[0].toLowerCase();
  if (ext === '.srt' || ext === '.vtt') return TYPES[ext]; // browsers disagree on these
  return file.type || TYPES[ext] || 'application/octet-stream';
}

const TUS = { 'Tus-Resumable': '1.0.0', 'X-Marquee-CSRF': '1' };
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

async function tusError(res) {
  let message = `the upload server answered ${res.status}`;
  let code = res.status === 401 ? 'UNAUTHENTICATED' : res.status === 403 ? 'FORBIDDEN' : res.status === 404 ? 'NOT_FOUND'
    : res.status === 409 ? 'CONFLICT' : res.status === 413 ? 'BAD_USER_INPUT' : res.status === 429 ? 'RATE_LIMITED' : 'INTERNAL';
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text);
      const first = body.errors?.[0];
      if (first) { message = first.message; code = first.extensions?.code || code; }
    } catch {
      if (text.trim()) message = text.trim();
    }
  } catch { /* no body */ }
  const err = new ApiError(message, code);
  err.status = res.status;
  return err;
}

async function tusFetch(url, init) {
  let res;
  try {
    res = await fetch(url, { credentials: 'same-origin', ...init, headers: { ...TUS, ...init.headers } });
  } catch {
    const err = new ApiError('the upload server cannot be reached: check your connection', 'NETWORK');
    err.status = 0;
    throw err;
  }
  return res;
}

function same(url) {
  const u = new URL(url, location.href);
  return u.pathname + u.search;
}

const retryable = (err) => err.status === 0 || err.status === 409 || err.status === 423 || err.status >= 500;

/**
 * tusUpload sends file for the upload createUpload made: a POST to create it
 * (Upload-Length, Upload-Metadata uploadId), then PATCHes of chunkSize from
 * Upload-Offset. A failed PATCH is retried after a HEAD says where to resume.
 */
export async function tusUpload({ endpoint, uploadId, file, chunkSize = 256 * 1024, retries = 4, onProgress = () => {} }) {
  const created = await tusFetch(same(endpoint), {
    method: 'POST',
    headers: { 'Upload-Length': String(file.size), 'Upload-Metadata': `uploadId ${btoa(uploadId)}` },
  });
  if (created.status !== 201) throw await tusError(created);
  const url = same(created.headers.get('Location') || `${endpoint}${uploadId}`);
  let offset = 0;
  let failures = 0;
  onProgress(0, file.size);
  while (offset < file.size) {
    try {
      const res = await tusFetch(url, {
        method: 'PATCH',
        headers: { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
        body: file.slice(offset, offset + chunkSize),
      });
      if (res.status !== 204) throw await tusError(res);
      offset = Number(res.headers.get('Upload-Offset'));
      failures = 0;
      onProgress(offset, file.size);
    } catch (err) {
      failures += 1;
      if (!retryable(err) || failures > retries) throw err;
      await sleep(300 * 2 ** failures);
      const head = await tusFetch(url, { method: 'HEAD', headers: {} }).catch((e) => e);
      if (head instanceof Error) continue; // still offline: try again
      if (!head.ok) throw await tusError(head);
      offset = Number(head.headers.get('Upload-Offset'));
      onProgress(offset, file.size);
    }
  }
  return url;
}

/**
 * reorderable renders items as a list that reorders by dragging (HTML5 drag
 * events) and by up/down buttons; move(id, toIndex) does the work and
 * re-renders. prefix names the ids: `${prefix}-${id}`, `${prefix}-up-${id}`.
 */
export function reorderable({ id, prefix, items, label, canEdit, move, remove, extra }) {
  let dragged = null;
  const ul = h('ol', { id, class: 'reorder-list' });
  items.forEach((item, i) => {
    const li = h('li', {
      id: `${prefix}-${item.id}`, class: 'reorder-item', draggable: canEdit ? 'true' : null,
      dataset: { id: item.id, index: String(i) },
    },
    h('span', { class: 'drag-handle', 'aria-hidden': 'true' }, canEdit ? '⋮⋮' : ''),
    h('span', { class: 'reorder-label' }, label(item)),
    extra ? extra(item) : null,
    canEdit ? h('span', { class: 'row-actions' },
      h('button', {
        type: 'button', class: 'btn btn-secondary btn-small', id: `${prefix}-up-${item.id}`, disabled: i === 0,
        'aria-label': `Move ${label(item)} up`, onclick: (e) => move(item.id, i - 1, e.currentTarget),
      }, '↑ Up'),
      h('button', {
        type: 'button', class: 'btn btn-secondary btn-small', id: `${prefix}-down-${item.id}`, disabled: i === items.length - 1,
        'aria-label': `Move ${label(item)} down`, onclick: (e) => move(item.id, i + 1, e.currentTarget),
      }, '↓ Down'),
      remove ? h('button', {
        type: 'button', class: 'btn btn-danger-ghost btn-small', id: `${prefix}-remove-${item.id}`,
        'aria-label': `Remove ${label(item)}`, onclick: (e) => remove(item.id, e.currentTarget),
      }, 'Remove') : null) : null);
    if (canEdit) {
      li.addEventListener('dragstart', (e) => {
        dragged = item.id;
        li.classList.add('dragging');
        if (e.dataTransfer) { e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', item.id); }
      });
      li.addEventListener('dragend', () => { li.classList.remove('dragging'); dragged = null; });
      li.addEventListener('dragover', (e) => { e.preventDefault(); li.classList.add('drop-target'); });
      li.addEventListener('dragleave', () => li.classList.remove('drop-target'));
      li.addEventListener('drop', (e) => {
        e.preventDefault();
        li.classList.remove('drop-target');
        const from = dragged || e.dataTransfer?.getData('text/plain');
        dragged = null;
        if (from && from !== item.id) move(from, i, null);
      });
    }
    ul.append(li);
  });
  return ul;
}

/** moved returns ids with id moved to index to. */
export function moved(ids, id, to) {
  const rest = ids.filter((x) => x !== id);
  const at = Math.max(0, Math.min(to, rest.length));
  rest.splice(at, 0, id);
  return rest;
}
