// Creators: the people who program collections and make shorts. Create and
// edit them here; their shorts are titles of kind SHORT (the library filters
// them). Writes need the edit permit; the server decides.

import { gql } from '../api.js';
import {
  h, field, run, toast, card, notice, emptyRow, timeEl, roleLabel, confirmAction,
} from '../ui.js';

const CREATOR = 'id handle name bio createdAt collections { id name }';

export async function render(root, app) {
  const canEdit = app.can('edit');
  let creators = [];

  const readonly = notice(`Your role (${roleLabel(app.role())}) can look but not change creators; an editor, admin or owner can.`,
    { id: 'creators-readonly', kind: 'warn' });
  readonly.hidden = canEdit;

  const form = h('form', { id: 'creator-form', class: 'form' },
    h('fieldset', { class: 'fieldset', id: 'creator-fields', disabled: !canEdit },
      h('legend', { class: 'visually-hidden' }, 'Add a creator'),
      h('div', { class: 'form-inline' },
        field({ id: 'creator-handle', label: 'Handle', attrs: { required: true, maxlength: 64, autocomplete: 'off', placeholder: 'janedoe', 'data-field': 'handle' } }),
        field({ id: 'creator-name', label: 'Name', attrs: { required: true, maxlength: 200, 'data-field': 'name' } }),
        field({ id: 'creator-bio', label: 'Bio', attrs: { maxlength: 2000, 'data-field': 'bio' } })),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'creator-create', class: 'btn btn-primary' }, 'Add creator'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value.trim();
    const input = { handle: v('creator-handle'), name: v('creator-name'), bio: v('creator-bio') };
    const d = await run(form.querySelector('#creator-create'), () =>
      gql(`mutation CreateCreator($input: CreateCreatorInput!) { createCreator(input: $input) { ${CREATOR} } }`, { input }), form);
    if (!d) return;
    form.reset();
    creators = [d.createCreator, ...creators];
    paint();
    toast(`${d.createCreator.name} is added.`);
  });

  const tbody = h('tbody', { id: 'creator-list' });

  function paint() {
    tbody.replaceChildren(...(creators.length ? creators.map((c) => h('tr', { id: `creator-${c.id}`, dataset: { handle: c.handle } },
      h('td', {}, h('code', {}, `@${c.handle}`)),
      h('td', {}, c.name, c.bio ? h('div', { class: 'muted' }, c.bio) : null),
      h('td', {}, c.collections.map((x) => x.name).join(', ') || '—'),
      h('td', {}, timeEl(c.createdAt)),
      h('td', { class: 'actions' }, canEdit ? h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: `edit-creator-${c.id}`, onclick: () => openEdit(c.id) }, 'Edit'),
        h('button', { type: 'button', class: 'btn btn-danger-ghost btn-small', id: `delete-creator-${c.id}`, onclick: (e) => remove(e.currentTarget, c) }, 'Delete')) : null)))
      : [emptyRow(5, 'No creators yet.')]));
  }

  async function remove(button, c) {
    if (!await confirmAction({ title: `Delete @${c.handle}?`, ok: 'Delete creator', body: 'Their titles and collections stay, without an owner.' })) return;
    if (!await run(button, () => gql('mutation DeleteCreator($id: ID!) { deleteCreator(id: $id) }', { id: c.id }))) return;
    creators = creators.filter((x) => x.id !== c.id);
    paint();
    toast(`@${c.handle} is deleted.`);
  }

  function openEdit(id) {
    document.getElementById('creator-edit-row')?.remove();
    const c = creators.find((x) => x.id === id);
    const tr = document.getElementById(`creator-${id}`);
    if (!c || !tr) return;
    const edit = h('form', { id: 'creator-edit-form', class: 'form', 'aria-label': `Edit @${c.handle}` },
      h('div', { class: 'form-inline' },
        field({ id: 'creator-edit-handle', label: 'Handle', value: c.handle, attrs: { required: true, 'data-field': 'handle' } }),
        field({ id: 'creator-edit-name', label: 'Name', value: c.name, attrs: { required: true, 'data-field': 'name' } }),
        field({ id: 'creator-edit-bio', label: 'Bio', value: c.bio, attrs: { 'data-field': 'bio' } })),
      h('div', { class: 'form-actions' },
        h('button', { type: 'submit', id: 'creator-edit-save', class: 'btn btn-primary btn-small' }, 'Save'),
        h('button', { type: 'button', id: 'creator-edit-cancel', class: 'btn btn-secondary btn-small', onclick: () => row.remove() }, 'Cancel')));
    const row = h('tr', { id: 'creator-edit-row', class: 'edit-row' }, h('td', { colspan: 5 }, edit));
    edit.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = (x) => edit.querySelector(`#${x}`).value.trim();
      const input = { handle: v('creator-edit-handle'), name: v('creator-edit-name'), bio: v('creator-edit-bio') };
      const d = await run(edit.querySelector('#creator-edit-save'), () =>
        gql(`mutation UpdateCreator($id: ID!, $input: UpdateCreatorInput!) { updateCreator(id: $id, input: $input) { ${CREATOR} } }`, { id, input }), edit);
      if (!d) return;
      creators = creators.map((x) => (x.id === id ? d.updateCreator : x));
      paint();
      toast(`@${d.updateCreator.handle} is saved.`);
    });
    tr.after(row);
    edit.querySelector('#creator-edit-handle').focus();
  }

  root.append(readonly,
    card('Creators', {
      id: 'creators-card',
      description: 'Their shorts are titles of kind Short, vertical by default: see Library → Vertical shorts.',
    }, h('table', { class: 'table', id: 'creator-table' },
      h('thead', {}, h('tr', {}, ['Handle', 'Name', 'Collections', 'Added', ''].map((c) => h('th', { scope: 'col' }, c)))),
      tbody)),
    card('New creator', { id: 'creator-create-card' }, form));

  const d = await gql(`query Creators { creators(first: 200) { edges { node { ${CREATOR} } } } }`);
  creators = d.creators.edges.map((e) => e.node);
  paint();
  tbody.dataset.loaded = 'true';
}
