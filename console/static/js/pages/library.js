// Library: the workspace's titles. Filter by kind, status and orientation,
// search (full text, typo tolerant), create a title with its metadata, edit
// it and add languages, publish or unpublish, delete. Uploads of a source
// video or a captions file go through tus with a progress bar. Writes need
// the edit permit; the server decides, and a refusal shows in the banner.

import { gql } from '../api.js';
import {
  h, field, run, toast, card, notice, timeEl, emptyRow, confirmAction, roleLabel, showError,
} from '../ui.js';
import {
  TITLE, KINDS, STATUSES, statusPill, list, commaList, isoOrNull, contentType, tusUpload,
} from './catalog.js';

const TITLES = `query Titles($filter: TitleFilter, $first: Int) {
  titles(filter: $filter, first: $first) { totalCount edges { node { ${TITLE} } } }
}`;
const UPLOAD = 'id kind state filename contentType language captionKind size bytesReceived progress sha256 failureReason completedAt';

function textarea(id, label, attrs = {}) {
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('textarea', { id, name: id, rows: 3, 'aria-describedby': `${id}-error`, ...attrs }),
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }));
}

function checkbox(id, label, checked = false, attrs = {}) {
  return h('div', { class: 'checkbox-field' },
    h('input', { type: 'checkbox', id, checked, ...attrs }), h('label', { for: id }, label));
}

function localInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

export async function render(root, app, params) {
  const canEdit = app.can('edit');
  const titles = new Map();
  let timers = [];
  let loads = 0; // only the latest list request paints

  const readonly = notice(`Your role (${roleLabel(app.role())}) can look but not change the catalog; an editor, admin or owner can.`,
    { id: 'library-readonly', kind: 'warn' });
  readonly.hidden = canEdit;

  // Filters.
  const opt = (values, any) => [['', any], ...values.map((v) => [v, v.charAt(0) + v.slice(1).toLowerCase()])];
  const filters = h('form', { id: 'library-filters', class: 'form', role: 'search' },
    h('div', { class: 'form-inline' },
      field({ id: 'library-search', label: 'Search', type: 'search', value: params.get('q') || '', attrs: { placeholder: 'Title, synopsis, genre or tag', autocomplete: 'off' } }),
      field({ id: 'library-filter-kind', label: 'Kind', type: 'select', value: params.get('kind') || '', options: opt(KINDS, 'Any kind') }),
      field({ id: 'library-filter-status', label: 'Status', type: 'select', value: params.get('status') || '', options: opt(STATUSES, 'Any status') }),
      field({ id: 'library-filter-vertical', label: 'Orientation', type: 'select', value: params.get('vertical') || '', options: [['', 'Any'], ['true', 'Vertical'], ['false', 'Horizontal']] }),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', id: 'library-apply', class: 'btn btn-secondary' }, 'Search'),
        h('button', {
          type: 'button', id: 'library-shorts', class: 'btn btn-secondary',
          onclick: () => { filters.querySelector('#library-filter-kind').value = 'SHORT'; filters.querySelector('#library-filter-vertical').value = 'true'; load(); },
        }, 'Vertical shorts'))));
  filters.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  for (const id of ['library-filter-kind', 'library-filter-status', 'library-filter-vertical']) {
    filters.querySelector(`#${id}`).addEventListener('change', () => load());
  }

  const tbody = h('tbody', { id: 'title-list' });
  const count = h('span', { id: 'title-count', class: 'muted' });

  function row(t) {
    const btn = (id, text, onclick, cls = 'btn btn-secondary btn-small') => h('button', { type: 'button', id, class: cls, onclick }, text);
    return h('tr', { id: `title-${t.id}`, dataset: { title: t.title, status: t.status, kind: t.kind } },
      h('td', {}, h('strong', {}, t.title), t.vertical ? h('span', { class: 'tag' }, ' vertical') : null,
        h('div', { class: 'muted' }, t.synopsis.length > 90 ? `${t.synopsis.slice(0, 90)}…` : t.synopsis)),
      h('td', {}, t.kind.toLowerCase()),
      h('td', {}, statusPill(t.status, `title-status-${t.id}`)),
      h('td', {}, t.localizations.map((l) => l.language).join(', ')),
      h('td', {}, timeEl(t.updatedAt)),
      h('td', { class: 'actions' }, t.assetId ? h('a', { href: `#/player?asset=${t.assetId}`, id: `preview-title-${t.id}`, class: 'btn btn-secondary btn-small' }, 'Preview') : null,
        canEdit ? h('div', { class: 'row-actions' },
        btn(`edit-title-${t.id}`, 'Edit', () => openEdit(t.id)),
        t.status === 'PUBLISHED'
          ? btn(`unpublish-title-${t.id}`, 'Unpublish', (e) => publish(e.currentTarget, t, false))
          : btn(`publish-title-${t.id}`, 'Publish', (e) => publish(e.currentTarget, t, true)),
        btn(`delete-title-${t.id}`, 'Delete', (e) => remove(e.currentTarget, t), 'btn btn-danger-ghost btn-small')) : null));
  }

  function paint() {
    const rows = [...titles.values()];
    tbody.replaceChildren(...(rows.length ? rows.map(row) : [emptyRow(6, 'No titles match.')]));
  }

  async function load() {
    const filter = {};
    const kind = filters.querySelector('#library-filter-kind').value;
    const status = filters.querySelector('#library-filter-status').value;
    const vertical = filters.querySelector('#library-filter-vertical').value;
    const query = filters.querySelector('#library-search').value.trim();
    if (kind) filter.kind = kind;
    if (status) filter.status = status;
    if (vertical) filter.vertical = vertical === 'true';
    if (query) filter.query = query;
    tbody.dataset.loaded = 'false';
    const mine = ++loads;
    try {
      const d = await gql(TITLES, { filter, first: 100 });
      if (mine !== loads) return;
      titles.clear();
      for (const e of d.titles.edges) titles.set(e.node.id, e.node);
      count.textContent = `${d.titles.totalCount} title${d.titles.totalCount === 1 ? '' : 's'}`;
      paint();
    } catch (err) {
      if (mine !== loads) return;
      showError(err);
    }
    tbody.dataset.loaded = 'true';
  }

  async function publish(button, t, on) {
    const op = on ? 'publishTitle' : 'unpublishTitle';
    const d = await run(button, () => gql(`mutation Publish($id: ID!) { ${op}(id: $id) { ${TITLE} } }`, { id: t.id }));
    if (!d) return;
    titles.set(t.id, d[op]);
    paint();
    toast(`${t.title} is ${on ? 'published' : 'unpublished'}.`);
  }

  async function remove(button, t) {
    const ok = await confirmAction({ title: `Delete ${t.title}?`, ok: 'Delete title', body: 'It leaves the catalog, its collections and the apps at once.' });
    if (!ok) return;
    if (!await run(button, () => gql('mutation DeleteTitle($id: ID!) { deleteTitle(id: $id) }', { id: t.id }))) return;
    titles.delete(t.id);
    paint();
    toast(`${t.title} is deleted.`);
  }

  // Create.
  const form = h('form', { id: 'title-form', class: 'form' },
    h('fieldset', { class: 'fieldset', id: 'title-fields', disabled: !canEdit },
      h('legend', { class: 'visually-hidden' }, 'Create a title'),
      h('div', { class: 'form-inline' },
        field({ id: 'title-kind', label: 'Kind', type: 'select', value: 'MOVIE', options: KINDS.map((k) => [k, k.charAt(0) + k.slice(1).toLowerCase()]), attrs: { 'data-field': 'kind' } }),
        field({ id: 'title-language', label: 'Default language', value: 'en', hint: 'BCP 47: en, pt-BR.', attrs: { required: true, maxlength: 35, 'data-field': 'defaultLanguage' } }),
        field({ id: 'title-name', label: 'Title', attrs: { required: true, maxlength: 300, autocomplete: 'off', 'data-field': 'title' } })),
      textarea('title-synopsis', 'Synopsis', { 'data-field': 'synopsis' }),
      h('div', { class: 'form-inline' },
        field({ id: 'title-genres', label: 'Genres', hint: 'Comma-separated.', attrs: { autocomplete: 'off', 'data-field': 'genres' } }),
        field({ id: 'title-tags', label: 'Tags', hint: 'Comma-separated.', attrs: { autocomplete: 'off', 'data-field': 'tags' } }),
        field({ id: 'title-rating-system', label: 'Rating system', attrs: { placeholder: 'MPAA', 'data-field': 'rating' } }),
        field({ id: 'title-rating-value', label: 'Rating', attrs: { placeholder: 'PG-13' } })),
      h('div', { class: 'form-inline' },
        field({ id: 'title-start', label: 'Available from', type: 'datetime-local', attrs: { 'data-field': 'availability' } }),
        field({ id: 'title-end', label: 'Available until', type: 'datetime-local' }),
        field({ id: 'title-countries', label: 'Countries', hint: 'ISO codes (US, GB); empty is everywhere.', attrs: { autocomplete: 'off' } })),
      checkbox('title-vertical', 'Vertical (shot for phones; shorts are vertical by default)', false, { 'data-field': 'vertical' }),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'title-create', class: 'btn btn-primary' }, 'Create title'))));
  const verticalBox = form.querySelector('#title-vertical');
  form.querySelector('#title-kind').addEventListener('change', (e) => { verticalBox.checked = e.target.value === 'SHORT'; });

  function ratingOf(system, value) {
    return system.trim() && value.trim() ? { system: system.trim(), value: value.trim() } : null;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value;
    const language = v('title-language').trim() || 'en';
    const input = {
      kind: v('title-kind'),
      defaultLanguage: language,
      localizations: [{ language, title: v('title-name').trim(), synopsis: v('title-synopsis').trim() }],
      genres: commaList(v('title-genres')),
      tags: commaList(v('title-tags')),
      availability: { start: isoOrNull(v('title-start')), end: isoOrNull(v('title-end')), countries: list(v('title-countries'), { upper: true }) },
      vertical: verticalBox.checked,
    };
    const rating = ratingOf(v('title-rating-system'), v('title-rating-value'));
    if (rating) input.rating = rating;
    const d = await run(form.querySelector('#title-create'), () =>
      gql(`mutation CreateTitle($input: CreateTitleInput!) { createTitle(input: $input) { ${TITLE} } }`, { input }), form);
    if (!d) return;
    const t = d.createTitle;
    form.reset();
    titles.set(t.id, t);
    const rest = [...titles.values()].filter((x) => x.id !== t.id);
    titles.clear();
    for (const x of [t, ...rest]) titles.set(x.id, x);
    paint();
    toast(`${t.title} is created as a draft.`);
  });

  // Edit, in a row under the title.
  function openEdit(id) {
    document.getElementById('title-edit-row')?.remove();
    const t = titles.get(id);
    const tr = document.getElementById(`title-${id}`);
    if (!t || !tr) return;
    const locs = h('ul', { id: 'title-edit-localizations', class: 'plain-list' },
      t.localizations.map((l) => h('li', { dataset: { language: l.language } }, h('code', {}, l.language), ` ${l.title}`, l.synopsis ? h('span', { class: 'muted' }, ` — ${l.synopsis}`) : null)));
    const edit = h('form', { id: 'title-edit-form', class: 'form', 'aria-label': `Edit ${t.title}` },
      h('div', { class: 'form-inline' },
        field({ id: 'title-edit-genres', label: 'Genres', value: t.genres.join(', '), attrs: { 'data-field': 'genres' } }),
        field({ id: 'title-edit-tags', label: 'Tags', value: t.tags.join(', '), attrs: { 'data-field': 'tags' } }),
        field({ id: 'title-edit-rating-system', label: 'Rating system', value: t.rating?.system || '', attrs: { 'data-field': 'rating' } }),
        field({ id: 'title-edit-rating-value', label: 'Rating', value: t.rating?.value || '' })),
      h('div', { class: 'form-inline' },
        field({ id: 'title-edit-start', label: 'Available from', type: 'datetime-local', value: localInput(t.availability.start), attrs: { 'data-field': 'availability' } }),
        field({ id: 'title-edit-end', label: 'Available until', type: 'datetime-local', value: localInput(t.availability.end) }),
        field({ id: 'title-edit-countries', label: 'Countries', value: t.availability.countries.join(', ') })),
      checkbox('title-edit-vertical', 'Vertical', t.vertical),
      h('h3', {}, 'Languages'), locs,
      h('p', { class: 'hint' }, 'Add a language, or give one already listed to replace its title and synopsis.'),
      h('div', { class: 'form-inline' },
        field({ id: 'title-edit-loc-language', label: 'Language', attrs: { placeholder: 'es', maxlength: 35, 'data-field': 'localizations' } }),
        field({ id: 'title-edit-loc-title', label: 'Title in that language', attrs: { maxlength: 300 } }),
        field({ id: 'title-edit-loc-synopsis', label: 'Synopsis in that language' })),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', id: 'title-edit-save', class: 'btn btn-primary btn-small' }, 'Save'),
        h('button', { type: 'button', id: 'title-edit-cancel', class: 'btn btn-secondary btn-small', onclick: () => editRow.remove() }, 'Cancel')));
    const editRow = h('tr', { id: 'title-edit-row', class: 'edit-row' }, h('td', { colspan: 6 }, edit));
    edit.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = (x) => edit.querySelector(`#${x}`).value;
      const input = {
        genres: commaList(v('title-edit-genres')),
        tags: commaList(v('title-edit-tags')),
        availability: { start: isoOrNull(v('title-edit-start')), end: isoOrNull(v('title-edit-end')), countries: list(v('title-edit-countries'), { upper: true }) },
        vertical: edit.querySelector('#title-edit-vertical').checked,
      };
      const system = v('title-edit-rating-system').trim();
      const value = v('title-edit-rating-value').trim();
      if (system && value) input.rating = { system, value };
      else if (!system && t.rating) input.rating = { system: '', value: '' };
      const lang = v('title-edit-loc-language').trim();
      if (lang) {
        const next = { language: lang, title: v('title-edit-loc-title').trim(), synopsis: v('title-edit-loc-synopsis').trim() };
        input.localizations = [
          ...t.localizations.filter((l) => l.language.toLowerCase() !== lang.toLowerCase())
            .map((l) => ({ language: l.language, title: l.title, synopsis: l.synopsis })),
          next,
        ];
      }
      const d = await run(edit.querySelector('#title-edit-save'), () =>
        gql(`mutation UpdateTitle($id: ID!, $input: UpdateTitleInput!) { updateTitle(id: $id, input: $input) { ${TITLE} } }`, { id, input }), edit);
      if (!d) return;
      titles.set(id, d.updateTitle);
      paint();
      toast(`${d.updateTitle.title} is saved.`);
    });
    tr.after(editRow);
    edit.querySelector('#title-edit-genres').focus();
  }

  // Uploads: a source video or a captions file, sent with tus.
  function uploader({ prefix, kind, legend, accept, extra = [] }) {
    const progress = h('progress', { id: `${prefix}-progress`, max: 100, value: 0, 'aria-labelledby': `${prefix}-progress-label` });
    const pct = h('span', { id: `${prefix}-percent` }, '');
    const state = h('output', { id: `${prefix}-state`, 'aria-live': 'polite', dataset: { state: '' } });
    const status = h('div', { class: 'upload-status', id: `${prefix}-status`, hidden: true },
      h('label', { id: `${prefix}-progress-label`, for: `${prefix}-progress` }, 'Progress'), ' ', progress, ' ', pct,
      h('p', {}, 'State: ', state));
    const up = h('form', { id: `${prefix}-form`, class: 'form' },
      h('fieldset', { class: 'fieldset', id: `${prefix}-fields`, disabled: !canEdit },
        h('legend', {}, legend),
        h('div', { class: 'form-inline' },
          h('div', { class: 'field' },
            h('label', { for: `${prefix}-file` }, 'File'),
            h('input', { type: 'file', id: `${prefix}-file`, accept, required: true, 'data-field': 'filename' }),
            h('p', { class: 'field-error', id: `${prefix}-file-error`, hidden: true })),
          extra),
        h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: `${prefix}-start`, class: 'btn btn-primary' }, 'Upload'))),
      status);
    up.addEventListener('submit', async (e) => {
      e.preventDefault();
      const file = up.querySelector(`#${prefix}-file`).files[0];
      if (!file) return;
      const input = { filename: file.name, size: file.size, contentType: contentType(file), kind };
      if (kind === 'CAPTION') {
        input.language = up.querySelector(`#${prefix}-language`).value.trim();
        input.captionKind = up.querySelector(`#${prefix}-kind`).value;
      }
      status.hidden = false;
      progress.value = 0;
      pct.textContent = '0%';
      state.textContent = 'Starting…';
      state.dataset.state = 'STARTING';
      const done = await run(up.querySelector(`#${prefix}-start`), async () => {
        const d = await gql(`mutation CreateUpload($input: CreateUploadInput!) { createUpload(input: $input) { upload { ${UPLOAD} } tusEndpoint uploadURL } }`, { input });
        const { upload, tusEndpoint } = d.createUpload;
        status.dataset.uploadId = upload.id;
        state.textContent = upload.state;
        state.dataset.state = upload.state;
        await tusUpload({
          endpoint: tusEndpoint,
          uploadId: upload.id,
          file,
          onProgress: (sent, total) => {
            const p = total ? Math.round((sent / total) * 100) : 100;
            progress.value = p;
            pct.textContent = `${p}%`;
            if (sent < total) { state.textContent = 'UPLOADING'; state.dataset.state = 'UPLOADING'; }
          },
        });
        return upload.id;
      }, up);
      if (!done) {
        state.textContent = 'FAILED';
        state.dataset.state = 'FAILED';
        return;
      }
      await follow(done, state);
    });
    return up;
  }

  // follow reads upload(id) until it is complete or failed.
  async function follow(id, state) {
    for (let i = 0; i < 40 && root.isConnected; i += 1) {
      let u;
      try {
        u = (await gql(`query Upload($id: ID!) { upload(id: $id) { ${UPLOAD} } }`, { id })).upload;
      } catch (err) {
        showError(err);
        return;
      }
      state.dataset.state = u.state;
      state.textContent = u.state === 'COMPLETE'
        ? `COMPLETE — ${u.filename}, ${u.size} bytes${u.sha256 ? `, SHA-256 ${u.sha256.slice(0, 12)}…` : ''}`
        : u.state === 'FAILED' ? `FAILED — ${u.failureReason || 'no reason given'}` : u.state;
      if (u.state === 'COMPLETE') { toast(`${u.filename} is uploaded.`); return; }
      if (u.state === 'FAILED') return;
      await new Promise((r) => { timers.push(setTimeout(r, 500)); });
    }
  }

  const sourceUpload = uploader({ prefix: 'upload', kind: 'SOURCE', legend: 'Source video', accept: 'video/*,.mxf,.ts' });
  const captionUpload = uploader({
    prefix: 'caption', kind: 'CAPTION', legend: 'Captions (SRT or WebVTT)', accept: '.srt,.vtt,text/vtt',
    extra: [
      field({ id: 'caption-language', label: 'Language', value: 'en', attrs: { required: true, maxlength: 35, 'data-field': 'language' } }),
      field({ id: 'caption-kind', label: 'Kind', type: 'select', value: 'SUBTITLES', options: [['SUBTITLES', 'Subtitles (translation)'], ['CAPTIONS', 'Captions (SDH)']], attrs: { 'data-field': 'captionKind' } }),
    ],
  });

  root.append(
    readonly,
    card('Titles', { id: 'library-titles', description: 'Everything in the catalog, whatever its status. Apps show only what is published and available.', actions: count },
      filters,
      h('table', { class: 'table', id: 'title-table' },
        h('thead', {}, h('tr', {}, ['Title', 'Kind', 'Status', 'Languages', 'Updated', ''].map((c) => h('th', { scope: 'col' }, c)))),
        tbody)),
    card('New title', { id: 'library-create', description: 'Created as a draft in its default language; publish it when ready.' }, form),
    card('Upload', { id: 'library-upload', description: 'Resumable: a dropped connection picks up where it stopped.' }, sourceUpload, captionUpload));

  await load();
  return () => { for (const t of timers) clearTimeout(t); timers = []; };
}
