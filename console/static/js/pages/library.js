// Library: the workspace's titles. Filter by kind, status and orientation,
// search (full text, typo tolerant), create a title with its metadata, edit
// it and add languages, publish or unpublish, delete. Uploads of a source
// video or a captions file go through tus with a progress bar; a source may
// be ingested automatically (onto a title), its processing followed live
// (assetProgress) to READY or FAILED with the reason. Each title shows its
// video's state, and offers the lifecycle: replace the source (the title
// keeps playing the old one until the new one is ready), delete the video
// (with confirmation), and artwork in every app platform's size. Writes need
// the edit permit; the server decides, and a refusal shows in the banner.

import { gql, upload as gqlUpload } from '../api.js';
import { ASSET, assetPill, ingestPanel, waitForAsset } from './ingest.js';
import {
  h, field, run, toast, card, notice, timeEl, emptyRow, confirmAction, roleLabel, showError,
} from '../ui.js';
import {
  TITLE, KINDS, STATUSES, statusPill, list, commaList, isoOrNull, contentType, tusUpload,
} from './catalog.js';
import { tracksCard } from './tracks.js';
import { openPrices } from './prices.js';

// The library's titles carry their video and its latest source replacement.
const TITLE_L = `${TITLE} assetId asset { ${ASSET} } sourceReplacement { id status reason newAssetId }
  artwork { role key width height }`;
const TITLES = `query Titles($filter: TitleFilter, $first: Int) {
  titles(filter: $filter, first: $first) { totalCount edges { node { ${TITLE_L} } } }
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

const COLS = 7;

export async function render(root, app, params) {
  const canEdit = app.can('edit');
  const titles = new Map();
  let timers = [];
  let loads = 0; // only the latest list request paints
  let lastCaption = ''; // the caption upload completed last, for the tracks card

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
      h('td', {}, assetPill(t.asset, `title-asset-${t.id}`), replacementNote(t)),
      h('td', {}, timeEl(t.updatedAt)),
      h('td', { class: 'actions' }, t.assetId ? h('a', { href: `#/player?asset=${t.assetId}`, id: `preview-title-${t.id}`, class: 'btn btn-secondary btn-small' }, 'Preview') : null,
        canEdit ? h('div', { class: 'row-actions' },
        btn(`edit-title-${t.id}`, 'Edit', () => openEdit(t.id)),
        t.assetId ? btn(`tracks-title-${t.id}`, 'Tracks', () => tracks.open(t.assetId)) : null,
        t.asset ? btn(`replace-title-${t.id}`, 'Replace source', () => openReplace(t.id)) : null,
        t.asset ? btn(`delete-asset-${t.id}`, 'Delete video', (e) => removeVideo(e.currentTarget, t), 'btn btn-danger-ghost btn-small') : null,
        btn(`artwork-title-${t.id}`, 'Artwork', () => openArtwork(t.id)),
        app.can('manage') ? btn(`prices-title-${t.id}`, 'Prices', () => openPrices(t, document.getElementById(`title-${t.id}`), COLS)) : null,
        t.status === 'PUBLISHED'
          ? btn(`unpublish-title-${t.id}`, 'Unpublish', (e) => publish(e.currentTarget, t, false))
          : btn(`publish-title-${t.id}`, 'Publish', (e) => publish(e.currentTarget, t, true)),
        btn(`delete-title-${t.id}`, 'Delete', (e) => remove(e.currentTarget, t), 'btn btn-danger-ghost btn-small')) : null));
  }

  function paint() {
    const rows = [...titles.values()];
    tbody.replaceChildren(...(rows.length ? rows.map(row) : [emptyRow(COLS, 'No titles match.')]));
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
      fillTitleChoice();
    } catch (err) {
      if (mine !== loads) return;
      showError(err);
    }
    tbody.dataset.loaded = 'true';
  }

  async function publish(button, t, on) {
    const op = on ? 'publishTitle' : 'unpublishTitle';
    const d = await run(button, () => gql(`mutation Publish($id: ID!) { ${op}(id: $id) { ${TITLE_L} } }`, { id: t.id }));
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
    const editRow = h('tr', { id: 'title-edit-row', class: 'edit-row' }, h('td', { colspan: COLS }, edit));
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
        gql(`mutation UpdateTitle($id: ID!, $input: UpdateTitleInput!) { updateTitle(id: $id, input: $input) { ${TITLE_L} } }`, { id, input }), edit);
      if (!d) return;
      titles.set(id, d.updateTitle);
      paint();
      toast(`${d.updateTitle.title} is saved.`);
    });
    tr.after(editRow);
    edit.querySelector('#title-edit-genres').focus();
  }

  // Uploads: a source video or a captions file, sent with tus.
  function uploader({ prefix, kind, legend, accept, extra = [], more = () => ({}), after = async () => {} }) {
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
      Object.assign(input, more());
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
      if (await follow(done, state)) await after(done);
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
      if (u.state === 'COMPLETE') {
        if (u.kind === 'CAPTION') lastCaption = u.id;
        toast(`${u.filename} is uploaded.`);
        return true;
      }
      if (u.state === 'FAILED') return false;
      await new Promise((r) => { timers.push(setTimeout(r, 500)); });
    }
  }

  // A source may be ingested as soon as it is uploaded, onto a title.
  const titleChoice = h('select', { id: 'upload-title', 'data-field': 'titleId' });
  const fillTitleChoice = () => {
    const keep = titleChoice.value;
    titleChoice.replaceChildren(h('option', { value: '' }, 'No title'),
      ...[...titles.values()].filter((t) => !t.assetId).map((t) => h('option', { value: t.id }, t.title)));
    // A title with a video gets a new one by "Replace source" instead.
    titleChoice.value = [...titleChoice.options].some((o) => o.value === keep) ? keep : '';
  };
  const ingest = ingestPanel(app, 'upload-ingest');
  const sourceUpload = uploader({
    prefix: 'upload', kind: 'SOURCE', legend: 'Source video', accept: 'video/*,.mxf,.ts',
    extra: [
      checkbox('upload-auto', 'Process it as soon as it is uploaded', false, { 'data-field': 'autoIngest' }),
      h('div', { class: 'field' }, h('label', { for: 'upload-title' }, 'Attach to title'), titleChoice),
    ],
    more: () => {
      if (!document.getElementById('upload-auto').checked) return {};
      return titleChoice.value ? { autoIngest: true, titleId: titleChoice.value } : { autoIngest: true };
    },
    after: async (uploadId) => {
      if (!document.getElementById('upload-auto').checked) return;
      ingest.panel.hidden = false;
      let assetId = '';
      try { assetId = await waitForAsset(uploadId, () => root.isConnected); } catch (err) { showError(err); return; }
      if (!assetId) return;
      const titleId = titleChoice.value;
      const a = await ingest.follow(assetId);
      toast(a.status === 'READY' ? 'The video is ready to play.' : `Processing failed: ${a.failureReason || 'no reason given'}`);
      // The title gets the asset just after it is READY: wait for it.
      for (let i = 0; a.status === 'READY' && titleId && i < 40 && root.isConnected; i += 1) {
        const d = await gql('query TitleAsset($id: ID!) { title(id: $id) { assetId } }', { id: titleId });
        if (d.title.assetId === assetId) break;
        await new Promise((r) => { timers.push(setTimeout(r, 250)); });
      }
      await load();
    },
  });
  sourceUpload.append(ingest.panel);
  const captionUpload = uploader({
    prefix: 'caption', kind: 'CAPTION', legend: 'Captions (SRT or WebVTT)', accept: '.srt,.vtt,text/vtt',
    extra: [
      field({ id: 'caption-language', label: 'Language', value: 'en', attrs: { required: true, maxlength: 35, 'data-field': 'language' } }),
      field({ id: 'caption-kind', label: 'Kind', type: 'select', value: 'SUBTITLES', options: [['SUBTITLES', 'Subtitles (translation)'], ['CAPTIONS', 'Captions (SDH)']], attrs: { 'data-field': 'captionKind' } }),
    ],
  });

  const tracks = tracksCard({ canEdit, lastCaption: () => lastCaption, timers });

  root.append(
    readonly,
    card('Titles', { id: 'library-titles', description: 'Everything in the catalog, whatever its status. Apps show only what is published and available.', actions: count },
      filters,
      h('table', { class: 'table', id: 'title-table' },
        h('thead', {}, h('tr', {}, ['Title', 'Kind', 'Status', 'Languages', 'Video', 'Updated', ''].map((c) => h('th', { scope: 'col' }, c)))),
        tbody)),
    card('New title', { id: 'library-create', description: 'Created as a draft in its default language; publish it when ready.' }, form),
    card('Upload', { id: 'library-upload', description: 'Resumable: a dropped connection picks up where it stopped.' }, sourceUpload, captionUpload),
    tracks.el);
  if (params.get('asset')) tracks.open(params.get('asset'));

  // Lifecycle: the state of a replacement, replacing a source, deleting a
  // title's video, artwork.
  function replacementNote(t) {
    const r = t.sourceReplacement;
    if (!r || r.status === 'SWITCHED') return null;
    return h('div', { class: r.status === 'FAILED' ? 'field-error' : 'muted', id: `title-replacement-${t.id}`, dataset: { status: r.status } },
      r.status === 'PENDING' ? 'New source processing…' : `Replacement failed: ${r.reason || 'no reason given'}`);
  }

  function openReplace(id) {
    document.getElementById('title-edit-row')?.remove();
    const t = titles.get(id);
    const tr = document.getElementById(`title-${id}`);
    if (!t || !tr) return;
    const sent = h('progress', { id: 'replace-upload-progress', max: 100, value: 0, 'aria-label': 'Upload progress' });
    const panel = ingestPanel(app, 'replace-ingest');
    const form = h('form', { id: 'replace-form', class: 'form', 'aria-label': `Replace the source of ${t.title}` },
      h('p', { class: 'hint' }, 'The title keeps playing its current video until the new one is ready; then it switches at once and the old video is deleted.'),
      h('div', { class: 'form-inline' },
        h('div', { class: 'field' }, h('label', { for: 'replace-file' }, 'New source'),
          h('input', { type: 'file', id: 'replace-file', accept: 'video/*,.mxf,.ts', required: true, 'data-field': 'uploadId' }))),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', id: 'replace-start', class: 'btn btn-primary btn-small' }, 'Upload and replace'),
        h('button', { type: 'button', id: 'replace-cancel', class: 'btn btn-secondary btn-small', onclick: () => editRow.remove() }, 'Close')),
      sent, panel.panel);
    const editRow = h('tr', { id: 'title-edit-row', class: 'edit-row' }, h('td', { colspan: COLS }, form));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const file = form.querySelector('#replace-file').files[0];
      if (!file) return;
      const r = await run(form.querySelector('#replace-start'), async () => {
        const d = await gql(`mutation CreateUpload($input: CreateUploadInput!) { createUpload(input: $input) { upload { id } tusEndpoint } }`,
          { input: { filename: file.name, size: file.size, contentType: contentType(file), kind: 'SOURCE' } });
        const { upload: u, tusEndpoint } = d.createUpload;
        await tusUpload({ endpoint: tusEndpoint, uploadId: u.id, file, onProgress: (s, n) => { sent.value = n ? Math.round((s / n) * 100) : 100; } });
        for (let i = 0; i < 40; i += 1) { // the upload completes as the last byte is stored
          const st = (await gql('query Upload($id: ID!) { upload(id: $id) { state failureReason } }', { id: u.id })).upload;
          if (st.state === 'COMPLETE') break;
          if (st.state === 'FAILED') throw new Error(st.failureReason || 'the upload failed');
          await new Promise((ok) => { setTimeout(ok, 250); });
        }
        return (await gql('mutation Replace($t: ID!, $u: ID!) { replaceTitleSource(titleId: $t, uploadId: $u) { id status newAssetId } }', { t: id, u: u.id })).replaceTitleSource;
      }, form);
      if (!r) return;
      toast('The new source is processing; the title keeps playing the current one.');
      const a = await panel.follow(r.newAssetId);
      // The switch (or the failure) is recorded just after the asset ends.
      let result = 'PENDING';
      for (let i = 0; i < 80 && root.isConnected; i += 1) {
        const d = await gql('query Replacement($id: ID!) { title(id: $id) { sourceReplacement { id status reason } } }', { id });
        const rep = d.title.sourceReplacement;
        if (rep && rep.id === r.id && rep.status !== 'PENDING') { result = rep.status; break; }
        await new Promise((ok) => { timers.push(setTimeout(ok, 250)); });
      }
      await load();
      document.getElementById(`title-${id}`)?.after(editRow); // keep the panel in view
      form.dataset.result = result;
      toast(result === 'SWITCHED' ? `${t.title} now plays the new source.` : `The new source failed: ${a.failureReason || 'no reason given'}. ${t.title} keeps its current video.`);
    });
    tr.after(editRow);
  }

  async function removeVideo(button, t) {
    const ok = await confirmAction({
      title: `Delete the video of ${t.title}?`, ok: 'Delete video',
      body: 'The title stops playing at once; the video, all its renditions and files are removed and purged from the CDN. This cannot be undone.',
    });
    if (!ok) return;
    const assetId = t.asset.id;
    const d = await run(button, async () => {
      await gql('mutation Detach($id: ID!) { setTitleAsset(id: $id, assetId: null) { id } }', { id: t.id });
      return gql(`mutation DeleteAsset($id: ID!) { deleteMediaAsset(id: $id) { ${ASSET} } }`, { id: assetId });
    });
    if (!d) return;
    await load();
    toast(`The video of ${t.title} is deleted.`);
  }

  function openArtwork(id) {
    document.getElementById('title-edit-row')?.remove();
    const t = titles.get(id);
    const tr = document.getElementById(`title-${id}`);
    if (!t || !tr) return;
    const listing = (art) => h('ul', { id: 'artwork-list', class: 'plain-list' },
      (art || []).map((a) => h('li', { dataset: { role: a.role, size: `${a.width}x${a.height}` } }, h('code', {}, a.role.toLowerCase()), ` ${a.width}×${a.height}`)));
    let list = listing(t.artwork);
    const form = h('form', { id: 'artwork-form', class: 'form', 'aria-label': `Artwork of ${t.title}` },
      h('p', { class: 'hint' }, 'One PNG or JPEG per role; every size the apps need is made from it (posters 2:3, backdrops 16:9 with Apple TV top shelf, thumbnails with Roku posters, logos kept whole).'),
      h('div', { class: 'form-inline' },
        field({ id: 'artwork-role', label: 'Role', type: 'select', value: 'POSTER', options: [['POSTER', 'Poster'], ['BACKDROP', 'Backdrop'], ['THUMBNAIL', 'Thumbnail'], ['LOGO', 'Logo']], attrs: { 'data-field': 'role' } }),
        h('div', { class: 'field' }, h('label', { for: 'artwork-file' }, 'Image'),
          h('input', { type: 'file', id: 'artwork-file', accept: 'image/png,image/jpeg', required: true, 'data-field': 'file' }),
          h('p', { class: 'field-error', id: 'artwork-file-error', hidden: true }))),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', id: 'artwork-start', class: 'btn btn-primary btn-small' }, 'Upload artwork'),
        h('button', { type: 'button', id: 'artwork-cancel', class: 'btn btn-secondary btn-small', onclick: () => editRow.remove() }, 'Close')),
      list);
    const editRow = h('tr', { id: 'title-edit-row', class: 'edit-row' }, h('td', { colspan: COLS }, form));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const file = form.querySelector('#artwork-file').files[0];
      if (!file) return;
      const role = form.querySelector('#artwork-role').value;
      const d = await run(form.querySelector('#artwork-start'), () => gqlUpload(
        `mutation Artwork($t: ID!, $role: ArtworkRole!, $f: Upload!) { uploadTitleArtwork(titleId: $t, role: $role, file: $f) { ${TITLE_L} } }`,
        'f', file, { t: id, role }), form);
      if (!d) return;
      titles.set(id, d.uploadTitleArtwork);
      const next = listing(d.uploadTitleArtwork.artwork);
      list.replaceWith(next);
      list = next;
      toast(`${role.toLowerCase()} artwork is made in ${d.uploadTitleArtwork.artwork.filter((a) => a.role === role).length} sizes.`);
    });
    tr.after(editRow);
  }

  await load();
  return () => { ingest.stop(); for (const t of timers) clearTimeout(t); timers = []; };
}
