// Package e2e holds only tests: they drive the hosted web app (apps/web
// served by api) in Debian's headless Chromium against the real platform
// (platformtest: PostgreSQL, Temporal, Keto and the ingest worker), and
// benchmark its first rail and first frame against static pages.
package e2e
