// Branding: the app name, colours and logo of the tenant's apps, with a live
// preview of an app screen that follows every keystroke, and the logo shown
// from the chosen file before it is uploaded.

import { gql, upload, ApiError, TENANT } from '../api.js';
import { h, field, run, toast, card, notice, showError, roleLabel } from '../ui.js';

const COLORS = [
  ['primaryColor', 'branding-primary', 'Primary colour', 'Buttons and highlights.'],
  ['accentColor', 'branding-accent', 'Accent colour', 'Progress bars, badges and links.'],
  ['backgroundColor', 'branding-background', 'Background colour', 'Behind everything.'],
];
const HEX = /^#[0-9a-fA-F]{6}$/;
const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/gif'];
const LOGO_MAX = 2 << 20;

// WCAG relative luminance and contrast ratio.
function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((m, n) => n - m);
  return (x + 0.05) / (y + 0.05);
}

/** textOn picks black or white text, whichever reads better on hex. */
export function textOn(hex) {
  return contrast(hex, '#000000') >= contrast(hex, '#ffffff') ? '#000000' : '#ffffff';
}

export function render(root, app) {
  const canEdit = app.can('edit');
  let saved = { ...app.session.tenant.branding };
  const draft = { ...saved };
  let logoFile = null;
  let objectURL = '';

  // The form.
  const colorFields = COLORS.map(([key, id, label, hint]) => h('div', { class: 'field color-field' },
    h('label', { for: id }, label),
    h('div', { class: 'color-inputs' },
      h('input', { type: 'color', id, name: id, value: draft[key].toLowerCase(), 'data-key': key, 'aria-describedby': `${id}-hint ${id}-hex-error` }),
      h('label', { for: `${id}-hex`, class: 'visually-hidden' }, `${label}, as a hex code`),
      h('input', {
        type: 'text', id: `${id}-hex`, name: `${id}-hex`, value: draft[key], 'data-key': key, 'data-field': key,
        pattern: '#[0-9a-fA-F]{6}', maxlength: 7, spellcheck: 'false', autocapitalize: 'off', class: 'hex-input',
        'aria-describedby': `${id}-hex-error`,
      })),
    h('p', { class: 'hint', id: `${id}-hint` }, hint),
    h('p', { class: 'field-error', id: `${id}-hex-error`, hidden: true })));

  const logoInput = field({
    id: 'branding-logo', label: 'Logo', type: 'file', hint: 'PNG, JPEG or GIF, at most 2 MiB. Shown in the preview before you upload it.',
    attrs: { accept: LOGO_TYPES.join(',') },
  });
  const uploadButton = h('button', { type: 'button', id: 'branding-logo-upload', class: 'btn btn-secondary', disabled: true }, 'Upload logo');
  const status = h('span', { id: 'branding-status', class: 'muted', role: 'status' }, 'No unsaved changes');

  const fields = h('fieldset', { id: 'branding-fields', class: 'fieldset', disabled: !canEdit },
    h('legend', { class: 'visually-hidden' }, 'Branding'),
    field({
      id: 'branding-app-name', label: 'App name', value: draft.appName, hint: 'What viewers see on their home screens. Up to 60 characters.',
      attrs: { required: true, maxlength: 60, 'data-key': 'appName', 'data-field': 'appName' },
    }),
    colorFields,
    h('div', { class: 'logo-row' }, logoInput, uploadButton),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', id: 'branding-save', class: 'btn btn-primary' }, 'Save changes'),
      h('button', { type: 'button', id: 'branding-reset', class: 'btn btn-secondary' }, 'Discard changes'),
      status));

  const form = h('form', { id: 'branding-form', class: 'form', novalidate: true },
    canEdit ? null : notice(`Your role (${roleLabel(app.role())}) can look at the branding but not change it.`, { id: 'branding-readonly', kind: 'warn' }),
    fields);

  // The preview: a mock app screen.
  const previewLogo = h('img', { id: 'preview-logo', alt: '', hidden: true });
  const monogram = h('span', { id: 'preview-monogram', class: 'preview-monogram', 'aria-hidden': 'true' });
  const previewName = h('span', { id: 'preview-app-name', class: 'preview-app-name' });
  const play = h('span', { id: 'preview-play', class: 'preview-play' }, '▶ Play');
  const preview = h('div', { id: 'preview-app', class: 'preview-app', role: 'img', 'aria-label': 'Preview of your app' },
    h('div', { class: 'preview-header' }, previewLogo, monogram, previewName,
      h('span', { class: 'preview-nav' }, h('span', {}, 'Home'), h('span', {}, 'Movies'), h('span', {}, 'Live'))),
    h('div', { class: 'preview-hero' },
      h('span', { class: 'preview-badge', id: 'preview-badge' }, 'NEW'),
      h('div', { class: 'preview-hero-title' }, 'The Midnight Signal'),
      h('div', { class: 'preview-hero-meta' }, '2025 · Drama · 1h 52m'),
      h('div', { class: 'preview-actions' }, play, h('span', { class: 'preview-secondary', id: 'preview-secondary' }, '+ My list'))),
    h('div', { class: 'preview-rail-title' }, 'Continue watching'),
    h('div', { class: 'preview-rail' }, [0.7, 0.35, 0.9, 0.15].map((p, i) =>
      h('div', { class: `preview-tile tile-${i}` },
        h('div', { class: 'preview-progress' }, h('div', { class: 'preview-progress-bar', dataset: { progress: String(p) } }))))));
  for (const bar of preview.querySelectorAll('.preview-progress-bar')) bar.style.width = `${bar.dataset.progress * 100}%`;
  const contrastNote = h('p', { id: 'preview-contrast', class: 'hint', 'aria-live': 'polite' });
  const previewCard = card('Live preview', { id: 'branding-preview', description: 'How your apps look with these settings.' },
    h('div', { class: 'preview-device' }, preview), contrastNote,
    h('p', { class: 'hint' }, 'Your hosted web app: ', h('a', { href: app.session.tenant.hostedAppURL, target: '_blank', rel: 'noopener', id: 'branding-hosted-url' }, app.session.tenant.hostedAppURL)));

  function paint() {
    const valid = (c, fallback) => (HEX.test(c) ? c : fallback);
    const bg = valid(draft.backgroundColor, saved.backgroundColor);
    const primary = valid(draft.primaryColor, saved.primaryColor);
    const accent = valid(draft.accentColor, saved.accentColor);
    const s = preview.style;
    s.setProperty('--app-bg', bg);
    s.setProperty('--app-fg', textOn(bg));
    s.setProperty('--app-primary', primary);
    s.setProperty('--app-on-primary', textOn(primary));
    s.setProperty('--app-accent', accent);
    s.setProperty('--app-on-accent', textOn(accent));
    previewName.textContent = draft.appName.trim() || saved.appName;
    monogram.textContent = (draft.appName.trim() || saved.appName).slice(0, 1).toUpperCase();
    const logo = objectURL || saved.logoURL || '';
    previewLogo.hidden = !logo;
    monogram.hidden = !!logo;
    if (logo && previewLogo.getAttribute('src') !== logo) previewLogo.src = logo;
    const text = contrast(textOn(bg), bg);
    const button = contrast(primary, bg);
    contrastNote.textContent = `Contrast: text on background ${text.toFixed(1)}:1; play button against background ${button.toFixed(1)}:1`
      + (button < 3 ? ' (low: buttons may be hard to see).' : '.');
    const dirty = ['appName', 'primaryColor', 'accentColor', 'backgroundColor'].some((k) => draft[k] !== saved[k]);
    status.textContent = dirty ? 'Unsaved changes' : 'No unsaved changes';
    status.dataset.dirty = dirty ? 'true' : 'false';
  }

  function setInputs() {
    form.querySelector('#branding-app-name').value = draft.appName;
    for (const [key, id] of COLORS) {
      form.querySelector(`#${id}`).value = draft[key].toLowerCase();
      form.querySelector(`#${id}-hex`).value = draft[key];
    }
  }

  form.addEventListener('input', (e) => {
    const el = e.target;
    const key = el.dataset.key;
    if (!key) return;
    if (el.type === 'color') {
      draft[key] = el.value;
      form.querySelector(`#${el.id}-hex`).value = el.value;
    } else if (el.classList.contains('hex-input')) {
      let v = el.value.trim();
      if (/^[0-9a-fA-F]{6}$/.test(v)) v = `#${v}`;
      draft[key] = v;
      if (HEX.test(v)) form.querySelector(`#${el.id.replace(/-hex$/, '')}`).value = v.toLowerCase();
    } else {
      draft[key] = el.value;
    }
    paint();
  });

  form.querySelector('#branding-logo').addEventListener('change', (e) => {
    const file = e.target.files[0] || null;
    if (objectURL) URL.revokeObjectURL(objectURL);
    objectURL = '';
    logoFile = null;
    uploadButton.disabled = true;
    if (file) {
      if (!LOGO_TYPES.includes(file.type)) {
        showError(new ApiError(`${file.name} is not a PNG, JPEG or GIF image`, 'BAD_USER_INPUT', 'logo'));
      } else if (file.size > LOGO_MAX) {
        showError(new ApiError(`${file.name} is over 2 MiB`, 'BAD_USER_INPUT', 'logo'));
      } else {
        logoFile = file;
        objectURL = URL.createObjectURL(file);
        uploadButton.disabled = false;
      }
    }
    paint();
  });

  uploadButton.addEventListener('click', async () => {
    if (!logoFile) return;
    const d = await run(uploadButton, () => upload(`mutation UploadLogo($file: Upload!) { uploadLogo(file: $file) { ${TENANT} } }`, 'file', logoFile));
    if (d) {
      saved = { ...saved, logoURL: d.uploadLogo.branding.logoURL };
      app.setTenant(d.uploadLogo);
      if (objectURL) URL.revokeObjectURL(objectURL);
      objectURL = '';
      logoFile = null;
      form.querySelector('#branding-logo').value = '';
      paint();
      toast('Logo uploaded.');
    } else {
      uploadButton.disabled = !logoFile;
    }
  });

  form.querySelector('#branding-reset').addEventListener('click', () => {
    Object.assign(draft, saved);
    setInputs();
    paint();
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = await run(form.querySelector('#branding-save'), () =>
      gql(`mutation UpdateBranding($input: BrandingInput!) { updateBranding(input: $input) { ${TENANT} } }`, {
        input: { appName: draft.appName, primaryColor: draft.primaryColor, accentColor: draft.accentColor, backgroundColor: draft.backgroundColor },
      }), form);
    if (d) {
      saved = { ...d.updateBranding.branding };
      Object.assign(draft, saved);
      app.setTenant(d.updateBranding);
      setInputs();
      paint();
      toast('Branding saved.');
    }
  });

  paint();
  root.append(h('div', { class: 'split' }, card('Your brand', { id: 'branding-card', description: 'Applies to every app: web, TV and mobile.' }, form), previewCard));
  return () => { if (objectURL) URL.revokeObjectURL(objectURL); };
}
