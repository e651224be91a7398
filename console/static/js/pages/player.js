// Player: a staff preview of a READY media asset through a real playback
// session (previewPlayback: short, audited, no viewer checks), played with
// hls.js from console/static/vendor (npm, refreshed by deploy/vendor-hls.sh).
// The page records what happened on the video element's dataset (state,
// error) for people and for the browser test.

import { gql } from '../api.js';
import { h, card, field, showError } from '../ui.js';

const PREVIEW = `mutation Preview($asset: ID!) { previewPlayback(assetId: $asset) { id hlsURL expiresAt audioTracks { language channels } } }`;

let hlsLoading = null;

/** loadHls adds the vendored hls.js once (a classic script: it sets window.Hls). */
function loadHls() {
  if (window.Hls) return Promise.resolve(window.Hls);
  if (!hlsLoading) {
    hlsLoading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = 'vendor/hls.min.js';
      s.onload = () => resolve(window.Hls);
      s.onerror = () => { hlsLoading = null; reject(new Error('The player could not be loaded.')); };
      document.head.append(s);
    });
  }
  return hlsLoading;
}

export function render(root, app, params) {
  const video = h('video', { id: 'player-video', controls: true, muted: true, playsinline: true, class: 'player-video', dataset: { state: 'idle' } });
  video.muted = true; // autoplay needs a muted video
  const status = h('p', { id: 'player-status', class: 'muted', role: 'status' }, 'Choose a ready asset to preview.');
  const form = h('form', { id: 'player-form', class: 'form form-inline' },
    field({ id: 'player-asset', label: 'Media asset id', value: params.get('asset') || '', attrs: { required: true, 'data-field': 'assetId' } }),
    h('button', { type: 'submit', id: 'player-start', class: 'btn btn-primary' }, 'Preview'));
  let hls = null;
  window.playerErrors = [];

  function stop() {
    if (hls) { hls.destroy(); hls = null; }
    video.removeAttribute('src');
  }

  async function play(assetId) {
    stop();
    video.dataset.state = 'starting';
    status.textContent = 'Starting a preview session…';
    let d;
    try {
      d = await gql(PREVIEW, { asset: assetId });
    } catch (err) {
      video.dataset.state = 'refused';
      status.textContent = '';
      showError(err);
      return;
    }
    const s = d.previewPlayback;
    video.dataset.session = s.id;
    const Hls = await loadHls().catch((err) => { showError(err); return null; });
    if (!Hls) return;
    if (Hls.isSupported()) {
      // No worker: the console's CSP allows scripts from itself only.
      hls = new Hls({ enableWorker: false });
      hls.on(Hls.Events.ERROR, (_, data) => {
        window.playerErrors.push(`${data.type}:${data.details}${data.fatal ? ':fatal' : ''}`);
        if (data.fatal) {
          video.dataset.state = 'error';
          status.textContent = `Playback failed: ${data.details}`;
        }
      });
      hls.loadSource(s.hlsURL);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = s.hlsURL; // Safari plays HLS natively
    } else {
      status.textContent = 'This browser cannot play HLS.';
      return;
    }
    video.dataset.state = 'playing';
    status.textContent = `Preview session until ${new Date(s.expiresAt).toLocaleTimeString()}.`;
    video.play().catch(() => { /* autoplay refused: the controls remain */ });
  }

  video.addEventListener('error', () => {
    window.playerErrors.push(`media:${video.error?.code}`);
    video.dataset.state = 'error';
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = form.querySelector('#player-asset').value.trim();
    history.replaceState(null, '', `#/player?asset=${encodeURIComponent(id)}`);
    play(id);
  });

  root.append(card('Preview', { id: 'player-card' }, form, video, status));
  if (params.get('asset')) play(params.get('asset'));
  return stop;
}
