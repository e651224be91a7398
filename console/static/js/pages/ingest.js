// Ingest progress and the asset lifecycle in the console: a panel that
// follows one media asset live through the assetProgress subscription
// (graphql-transport-ws, the app's LiveClient) until READY or FAILED with its
// reason, falling back to polling mediaAsset when live updates are off; and
// the small helpers the library's lifecycle actions share.

import { gql } from '../api.js';
import { h } from '../ui.js';

export const ASSET = 'id status percent failureReason autoIngest';

const PROGRESS = `subscription AssetProgress($id: ID!) { assetProgress(id: $id) { ${ASSET} } }`;
const ONE = `query MediaAsset($id: ID!) { mediaAsset(id: $id) { ${ASSET} } }`;

export const ASSET_CLASS = { READY: 'status-active', PENDING: 'status-pending', PROCESSING: 'status-pending', FAILED: 'status-revoked', DELETED: 'status-revoked' };

/** assetPill shows an asset's status (and percent while it processes). */
export function assetPill(a, id) {
  if (!a) return h('span', { class: 'muted', id }, 'No video');
  const text = a.status === 'PROCESSING' ? `PROCESSING ${a.percent}%` : a.status;
  return h('span', { class: `status ${ASSET_CLASS[a.status] || ''}`, id, dataset: { status: a.status }, title: a.failureReason || '' }, text);
}

/**
 * ingestPanel builds the panel that follows an asset: a progress bar, the
 * state (data-state) and, when it fails, the reason. follow(id) starts
 * following; it resolves with the final asset. stop() ends it.
 */
export function ingestPanel(app, prefix) {
  const bar = h('progress', { id: `${prefix}-progress`, max: 100, value: 0, 'aria-labelledby': `${prefix}-label` });
  const pct = h('span', { id: `${prefix}-percent` }, '');
  const state = h('output', { id: `${prefix}-state`, 'aria-live': 'polite', dataset: { state: '' } });
  const reason = h('p', { id: `${prefix}-reason`, class: 'field-error', hidden: true });
  const live = h('span', { id: `${prefix}-live`, class: 'muted' }, '');
  const panel = h('div', { class: 'upload-status', id: prefix, hidden: true },
    h('label', { id: `${prefix}-label`, for: `${prefix}-progress` }, 'Processing'), ' ', bar, ' ', pct, ' ', live,
    h('p', {}, 'Video: ', state), reason);
  let stopper = () => {};

  function paint(a) {
    panel.dataset.assetId = a.id;
    state.dataset.state = a.status;
    state.textContent = a.status === 'PROCESSING' ? `PROCESSING — ${a.percent}%` : a.status;
    bar.value = a.status === 'READY' ? 100 : a.percent;
    pct.textContent = `${a.status === 'READY' ? 100 : a.percent}%`;
    reason.hidden = a.status !== 'FAILED';
    reason.textContent = a.status === 'FAILED' ? `Failed: ${a.failureReason || 'no reason given'}` : '';
  }

  function follow(id) {
    stopper();
    panel.hidden = false;
    state.dataset.state = 'WAITING';
    state.textContent = 'Waiting for processing to start…';
    return new Promise((resolve) => {
      let done = false;
      const finish = (a) => {
        if (done) return;
        paint(a);
        if (a.status === 'READY' || a.status === 'FAILED' || a.status === 'DELETED') {
          done = true;
          stopper();
          resolve(a);
        }
      };
      if (app.live) {
        live.textContent = '(live)';
        const end = app.live.subscribe(PROGRESS, { id }, (d) => finish(d.assetProgress), () => poll());
        stopper = () => { end(); };
      } else {
        poll();
      }
      // Without live updates (or when the subscription is refused), poll.
      function poll() {
        live.textContent = '(checking every second)';
        let timer = 0;
        stopper = () => clearTimeout(timer);
        const tick = async () => {
          if (done || !panel.isConnected) return;
          try { finish((await gql(ONE, { id })).mediaAsset); } catch { /* try again */ }
          if (!done) timer = setTimeout(tick, 1000);
        };
        tick();
      }
    });
  }

  return { panel, follow, stop: () => stopper() };
}

/** waitForAsset polls an upload until its automatic ingest made an asset. */
export async function waitForAsset(uploadId, alive, tries = 120) {
  for (let i = 0; i < tries && alive(); i += 1) {
    const d = await gql('query UploadAsset($id: ID!) { upload(id: $id) { asset { id } } }', { id: uploadId });
    if (d.upload.asset) return d.upload.asset.id;
    await new Promise((r) => { setTimeout(r, 500); });
  }
  return '';
}
