// Tracks of a media asset: its audio and caption tracks, its poster and
// trick-play keys. An editor edits a caption's WebVTT text, replaces it with
// a caption upload, adds a caption upload as a new track or removes one; each
// change is republished (new WebVTT files, the HLS master playlist and the
// DASH MPD; no re-encoding) and the card shows "Republishing…" until the
// asset's package carries it.

import { gql } from '../api.js';
import { h, field, run, toast, card, emptyRow, showError } from '../ui.js';

const TRACK = 'id kind language name trackKind revision webvtt';
const ASSET = `query AssetTracks($id: ID!) { mediaAsset(id: $id) { id status captionsPublished posterKey thumbnailsKey
  trickPlay { intervalSeconds count tileWidth tileHeight columns rows spriteKeys } tracks { ${TRACK} } } }`;

// tracksCard returns the card and open(assetId), which loads an asset into it.
// lastCaption() is the id of the caption upload finished last on the page.
export function tracksCard({ canEdit, lastCaption, timers }) {
  let assetId = '';
  const tbody = h('tbody', { id: 'track-list' });
  const published = h('output', { id: 'tracks-published', 'aria-live': 'polite', dataset: { published: '' } });
  const images = h('p', { id: 'asset-images', class: 'muted' });
  const pick = h('form', { id: 'tracks-asset-form', class: 'form' },
    h('div', { class: 'form-inline' },
      field({ id: 'tracks-asset', label: 'Asset ID', attrs: { autocomplete: 'off', maxlength: 36 } }),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'tracks-load', class: 'btn btn-secondary' }, 'Show tracks'))));
  pick.addEventListener('submit', (e) => { e.preventDefault(); open(pick.querySelector('#tracks-asset').value.trim()); });

  const add = h('div', { class: 'form-actions' },
    h('button', {
      type: 'button', id: 'track-add', class: 'btn btn-secondary btn-small', disabled: !canEdit,
      onclick: async (e) => {
        const upload = lastCaption();
        if (!upload) { toast('Upload a captions file first (Captions, below).'); return; }
        const d = await run(e.currentTarget, () => gql(`mutation AddTrack($a: ID!, $u: ID!) { addAssetTrack(assetId: $a, uploadId: $u) { ${TRACK} } }`, { a: assetId, u: upload }));
        if (d) { toast(`${d.addAssetTrack.name} is added; republishing.`); await refresh(); }
      },
    }, 'Add the last captions upload as a track'));

  function row(t) {
    const caption = t.kind === 'CAPTION';
    const btn = (id, text, onclick, cls = 'btn btn-secondary btn-small') => h('button', { type: 'button', id, class: cls, onclick }, text);
    return h('tr', { id: `track-${t.id}`, dataset: { kind: t.kind, revision: String(t.revision) } },
      h('td', {}, h('strong', {}, t.name)),
      h('td', {}, t.kind.toLowerCase(), t.trackKind ? h('span', { class: 'muted' }, ` ${t.trackKind.toLowerCase().replace('_', ' ')}`) : null),
      h('td', {}, h('code', {}, t.language)),
      h('td', {}, caption ? `r${t.revision}` : '—'),
      h('td', { class: 'actions' }, canEdit && caption ? h('div', { class: 'row-actions' },
        btn(`track-edit-${t.id}`, 'Edit text', () => openEdit(t)),
        btn(`track-replace-${t.id}`, 'Replace with last upload', (e) => replace(e.currentTarget, t, { uploadId: lastCaption() })),
        btn(`track-remove-${t.id}`, 'Remove', (e) => remove(e.currentTarget, t), 'btn btn-danger-ghost btn-small')) : null));
  }

  function openEdit(t) {
    document.getElementById('track-edit-row')?.remove();
    const area = h('textarea', { id: 'track-edit-text', rows: 10, class: 'mono', 'aria-label': `WebVTT text of ${t.name}` });
    area.value = t.webvtt || '';
    const editRow = h('tr', { id: 'track-edit-row', class: 'edit-row' }, h('td', { colspan: 5 },
      area,
      h('div', { class: 'form-actions' },
        h('button', { type: 'button', id: 'track-edit-save', class: 'btn btn-primary btn-small', onclick: (e) => replace(e.currentTarget, t, { webvtt: area.value }) }, 'Save and republish'),
        h('button', { type: 'button', id: 'track-edit-cancel', class: 'btn btn-secondary btn-small', onclick: () => editRow.remove() }, 'Cancel'))));
    document.getElementById(`track-${t.id}`)?.after(editRow);
    area.focus();
  }

  async function replace(button, t, text) {
    if (text.uploadId === '') { toast('Upload a captions file first (Captions, below).'); return; }
    const d = await run(button, () => gql(`mutation ReplaceCaption($t: ID!, $u: ID, $v: String) { replaceCaptionText(trackId: $t, uploadId: $u, webvtt: $v) { ${TRACK} } }`,
      { t: t.id, u: text.uploadId ?? null, v: text.webvtt ?? null }));
    if (!d) return;
    toast(`${t.name} is now revision ${d.replaceCaptionText.revision}; republishing.`);
    await refresh();
  }

  async function remove(button, t) {
    const d = await run(button, () => gql('mutation RemoveTrack($t: ID!) { removeAssetTrack(trackId: $t) { id } }', { t: t.id }));
    if (!d) return;
    toast(`${t.name} is removed; republishing.`);
    await refresh();
  }

  function paint(a) {
    tbody.replaceChildren(...(a.tracks.length ? a.tracks.map(row) : [emptyRow(5, 'No audio or caption tracks.')]));
    published.dataset.published = String(a.captionsPublished);
    published.textContent = a.status !== 'READY' ? `The asset is ${a.status}.`
      : a.captionsPublished ? 'Published: the package carries these captions.' : 'Republishing…';
    images.textContent = a.posterKey
      ? `Poster ${a.posterKey}; trick-play ${a.trickPlay.count} thumbnails every ${a.trickPlay.intervalSeconds} s, ${a.trickPlay.tileWidth}×${a.trickPlay.tileHeight} tiles on ${a.trickPlay.spriteKeys.length} sheet(s), track ${a.thumbnailsKey}.`
      : 'No poster or trick-play images yet.';
  }

  // refresh reads the asset, and again while a change is being republished.
  async function refresh() {
    tbody.dataset.loaded = 'false';
    for (let i = 0; i < 60 && tbody.isConnected; i += 1) {
      let a;
      try {
        a = (await gql(ASSET, { id: assetId })).mediaAsset;
      } catch (err) {
        showError(err);
        break;
      }
      paint(a);
      tbody.dataset.loaded = 'true';
      if (a.captionsPublished || a.status !== 'READY') return;
      await new Promise((r) => { timers.push(setTimeout(r, 500)); });
    }
    tbody.dataset.loaded = 'true';
  }

  async function open(id) {
    if (!id) return;
    assetId = id;
    pick.querySelector('#tracks-asset').value = id;
    await refresh();
  }

  const el = card('Asset tracks', { id: 'library-tracks', description: 'Audio and caption tracks of an ingested asset. Caption edits are republished without re-encoding.' },
    pick,
    h('table', { class: 'table', id: 'track-table' },
      h('thead', {}, h('tr', {}, ['Track', 'Kind', 'Language', 'Text', ''].map((c) => h('th', { scope: 'col' }, c)))),
      tbody),
    published, add, images);
  return { el, open };
}
