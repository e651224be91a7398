// Collections and rails: hand-picked collections of titles, put in order by
// drag and drop or with up/down buttons (setCollectionItems), and the home
// page's rails, each showing a collection, in order (moveRail). Writes need
// the edit permit; the server decides.

import { gql } from '../api.js';
import {
  h, field, run, toast, card, notice, confirmAction, roleLabel, showError,
} from '../ui.js';
import { reorderable, moved, statusPill } from './catalog.js';

const ITEM = 'id title kind status';
const COLLECTION = `id kind name description items(first: 200) { edges { node { ${ITEM} } } }`;
const RAIL = 'id position heading collection { id name }';

export async function render(root, app, params) {
  const canEdit = app.can('edit');
  let collections = []; // newest first
  let rails = [];
  let titles = [];
  let selected = params.get('collection') || '';

  const readonly = notice(`Your role (${roleLabel(app.role())}) can look but not change collections or rails; an editor, admin or owner can.`,
    { id: 'rails-readonly', kind: 'warn' });
  readonly.hidden = canEdit;

  // Collections.
  const collectionForm = h('form', { id: 'collection-form', class: 'form' },
    h('fieldset', { class: 'fieldset', id: 'collection-fields', disabled: !canEdit },
      h('legend', { class: 'visually-hidden' }, 'Create a collection'),
      h('div', { class: 'form-inline' },
        field({ id: 'collection-name', label: 'Name', attrs: { required: true, maxlength: 200, autocomplete: 'off', 'data-field': 'name' } }),
        field({ id: 'collection-description', label: 'Description', attrs: { maxlength: 2000, 'data-field': 'description' } }),
        h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'collection-create', class: 'btn btn-primary' }, 'Create collection')))));
  collectionForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = {
      name: collectionForm.querySelector('#collection-name').value.trim(),
      description: collectionForm.querySelector('#collection-description').value.trim(),
    };
    const d = await run(collectionForm.querySelector('#collection-create'), () =>
      gql(`mutation CreateCollection($input: CreateCollectionInput!) { createCollection(input: $input) { ${COLLECTION} } }`, { input }), collectionForm);
    if (!d) return;
    collectionForm.reset();
    collections = [d.createCollection, ...collections];
    selected = d.createCollection.id;
    paintCollections();
    paintRailForm();
    toast(`Collection ${d.createCollection.name} is created.`);
  });

  const collectionList = h('ul', { id: 'collection-list', class: 'plain-list' });
  const editor = h('div', { id: 'collection-editor' });

  function paintCollections() {
    collectionList.replaceChildren(...(collections.length ? collections.map((c) => h('li', { id: `collection-${c.id}`, dataset: { name: c.name } },
      h('button', {
        type: 'button', class: 'btn btn-link', id: `open-collection-${c.id}`, 'aria-pressed': String(c.id === selected),
        onclick: () => { selected = c.id; paintCollections(); },
      }, c.name),
      ' ', h('span', { class: 'muted' }, `${c.items.edges.length} title${c.items.edges.length === 1 ? '' : 's'}${c.kind === 'RULE' ? ' · rule-based' : ''}`)))
      : [h('li', { class: 'muted' }, 'No collections yet.')]));
    paintEditor();
  }

  function paintEditor() {
    const c = collections.find((x) => x.id === selected);
    if (!c) { editor.replaceChildren(); return; }
    const items = c.items.edges.map((e) => e.node);
    const ids = items.map((t) => t.id);
    const manual = c.kind === 'MANUAL';
    const editable = canEdit && manual;
    const setItems = async (next, button) => {
      const d = await run(button, () => gql(`mutation SetCollectionItems($id: ID!, $titleIds: [ID!]!) { setCollectionItems(id: $id, titleIds: $titleIds) { ${COLLECTION} } }`, { id: c.id, titleIds: next }));
      if (!d) return false;
      collections = collections.map((x) => (x.id === c.id ? d.setCollectionItems : x));
      paintCollections();
      return true;
    };
    const choices = titles.filter((t) => !ids.includes(t.id));
    const add = h('form', { id: 'collection-add-form', class: 'form' },
      h('fieldset', { class: 'fieldset', id: 'collection-add-fields', disabled: !editable },
        h('legend', { class: 'visually-hidden' }, `Add a title to ${c.name}`),
        h('div', { class: 'form-inline' },
          field({ id: 'collection-add-title', label: 'Add a title', type: 'select', options: choices.map((t) => [t.id, `${t.title} (${t.kind.toLowerCase()}, ${t.status.toLowerCase()})`]) }),
          h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'collection-add', class: 'btn btn-secondary', disabled: !choices.length }, 'Add')))));
    add.addEventListener('submit', async (e) => {
      e.preventDefault();
      const id = add.querySelector('#collection-add-title').value;
      if (!id) return;
      if (await setItems([...ids, id], add.querySelector('#collection-add'))) {
        document.getElementById('collection-add-title')?.focus();
      }
    });
    const itemList = reorderable({
      id: 'collection-items', prefix: 'item', items, canEdit: editable,
      label: (t) => t.title,
      extra: (t) => h('span', {}, ' ', statusPill(t.status)),
      move: async (id, to, button) => {
        if (await setItems(moved(ids, id, to), button)) {
          const next = document.getElementById(`item-${to < ids.indexOf(id) ? 'up' : 'down'}-${id}`);
          if (next && !next.disabled) next.focus();
        }
      },
      remove: (id, button) => setItems(ids.filter((x) => x !== id), button),
    });
    itemList.dataset.order = ids.join(',');
    editor.replaceChildren(h('div', {},
      h('h3', { id: 'collection-editor-title' }, c.name),
      c.description ? h('p', { class: 'muted' }, c.description) : null,
      manual ? null : notice('A rule-based collection picks its own titles.', { kind: 'info' }),
      items.length ? itemList : h('p', { class: 'muted', id: 'collection-items-empty' }, 'No titles yet.'),
      manual ? add : null,
      editable ? h('p', { class: 'hint' }, 'Drag titles to reorder them, or use Up and Down.') : null,
      canEdit ? h('div', { class: 'form-actions' }, h('button', {
        type: 'button', id: 'collection-delete', class: 'btn btn-danger-ghost btn-small',
        onclick: async (e) => {
          const ok = await confirmAction({ title: `Delete ${c.name}?`, ok: 'Delete collection', body: 'The rails that show it go with it. Its titles stay.' });
          if (!ok) return;
          if (!await run(e.target, () => gql('mutation DeleteCollection($id: ID!) { deleteCollection(id: $id) }', { id: c.id }))) return;
          collections = collections.filter((x) => x.id !== c.id);
          selected = '';
          paintCollections();
          await loadRails();
          paintRailForm();
          toast(`${c.name} is deleted.`);
        },
      }, 'Delete collection')) : null));
  }

  // Rails.
  const railForm = h('form', { id: 'rail-form', class: 'form' });
  function paintRailForm() {
    railForm.replaceChildren(h('fieldset', { class: 'fieldset', id: 'rail-fields', disabled: !canEdit },
      h('legend', { class: 'visually-hidden' }, 'Add a rail'),
      h('div', { class: 'form-inline' },
        field({ id: 'rail-collection', label: 'Collection', type: 'select', value: selected, options: collections.map((c) => [c.id, c.name]), attrs: { required: true, 'data-field': 'collectionId' } }),
        field({ id: 'rail-heading', label: 'Heading', hint: "Empty shows the collection's name.", attrs: { maxlength: 200, autocomplete: 'off', 'data-field': 'heading' } }),
        h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'rail-create', class: 'btn btn-primary', disabled: !collections.length }, 'Add rail')))));
  }
  railForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = { collectionId: railForm.querySelector('#rail-collection').value, heading: railForm.querySelector('#rail-heading').value.trim() };
    const d = await run(railForm.querySelector('#rail-create'), () =>
      gql(`mutation CreateRail($input: CreateRailInput!) { createRail(input: $input) { ${RAIL} } }`, { input }), railForm);
    if (!d) return;
    railForm.querySelector('#rail-heading').value = '';
    await loadRails();
    toast('The rail is added at the end of the home page.');
  });

  const railBox = h('div', { id: 'rail-box' });
  function paintRails() {
    const ids = rails.map((r) => r.id);
    const railList = reorderable({
      id: 'rail-list', prefix: 'rail', items: rails, canEdit,
      label: (r) => r.heading || r.collection.name,
      extra: (r) => h('span', { class: 'muted' }, r.heading ? ` (${r.collection.name})` : ''),
      move: async (id, to, button) => {
        const at = Math.max(0, Math.min(to, rails.length - 1));
        const d = await run(button, () => gql(`mutation MoveRail($id: ID!, $position: Int!) { moveRail(id: $id, position: $position) { ${RAIL} } }`, { id, position: at }));
        if (!d) return;
        await loadRails();
        const next = document.getElementById(`rail-${at < ids.indexOf(id) ? 'up' : 'down'}-${id}`);
        if (next && !next.disabled) next.focus();
      },
      remove: async (id, button) => {
        const ok = await confirmAction({ title: 'Remove this rail?', ok: 'Remove rail', body: 'The home page stops showing it; the collection stays.' });
        if (!ok) return;
        if (!await run(button, () => gql('mutation DeleteRail($id: ID!) { deleteRail(id: $id) }', { id }))) return;
        await loadRails();
      },
    });
    railList.dataset.order = ids.join(',');
    railBox.replaceChildren(rails.length ? railList : h('p', { class: 'muted', id: 'rail-empty' }, 'No rails yet: the home page is empty.'));
  }

  async function loadRails() {
    try {
      const d = await gql(`query Rails { rails(first: 200) { edges { node { ${RAIL} } } } }`);
      rails = d.rails.edges.map((e) => e.node);
      paintRails();
    } catch (err) {
      showError(err);
    }
    railBox.dataset.loaded = 'true';
  }

  root.append(
    readonly,
    card('Collections', { id: 'collections', description: 'Hand-picked sets of titles, in the order the apps show them.' },
      collectionForm,
      h('div', { class: 'split' }, collectionList, editor)),
    card('Home page rails', { id: 'rails', description: 'The rows of the home page, top to bottom. Drag them, or use Up and Down.' },
      railForm, railBox));

  const d = await gql(`query RailsPage {
    collections(first: 200) { edges { node { ${COLLECTION} } } }
    titles(first: 200) { edges { node { ${ITEM} } } }
  }`);
  collections = d.collections.edges.map((e) => e.node);
  titles = d.titles.edges.map((e) => e.node);
  if (!collections.some((c) => c.id === selected)) selected = collections[0]?.id || '';
  paintCollections();
  paintRailForm();
  collectionList.dataset.loaded = 'true';
  await loadRails();
}
