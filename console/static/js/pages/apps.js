// Apps: build the workspace's branded apps per platform, follow a build's
// log live, download the artifact and the store listing pack (signed links
// that work for an hour), see the hosted web app's address, and set the
// apps' version, bundle id, store text and auto-rebuild. The server decides
// who may build (EDIT_CONTENT) and checks the logo, colours and name; this
// page only shows and asks.

import { gql } from '../api.js';
import { h, field, run, toast, card, notice, timeEl, emptyRow, copyButton, roleLabel } from '../ui.js';

const PLATFORMS = [
  ['WEB', 'Web app', 'A hosted web app (and an installable PWA) at your address.'],
  ['ROKU', 'Roku', 'A Roku channel package to sideload or submit to the Roku Channel Store.'],
  ['ANDROID', 'Android & Fire TV', 'A Gradle project for Android TV, Fire TV and phones.'],
  ['APPLE', 'Apple TV & iOS', 'An Xcode project (XcodeGen) for tvOS and iOS.'],
  ['TIZEN', 'Samsung (Tizen)', 'A Tizen TV web app package.'],
  ['WEBOS', 'LG (webOS)', 'A webOS TV app package (IPK).'],
];
const NAMES = Object.fromEntries(PLATFORMS.map(([p, n]) => [p, n]));
const BUILD = `id platform version buildNumber status trigger warnings error artifactName artifactSize
  downloadURL listingURL logURL createdAt startedAt finishedAt requestedBy log { number text }`;
const SETTINGS = 'bundleId major minor patch version description keywords name shortName autoRebuild availablePlatforms';
const UPDATED = `subscription AppBuildUpdated($id: ID!) { appBuildUpdated(id: $id) { ${BUILD} } }`;
const ONE = `query AppBuild($id: ID!) { appBuild(id: $id) { ${BUILD} } }`;

const STATUS = {
  QUEUED: ['Queued', 'status-pending'],
  RUNNING: ['Building…', 'status-pending'],
  SUCCEEDED: ['Succeeded', 'status-active'],
  FAILED: ['Failed', 'status-revoked'],
};
const finished = (b) => b.status === 'SUCCEEDED' || b.status === 'FAILED';

function size(n) {
  if (!n) return '';
  return n > 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

export async function render(root, app) {
  const canEdit = app.can('edit');
  const stops = new Map(); // build id -> end of its live follow
  const cards = h('div', { id: 'platform-cards', class: 'platform-cards' });
  const list = h('tbody', { id: 'build-list' });
  const address = h('div', { id: 'apps-web-address', class: 'key-cell' });
  let available = [];

  function statusBadge(b) {
    const [text, cls] = STATUS[b.status] || [b.status, 'status-pending'];
    return h('span', { class: `status ${cls}`, id: `build-status-${b.id}`, dataset: { status: b.status } }, text);
  }

  function buildRow(b) {
    const log = h('pre', { class: 'build-log', id: `build-log-${b.id}`, 'aria-label': `Log of build ${b.buildNumber}` },
      b.log.map((l) => l.text).join('\n'));
    const details = h('details', { id: `build-details-${b.id}`, open: !finished(b) },
      h('summary', {}, `Log (${b.log.length} lines)`), log);
    const links = h('div', { class: 'actions' },
      b.downloadURL ? h('a', { href: b.downloadURL, id: `build-download-${b.id}`, class: 'btn btn-primary btn-small', download: b.artifactName || '' },
        `Download ${b.artifactName} (${size(b.artifactSize)})`) : null,
      b.listingURL ? h('a', { href: b.listingURL, id: `build-listing-${b.id}`, class: 'btn btn-secondary btn-small' }, 'Store listing pack') : null,
      b.logURL ? h('a', { href: b.logURL, id: `build-logfile-${b.id}`, class: 'btn btn-secondary btn-small' }, 'Full log') : null);
    return h('tr', { id: `build-${b.id}` },
      h('td', {}, NAMES[b.platform] || b.platform),
      h('td', {}, `${b.version} (${b.buildNumber})`),
      h('td', {}, statusBadge(b), b.trigger === 'BRANDING' ? h('span', { class: 'muted' }, ' · branding rebuild') : null),
      h('td', {}, timeEl(b.createdAt), b.requestedBy ? h('div', { class: 'muted' }, b.requestedBy) : null),
      h('td', {},
        b.error ? h('p', { class: 'notice notice-warn', id: `build-error-${b.id}`, role: 'status' }, b.error) : null,
        b.warnings.length ? h('ul', { class: 'warnings', id: `build-warnings-${b.id}` }, b.warnings.map((w) => h('li', {}, w))) : null,
        links, details));
  }

  function paint(b) {
    const row = buildRow(b);
    const old = document.getElementById(`build-${b.id}`);
    if (old) old.replaceWith(row);
    else {
      list.querySelector('.empty')?.closest('tr')?.remove();
      list.prepend(row);
    }
    if (finished(b)) {
      stops.get(b.id)?.();
      stops.delete(b.id);
    } else if (!stops.has(b.id)) {
      follow(b.id);
    }
  }

  // Live while the build runs; without live updates, poll.
  function follow(id) {
    if (app.live) {
      stops.set(id, app.live.subscribe(UPDATED, { id }, (d) => paint(d.appBuildUpdated), () => poll(id)));
    } else {
      poll(id);
    }
  }
  function poll(id) {
    let timer = 0;
    stops.set(id, () => clearTimeout(timer));
    const tick = async () => {
      if (!root.isConnected) return;
      try { paint((await gql(ONE, { id })).appBuild); } catch { /* try again */ }
      if (stops.has(id)) timer = setTimeout(tick, 2000);
    };
    timer = setTimeout(tick, 1000);
  }

  function platformCard([p, name, about]) {
    const on = available.includes(p);
    return h('section', { class: 'card platform', id: `platform-${p}`, 'aria-labelledby': `platform-${p}-title` },
      h('div', { class: 'card-head' },
        h('h2', { id: `platform-${p}-title` }, name),
        h('button', {
          type: 'button', id: `build-${p}`, class: 'btn btn-primary btn-small', disabled: !on || !canEdit,
          title: !on ? 'Not available on this installation' : (!canEdit ? 'Your role cannot build apps' : ''),
          onclick: async (e) => {
            const r = await run(e.target, () => gql(`mutation BuildApp($p: AppPlatform!) { buildApp(platform: $p) { ${BUILD} } }`, { p }));
            if (!r) return;
            const b = r.buildApp;
            toast(b.status === 'QUEUED' ? `Build ${b.buildNumber} of the ${name} app is queued.` : `Building the ${name} app.`);
            paint(b);
          },
        }, 'Build')),
      h('p', { class: 'muted' }, on ? about : `${about} Not available on this installation.`));
  }

  // Settings.
  const form = h('form', { id: 'app-settings-form', class: 'form' });
  function fillSettings(s) {
    const auto = h('fieldset', { class: 'fieldset' }, h('legend', {}, 'Rebuild when the branding changes'),
      PLATFORMS.map(([p, name]) => h('div', { class: 'checkbox-field' },
        h('input', { type: 'checkbox', id: `auto-${p}`, checked: s.autoRebuild.includes(p), disabled: !canEdit }),
        h('label', { for: `auto-${p}` }, name))));
    const attrs = canEdit ? {} : { disabled: true };
    form.replaceChildren(
      h('fieldset', { class: 'fieldset fieldset-inline' }, h('legend', {}, `Version (next build: ${s.version})`),
        field({ id: 'app-major', label: 'Major', type: 'number', value: s.major, attrs: { min: 0, max: 999, 'data-field': 'major', ...attrs } }),
        field({ id: 'app-minor', label: 'Minor', type: 'number', value: s.minor, attrs: { min: 0, max: 999, 'data-field': 'minor', ...attrs } }),
        field({ id: 'app-patch', label: 'Patch', type: 'number', value: s.patch, attrs: { min: 0, max: 999, 'data-field': 'patch', ...attrs } })),
      field({ id: 'app-bundle-id', label: 'Bundle id', value: s.bundleId, hint: 'Reverse-DNS, like com.example.tv. Empty: tv.marquee.<your slug>.',
        attrs: { maxlength: 155, spellcheck: 'false', 'data-field': 'bundleId', ...attrs } }),
      field({ id: 'app-name', label: 'App name', value: s.name,
        hint: 'Only if the branding\'s name is too long for a store: Apple, Google Play and Roku allow 30 characters, Samsung and LG 50, the web app 45.',
        attrs: { maxlength: 60, 'data-field': 'name', ...attrs } }),
      field({ id: 'app-short-name', label: 'Home-screen name', value: s.shortName, hint: 'At most 12 characters, under the icon.',
        attrs: { maxlength: 12, 'data-field': 'shortName', ...attrs } }),
      field({ id: 'app-description', label: 'Store description', value: s.description, attrs: { maxlength: 4000, 'data-field': 'description', ...attrs } }),
      field({ id: 'app-keywords', label: 'Keywords', value: s.keywords.join(', '), hint: 'Separated by commas.', attrs: { 'data-field': 'keywords', ...attrs } }),
      auto,
      canEdit ? h('button', { type: 'submit', id: 'app-settings-submit', class: 'btn btn-primary' }, 'Save settings') : null);
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value;
    const input = {
      major: Number(v('app-major')), minor: Number(v('app-minor')), patch: Number(v('app-patch')),
      bundleId: v('app-bundle-id').trim(), name: v('app-name').trim(), shortName: v('app-short-name').trim(),
      description: v('app-description'), keywords: v('app-keywords').split(',').map((k) => k.trim()).filter(Boolean),
      autoRebuild: PLATFORMS.map(([p]) => p).filter((p) => form.querySelector(`#auto-${p}`).checked),
    };
    const r = await run(form.querySelector('#app-settings-submit'), () =>
      gql(`mutation UpdateAppSettings($in: AppSettingsInput!) { updateAppSettings(input: $in) { ${SETTINGS} } }`, { in: input }), form);
    if (r) {
      fillSettings(r.updateAppSettings);
      toast(`Saved: the next builds are version ${r.updateAppSettings.version}.`);
    }
  });

  async function load() {
    const d = await gql(`query Apps { appSettings { ${SETTINGS} } hostedWebAppURL appBuilds(first: 30) { edges { node { ${BUILD} } } } }`);
    if (!root.isConnected) return;
    available = d.appSettings.availablePlatforms;
    cards.replaceChildren(...PLATFORMS.map(platformCard));
    address.replaceChildren(h('a', { href: d.hostedWebAppURL, id: 'apps-web-url', target: '_blank', rel: 'noopener' }, d.hostedWebAppURL),
      copyButton('apps-web-url-copy', () => d.hostedWebAppURL));
    fillSettings(d.appSettings);
    const builds = d.appBuilds.edges.map((e) => e.node);
    list.replaceChildren(...(builds.length ? builds.map(buildRow) : [emptyRow(5, 'No builds yet: build an app above.')]));
    for (const b of builds) if (!finished(b)) follow(b.id);
  }

  root.append(
    canEdit ? null : notice(`Your role (${roleLabel(app.role())}) can see builds and download them; an editor, admin or owner can build.`,
      { id: 'apps-readonly', kind: 'warn' }),
    card('Your apps', {
      id: 'apps-card',
      description: 'Build your branded apps from your branding (name, colours, logo) and the settings below. '
        + 'Builds of one platform run one at a time: a second waits, queued, until the first ends.',
    }, h('p', {}, 'Hosted web app: '), address),
    cards,
    card('Builds', { id: 'builds-card' },
      h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['Platform', 'Version', 'Status', 'Requested', 'Result'].map((c) => h('th', { scope: 'col' }, c)))),
        list))),
    card('App settings', { id: 'app-settings-card' }, form));
  await run(null, load);
  return () => { for (const stop of stops.values()) stop(); stops.clear(); };
}
