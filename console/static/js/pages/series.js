// Series and seasons: create a series, add its seasons, list each season's
// episodes (titles of kind EPISODE) and add one, publish or unpublish the
// series. Writes need the edit permit; the server decides.

import { gql } from '../api.js';
import {
  h, field, run, toast, card, notice, emptyRow, timeEl, roleLabel, confirmAction,
} from '../ui.js';
import { statusPill } from './catalog.js';

const EPISODE = 'id title status episodeNumber';
const SERIES = `id status defaultLanguage title synopsis createdAt publishedAt
  seasons { id number name synopsis episodes { ${EPISODE} } }`;

export async function render(root, app, params) {
  const canEdit = app.can('edit');
  let all = [];
  let selected = params.get('series') || '';

  const readonly = notice(`Your role (${roleLabel(app.role())}) can look but not change series; an editor, admin or owner can.`,
    { id: 'series-readonly', kind: 'warn' });
  readonly.hidden = canEdit;

  const form = h('form', { id: 'series-form', class: 'form' },
    h('fieldset', { class: 'fieldset', id: 'series-fields', disabled: !canEdit },
      h('legend', { class: 'visually-hidden' }, 'Create a series'),
      h('div', { class: 'form-inline' },
        field({ id: 'series-language', label: 'Default language', value: 'en', attrs: { required: true, maxlength: 35, 'data-field': 'defaultLanguage' } }),
        field({ id: 'series-name', label: 'Title', attrs: { required: true, maxlength: 300, autocomplete: 'off', 'data-field': 'title' } }),
        field({ id: 'series-synopsis', label: 'Synopsis', attrs: { 'data-field': 'synopsis' } })),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'series-create', class: 'btn btn-primary' }, 'Create series'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const language = form.querySelector('#series-language').value.trim() || 'en';
    const input = {
      defaultLanguage: language,
      localizations: [{ language, title: form.querySelector('#series-name').value.trim(), synopsis: form.querySelector('#series-synopsis').value.trim() }],
    };
    const d = await run(form.querySelector('#series-create'), () =>
      gql(`mutation CreateSeries($input: CreateSeriesInput!) { createSeries(input: $input) { ${SERIES} } }`, { input }), form);
    if (!d) return;
    form.reset();
    all = [d.createSeries, ...all];
    selected = d.createSeries.id;
    paint();
    toast(`${d.createSeries.title} is created as a draft.`);
  });

  const tbody = h('tbody', { id: 'series-list' });
  const detail = h('div', { id: 'series-detail' });

  const replace = (s) => { all = all.map((x) => (x.id === s.id ? s : x)); paint(); };

  async function publish(button, s, on) {
    const op = on ? 'publishSeries' : 'unpublishSeries';
    const d = await run(button, () => gql(`mutation PublishSeries($id: ID!) { ${op}(id: $id) { ${SERIES} } }`, { id: s.id }));
    if (!d) return;
    replace(d[op]);
    toast(`${s.title} is ${on ? 'published' : 'unpublished'}.`);
  }

  function paint() {
    tbody.replaceChildren(...(all.length ? all.map((s) => h('tr', { id: `series-${s.id}`, dataset: { title: s.title, status: s.status }, 'aria-current': s.id === selected ? 'true' : null },
      h('td', {}, h('button', { type: 'button', class: 'btn btn-link', id: `open-series-${s.id}`, onclick: () => { selected = s.id; paint(); } }, s.title)),
      h('td', {}, statusPill(s.status, `series-status-${s.id}`)),
      h('td', {}, String(s.seasons.length)),
      h('td', {}, timeEl(s.createdAt)),
      h('td', { class: 'actions' }, canEdit ? (s.status === 'PUBLISHED'
        ? h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: `unpublish-series-${s.id}`, onclick: (e) => publish(e.currentTarget, s, false) }, 'Unpublish')
        : h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: `publish-series-${s.id}`, onclick: (e) => publish(e.currentTarget, s, true) }, 'Publish')) : null)))
      : [emptyRow(5, 'No series yet.')]));
    paintDetail();
  }

  async function reload(id) {
    const d = await gql(`query OneSeries($id: ID!) { series(id: $id) { ${SERIES} } }`, { id });
    replace(d.series);
  }

  function paintDetail() {
    const s = all.find((x) => x.id === selected);
    if (!s) { detail.replaceChildren(); return; }
    const seasonForm = h('form', { id: 'season-form', class: 'form' },
      h('fieldset', { class: 'fieldset', id: 'season-fields', disabled: !canEdit },
        h('legend', {}, `Add a season to ${s.title}`),
        h('div', { class: 'form-inline' },
          field({ id: 'season-number', label: 'Number', type: 'number', value: String((s.seasons.at(-1)?.number || 0) + 1), attrs: { required: true, min: 0, 'data-field': 'number' } }),
          field({ id: 'season-name', label: 'Name', attrs: { maxlength: 200, 'data-field': 'name' } }),
          h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'season-create', class: 'btn btn-secondary' }, 'Add season')))));
    seasonForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const input = { number: Number(seasonForm.querySelector('#season-number').value), name: seasonForm.querySelector('#season-name').value.trim() };
      const d = await run(seasonForm.querySelector('#season-create'), async () => {
        await gql('mutation CreateSeason($seriesId: ID!, $input: CreateSeasonInput!) { createSeason(seriesId: $seriesId, input: $input) { id } }', { seriesId: s.id, input });
        await reload(s.id);
        return true;
      }, seasonForm);
      if (d) toast(`Season ${input.number} is added.`);
    });

    const seasons = s.seasons.map((season) => {
      const epForm = h('form', { id: `episode-form-${season.id}`, class: 'form' },
        h('fieldset', { class: 'fieldset', disabled: !canEdit },
          h('legend', { class: 'visually-hidden' }, `Add an episode to season ${season.number}`),
          h('div', { class: 'form-inline' },
            field({ id: `episode-number-${season.id}`, label: 'Episode number', type: 'number', value: String((season.episodes.at(-1)?.episodeNumber || 0) + 1), attrs: { min: 1, 'data-field': 'episodeNumber' } }),
            field({ id: `episode-title-${season.id}`, label: 'Episode title', attrs: { required: true, maxlength: 300, 'data-field': 'title' } }),
            h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: `episode-create-${season.id}`, class: 'btn btn-secondary btn-small' }, 'Add episode')))));
      epForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        const input = {
          kind: 'EPISODE', defaultLanguage: s.defaultLanguage, seasonId: season.id,
          episodeNumber: Number(epForm.querySelector(`#episode-number-${season.id}`).value),
          localizations: [{ language: s.defaultLanguage, title: epForm.querySelector(`#episode-title-${season.id}`).value.trim() }],
        };
        const ok = await run(epForm.querySelector(`#episode-create-${season.id}`), async () => {
          await gql('mutation CreateEpisode($input: CreateTitleInput!) { createTitle(input: $input) { id } }', { input });
          await reload(s.id);
          return true;
        }, epForm);
        if (ok) toast('The episode is added as a draft; publish it from the library.');
      });
      return h('section', { class: 'season', id: `season-${season.id}`, dataset: { number: String(season.number) } },
        h('h4', {}, `Season ${season.number}${season.name ? `: ${season.name}` : ''}`),
        h('ol', { class: 'plain-list', id: `episodes-${season.id}` },
          season.episodes.length ? season.episodes.map((ep) => h('li', { id: `episode-${ep.id}`, dataset: { title: ep.title } },
            `${ep.episodeNumber ?? '—'}. ${ep.title} `, statusPill(ep.status)))
            : h('li', { class: 'muted' }, 'No episodes yet.')),
        epForm,
        canEdit && !season.episodes.length ? h('button', {
          type: 'button', class: 'btn btn-danger-ghost btn-small', id: `delete-season-${season.id}`,
          onclick: async (e) => {
            if (!await confirmAction({ title: `Delete season ${season.number}?`, ok: 'Delete season', body: 'It has no episodes.' })) return;
            if (await run(e.target, async () => { await gql('mutation DeleteSeason($id: ID!) { deleteSeason(id: $id) }', { id: season.id }); await reload(s.id); return true; })) {
              toast(`Season ${season.number} is deleted.`);
            }
          },
        }, 'Delete season') : null);
    });
    detail.replaceChildren(h('div', {}, h('h3', { id: 'series-detail-title' }, s.title),
      s.synopsis ? h('p', { class: 'muted' }, s.synopsis) : null,
      seasons.length ? seasons : h('p', { class: 'muted' }, 'No seasons yet.'),
      seasonForm));
  }

  root.append(readonly,
    card('Series', { id: 'series-card', description: 'Shows with seasons of episodes.' },
      h('table', { class: 'table', id: 'series-table' },
        h('thead', {}, h('tr', {}, ['Series', 'Status', 'Seasons', 'Created', ''].map((c) => h('th', { scope: 'col' }, c)))),
        tbody),
      detail),
    card('New series', { id: 'series-create-card' }, form));

  const d = await gql(`query SeriesList { seriesList(first: 100) { edges { node { ${SERIES} } } } }`);
  all = d.seriesList.edges.map((e) => e.node);
  if (!all.some((s) => s.id === selected)) selected = all[0]?.id || '';
  paint();
  tbody.dataset.loaded = 'true';
}
