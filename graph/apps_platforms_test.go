package graph_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/apptmpl"
	"github.com/marquee-ott/marquee/apps/tvpack"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// Every platform builds from the workspace's real branding through the real
// packagers (the ones platform registers), on the builds queue: a wide,
// transparent logo uploaded through GraphQL is padded and warned about, and
// each download is the platform's package with the workspace's name, bundle
// id and version in it and no template placeholder left; the listing pack
// comes beside it.
func TestEveryPlatformBuildsWithTheRealPackagers(t *testing.T) {
	if os.Getenv("CI") == "" {
		if _, err := os.Stat("../bin/npm/node_modules/.bin/ares-package"); err != nil {
			t.Skip("the npm checkers are not installed (deploy/npm-tools.sh); CI installs them")
		}
	}
	m := pt.Start(t, nil)
	pt.RunWorker(t, m)
	ten := pt.SignUp(t, m)
	owner := ten.Owner
	owner.Must(t, `mutation { updateBranding(input: {appName: "Acme Flix", primaryColor: "#2080ff", accentColor: "#ffcc00", backgroundColor: "#101010"}) { id } }`, nil)
	uploadLogo(t, owner, widePNG(t, 1600, 900))
	owner.Must(t, `mutation($in: AppSettingsInput!) { updateAppSettings(input: $in) { bundleId } }`,
		map[string]any{"in": map[string]any{"major": 1, "minor": 2, "bundleId": "com.acmeflix.tv", "description": "Films and series from Acme.", "keywords": []string{"films", "series"}}})

	ids := map[string]string{}
	for _, p := range []string{"WEB", "ROKU", "ANDROID", "APPLE", "TIZEN", "WEBOS"} {
		ids[p] = pt.Str(owner.Must(t, `mutation($p: AppPlatform!) { buildApp(platform: $p) { id } }`, map[string]any{"p": p}), "buildApp", "id")
	}
	for p, id := range ids {
		b := waitBuild(t, owner, id)
		if b["status"] != "SUCCEEDED" {
			t.Errorf("%s: %v %v", p, b["status"], b["error"])
			continue
		}
		ws := fmt.Sprint(b["warnings"])
		if !strings.Contains(ws, "square") {
			t.Errorf("%s: no warning about the wide logo: %s", p, ws)
		}
		art := fetch(t, b["downloadURL"].(string))
		var files apps.Tree
		if p == "WEBOS" {
			files = ipkFiles(t, art)
		} else {
			var err error
			if files, err = apps.Unzip(art); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
		}
		checkPlatformFiles(t, p, files)
		if left := apptmpl.Leftovers(files); len(left) > 0 {
			t.Errorf("%s: placeholders left: %v", p, left)
		}
		if b["listingURL"] == nil {
			t.Errorf("%s: no listing pack", p)
			continue
		}
		listing, err := apps.Unzip(fetch(t, b["listingURL"].(string)))
		if err != nil || len(listing) == 0 {
			t.Errorf("%s: listing pack %v", p, err)
		}
		t.Logf("%s: %d files (%d bytes), listing pack %d files", p, len(files), len(art), len(listing))
	}
}

// checkPlatformFiles looks for each platform's entry file and the
// workspace's identity in it.
func checkPlatformFiles(t *testing.T, p string, files apps.Tree) {
	t.Helper()
	has := func(path, want string) {
		t.Helper()
		b, ok := files[path]
		if !ok {
			t.Errorf("%s: no %s in %v", p, path, files.Paths())
			return
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s: %s lacks %q", p, path, want)
		}
	}
	switch p {
	case "WEB":
		has("index.html", "Acme Flix")
	case "ROKU":
		has("manifest", "title=Acme Flix")
		has("manifest", "major_version=1")
	case "ANDROID":
		has("app/build.gradle.kts", "com.acmeflix.tv")
	case "APPLE":
		has("project.yml", "com.acmeflix.tv")
	case "TIZEN":
		has("config.xml", "Acme Flix")
		var doc struct{ XMLName xml.Name }
		if err := xml.Unmarshal(files["config.xml"], &doc); err != nil || doc.XMLName.Local != "widget" {
			t.Errorf("TIZEN: config.xml %v %v", doc.XMLName, err)
		}
	case "WEBOS":
		has("appinfo.json", `"com.acmeflix.tv"`)
		has("appinfo.json", `"1.2.0"`)
	}
}

func fetch(t *testing.T, u string) []byte {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return b
}

// widePNG is a 16:9 logo, a filled circle on transparency.
func widePNG(t *testing.T, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if dx, dy := x-w/2, y-h/2; dx*dx+dy*dy < (h/3)*(h/3) {
				img.SetNRGBA(x, y, color.NRGBA{240, 200, 20, 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func uploadLogo(t *testing.T, c pt.Client, data []byte) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadLogo(file: $f) { id } }","variables":{"f":null}}`)
	_ = w.WriteField("map", `{"0":["variables.f"]}`)
	fw, _ := w.CreateFormFile("0", "logo.png")
	_, _ = fw.Write(data)
	_ = w.Close()
	if r := c.Raw(t, w.FormDataContentType(), body.Bytes()); len(r.Errors) > 0 {
		t.Fatalf("uploadLogo: %v", r.Errors)
	}
}

// ipkFiles reads a webOS package (an ar archive made by ares-package) and
// returns its application folder's files.
func ipkFiles(t *testing.T, ipk []byte) apps.Tree {
	t.Helper()
	members, err := tvpack.ArMembers(ipk)
	if err != nil {
		t.Fatalf("WEBOS: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(members["data.tar.gz"]))
	if err != nil {
		t.Fatalf("WEBOS data.tar.gz: %v", err)
	}
	files := apps.Tree{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("WEBOS data.tar.gz: %v", err)
		}
		const root = "usr/palm/applications/"
		name := strings.TrimPrefix(h.Name, "./")
		if h.Typeflag != tar.TypeReg || !strings.HasPrefix(name, root) {
			continue
		}
		rest := strings.TrimPrefix(name, root)
		b, _ := io.ReadAll(tr)
		files[rest[strings.Index(rest, "/")+1:]] = b
	}
	return files
}
