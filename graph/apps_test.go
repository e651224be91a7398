package graph_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appstest"
	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

const appBuildFields = `id platform version buildNumber status trigger warnings error artifactName artifactSize
	downloadURL listingURL logURL createdAt startedAt finishedAt requestedBy log { number text }`

// withTestPackagers registers the test packager for WEB and ROKU (the real
// platform packagers are registered by platform.appPackagers).
func withTestPackagers(m *platform.Main) {
	m.Apps.Register(&appstest.Packager{P: apps.Web})
	m.Apps.Register(&appstest.Packager{P: apps.Roku})
}

func waitBuild(t *testing.T, c pt.Client, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		d := c.Must(t, `query($id: ID!) { appBuild(id: $id) { `+appBuildFields+` } }`, map[string]any{"id": id})
		b := pt.Get(d, "appBuild").(map[string]any)
		if s := b["status"]; s == "SUCCEEDED" || s == "FAILED" {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("build %s still %v", id, b["status"])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// An editor builds the web app from the console's API: QUEUED, then
// SUCCEEDED with a log and a signed download that serves the zip; a
// tampered link is 403. Settings round-trip; the hosted web app's address
// is the /t/{slug}/ path without a base domain.
func TestBuildAppEndToEnd(t *testing.T) {
	m := pt.Start(t, nil)
	withTestPackagers(m)
	pt.RunWorker(t, m)
	ten := pt.SignUp(t, m)
	ed, _ := pt.AddStaff(t, m, ten, "ed@"+ten.Slug+".example.com", "EDITOR")

	d := ed.Must(t, `mutation($in: AppSettingsInput!) { updateAppSettings(input: $in) { bundleId version keywords autoRebuild availablePlatforms } }`,
		map[string]any{"in": map[string]any{"major": 2, "minor": 1, "bundleId": "com.example.acme", "keywords": []string{"films"}, "autoRebuild": []string{"WEB"}}})
	if pt.Str(d, "updateAppSettings", "version") != "2.1.0" || pt.Str(d, "updateAppSettings", "availablePlatforms") != "[WEB ROKU ANDROID APPLE TIZEN WEBOS]" {
		t.Fatalf("settings %v", d)
	}
	d = ed.Must(t, `mutation { buildApp(platform: WEB) { id status buildNumber trigger requestedBy downloadURL } }`, nil)
	if pt.Str(d, "buildApp", "status") != "QUEUED" || pt.Str(d, "buildApp", "buildNumber") != "1" || pt.Str(d, "buildApp", "downloadURL") != "<nil>" ||
		pt.Str(d, "buildApp", "requestedBy") != "ed@"+ten.Slug+".example.com" {
		t.Fatalf("buildApp %v", d)
	}
	b := waitBuild(t, ed, pt.Str(d, "buildApp", "id"))
	if b["status"] != "SUCCEEDED" || b["version"] != "2.1.0" || b["downloadURL"] == nil || b["logURL"] == nil || len(b["log"].([]any)) < 4 {
		t.Fatalf("build %v", b)
	}
	// The monogram warning: the workspace has no logo.
	if ws := b["warnings"].([]any); len(ws) != 1 || !strings.Contains(ws[0].(string), "monogram") {
		t.Fatalf("warnings %v", ws)
	}
	later := ed.Must(t, `query($id: ID!) { appBuild(id: $id) { log(from: 3) { number } } }`, map[string]any{"id": b["id"]})
	if pt.Str(later, "appBuild", "log", 0, "number") != "3" {
		t.Fatalf("log from 3: %v", later)
	}
	res, err := http.Get(b["downloadURL"].(string))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), ten.Slug+"-web-2.1.0-1.zip") {
		t.Fatalf("download %d %v", res.StatusCode, res.Header)
	}
	tree, err := apps.Unzip(body)
	if err != nil || !strings.Contains(string(tree["config.json"]), `"BundleID": "com.example.acme"`) {
		t.Fatalf("artifact %s %v", tree["config.json"], err)
	}
	// A tampered signature: 403; a build id that is not the workspace's: 404 (signed for it, see apps tests).
	tampered := strings.Replace(b["downloadURL"].(string), "sig=", "sig=0", 1)
	if res, err := http.Get(tampered); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("tampered link: %v %v", res.StatusCode, err)
	}
	// A link signed (by the platform's key) for another workspace naming this build: 404.
	other := pt.SignUp(t, m)
	forged := m.Apps.DownloadURL(apps.Build{ID: uuid.MustParse(b["id"].(string)), TenantID: uuid.MustParse(other.ID), HasArtifact: true}, apps.DownloadArtifact)
	if res, err := http.Get(forged); err != nil || res.StatusCode != http.StatusNotFound {
		t.Fatalf("another workspace's link: %v %v", res.StatusCode, err)
	}
	u := ed.Must(t, `{ hostedWebAppURL appBuilds(platform: WEB) { edges { node { id } } pageInfo { hasNextPage } } }`, nil)
	if pt.Str(u, "hostedWebAppURL") != m.URL()+"/t/"+ten.Slug+"/" || len(pt.Get(u, "appBuilds", "edges").([]any)) != 1 {
		t.Fatalf("hosted web app / builds %v", u)
	}
	// A branding change rebuilds WEB (auto-rebuild on, built before).
	ten.Owner.Must(t, `mutation { updateBranding(input: { primaryColor: "#1a73e8" }) { id } }`, nil)
	deadline := time.Now().Add(time.Minute)
	for {
		l := ed.Must(t, `{ appBuilds(platform: WEB) { edges { node { trigger buildNumber } } } }`, nil)
		if pt.Str(l, "appBuilds", "edges", 0, "node", "trigger") == "BRANDING" && pt.Str(l, "appBuilds", "edges", 0, "node", "buildNumber") == "2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no rebuild after a branding change: %v", l)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// An analyst may read builds but not build or change settings (FORBIDDEN).
// Another workspace's build is NOT_FOUND for appBuild and the
// subscription, absent from appBuilds; its settings and address are its own.
func TestAppsPermissionsAndIsolation(t *testing.T) {
	m := pt.Start(t, nil)
	withTestPackagers(m)
	ten := pt.SignUp(t, m)
	an, _ := pt.AddStaff(t, m, ten, "an@"+ten.Slug+".example.com", "ANALYST")
	if r := an.Do(t, `mutation { buildApp(platform: WEB) { id } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("analyst buildApp: %+v", r)
	}
	if r := an.Do(t, `mutation { updateAppSettings(input: { major: 3 }) { version } }`, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("analyst updateAppSettings: %+v", r)
	}
	// No worker: the build stays QUEUED.
	id := pt.Str(ten.Owner.Must(t, `mutation { buildApp(platform: ROKU) { id } }`, nil), "buildApp", "id")
	if d := an.Must(t, `query($id: ID!) { appBuild(id: $id) { status } appSettings { version } }`, map[string]any{"id": id}); pt.Str(d, "appBuild", "status") != "QUEUED" {
		t.Fatalf("analyst reads %v", d)
	}
	ten.Owner.Must(t, `mutation { updateAppSettings(input: { major: 4, name: "Mine" }) { version } }`, nil)

	other := pt.SignUp(t, m)
	if r := other.Owner.Do(t, `query($id: ID!) { appBuild(id: $id) { id } }`, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
		t.Fatalf("other workspace appBuild: %+v", r)
	}
	d := other.Owner.Must(t, `{ appBuilds { edges { node { id } } } appSettings { version name } hostedWebAppURL }`, nil)
	if len(pt.Get(d, "appBuilds", "edges").([]any)) != 0 || pt.Str(d, "appSettings", "version") != "1.0.0" || pt.Str(d, "appSettings", "name") != "" ||
		!strings.HasSuffix(pt.Str(d, "hostedWebAppURL"), "/t/"+other.Slug+"/") {
		t.Fatalf("other workspace sees %v", d)
	}
	c, err := subscribe(t, m, map[string]any{"authorization": "Bearer " + other.Owner.Token}, `subscription { appBuildUpdated(id: "`+id+`") { id status } }`)
	if err != nil {
		t.Fatal(err)
	}
	if typ, payload := read(t, c, 10*time.Second); (typ != "error" && typ != "next") || !strings.Contains(payload, "NOT_FOUND") || strings.Contains(payload, `"status"`) {
		t.Fatalf("other workspace's subscription: %s %s", typ, payload)
	}
}

// appBuildUpdated streams a build from QUEUED through RUNNING with new log
// lines to SUCCEEDED, then completes.
func TestAppBuildUpdatedSubscription(t *testing.T) {
	m := pt.Start(t, nil)
	withTestPackagers(m)
	ten := pt.SignUp(t, m)
	id := pt.Str(ten.Owner.Must(t, `mutation { buildApp(platform: WEB) { id } }`, nil), "buildApp", "id")
	c, err := subscribe(t, m, map[string]any{"authorization": "Bearer " + ten.Owner.Token},
		`subscription { appBuildUpdated(id: "`+id+`") { id status log { number text } } }`)
	if err != nil {
		t.Fatal(err)
	}
	type state struct {
		Status string `json:"status"`
		Log    []struct {
			Number int    `json:"number"`
			Text   string `json:"text"`
		} `json:"log"`
	}
	readState := func() state {
		typ, payload := read(t, c, time.Minute)
		var p struct {
			Data struct {
				AppBuildUpdated state `json:"appBuildUpdated"`
			} `json:"data"`
			Errors []any `json:"errors"`
		}
		if typ != "next" || json.Unmarshal([]byte(payload), &p) != nil || len(p.Errors) > 0 {
			t.Fatalf("unexpected %s: %s", typ, payload)
		}
		return p.Data.AppBuildUpdated
	}
	first := readState()
	if first.Status != "QUEUED" || len(first.Log) != 0 {
		t.Fatalf("first %+v", first)
	}
	pt.RunWorker(t, m)
	var states []string
	lines := 0
	for last := first; last.Status != "SUCCEEDED"; {
		last = readState()
		if last.Status == "FAILED" {
			t.Fatalf("failed: %+v", last)
		}
		if len(last.Log) < lines {
			t.Fatalf("log shrank: %+v", last)
		}
		lines = len(last.Log)
		states = append(states, last.Status)
	}
	if lines < 4 || !strings.Contains(strings.Join(states, " "), "RUNNING") {
		t.Fatalf("states %v, %d lines", states, lines)
	}
	if typ, payload := read(t, c, 10*time.Second); typ != "complete" {
		t.Fatalf("after SUCCEEDED: %s %s", typ, payload)
	}
}
