// Content protection: the workspace's "encrypt new assets" setting, shown on
// the Security page to members who manage the workspace (owners, admins).
// On, every ingest started afterwards encrypts the asset's HLS segments with
// AES-128; such assets are HLS-only (DASH cannot signal AES-128).

import { gql } from '../api.js';
import { h, run, toast, card } from '../ui.js';

/** encryptionCard returns the card, or null for a member who cannot manage. */
export async function encryptionCard(app) {
  if (!app.can('manage')) return null;
  const d = await gql('query MediaSettings { mediaSettings { encryptNewAssets } }');
  const box = h('input', {
    type: 'checkbox', id: 'encrypt-new-assets', checked: !!d.mediaSettings.encryptNewAssets,
    'aria-describedby': 'encrypt-new-assets-hint',
  });
  box.addEventListener('change', async () => {
    const want = box.checked;
    const r = await run(box, () =>
      gql('mutation SetEncryptNewAssets($on: Boolean!) { setEncryptNewAssets(on: $on) { encryptNewAssets } }', { on: want }));
    if (!r) { box.checked = !want; return; }
    box.checked = r.setEncryptNewAssets.encryptNewAssets;
    box.dataset.saved = String(box.checked);
    toast(box.checked ? 'New assets will be encrypted (HLS only).' : 'New assets will not be encrypted.');
  });
  return card('Content protection', { id: 'encryption-card' },
    h('div', { class: 'checkbox-field' }, box, h('label', { for: 'encrypt-new-assets' }, 'Encrypt new assets (HLS AES-128)')),
    h('p', { class: 'hint', id: 'encrypt-new-assets-hint' },
      'Videos ingested from now on get their own key, handed only to entitled playback sessions. ',
      'Encrypted videos play over HLS only: DASH cannot carry this encryption. Videos already ingested do not change.'));
}
