// Package apptest holds what the app packagers' tests share: a test Spec
// with a logo drawn in Go, a parser for every structured file a generated
// tree holds (XML, property lists, JSON, YAML) and an image size check. It
// is for tests only.
package apptest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"io"
	"path"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
)

// Logo draws a 1024×1024 logo with transparency: a disc in one colour with
// a bar across it in another, on a clear background.
func Logo() image.Image {
	const n = 1024
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			dx, dy := x-n/2, y-n/2
			switch {
			case dx*dx+dy*dy < (n/2-40)*(n/2-40) && y > 440 && y < 584:
				img.SetNRGBA(x, y, color.NRGBA{255, 255, 255, 255})
			case dx*dx+dy*dy < (n/2-40)*(n/2-40):
				img.SetNRGBA(x, y, color.NRGBA{229, 57, 53, 255})
			}
		}
	}
	return img
}

// Spec is a valid Spec for platform p, with names that need escaping.
func Spec(p apps.Platform) apps.Spec {
	return apps.Spec{
		Platform: p, TenantID: "0b4f5c1e-8d7a-4b1e-9c51-3f0a2d6e7b90", Slug: "acme",
		Name: `Acme "Films" & <Co>`, ShortName: "Acme",
		Description: "Acme Films streams independent cinema: new releases every Friday, series, and short films.\nWatch on your TV, phone and the web.",
		Keywords:    []string{"films", "cinema", "independent", "series"},
		Palette: apps.Palette{
			Primary: color.RGBA{229, 57, 53, 255}, OnPrimary: color.RGBA{255, 255, 255, 255},
			Accent: color.RGBA{255, 193, 7, 255}, Background: color.RGBA{18, 18, 18, 255},
			Surface: color.RGBA{40, 40, 40, 255}, Text: color.RGBA{240, 240, 240, 255}, Muted: color.RGBA{170, 170, 170, 255},
		},
		Logo:     Logo(),
		BundleID: "tv.marquee.acme",
		BaseURL:  "https://acme.example.com", AppKey: "mqa_test_$key\"1",
		WebURL:   "https://acme.example.com/",
		Version:  apps.Version{Major: 1, Minor: 4, Patch: 0, Build: 12},
		Features: apps.Features{Shorts: true, Billing: true},
		Now:      time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC),
	}
}

// Parsed is every structured file of a tree, decoded: XML files as their
// root element's name, property lists as maps, JSON and YAML as any.
type Parsed struct {
	XMLRoots map[string]string
	Plists   map[string]map[string]any
	JSON     map[string]any
	YAML     map[string]any
}

// Parse decodes every .xml, .plist, .json, .yml and .yaml file of tree and
// fails the test for any that is not well-formed.
func Parse(t testing.TB, tree apps.Tree) Parsed {
	t.Helper()
	p := Parsed{XMLRoots: map[string]string{}, Plists: map[string]map[string]any{}, JSON: map[string]any{}, YAML: map[string]any{}}
	for _, name := range tree.Paths() {
		b := tree[name]
		switch strings.ToLower(path.Ext(name)) {
		case ".xml":
			root, err := xmlRoot(b)
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			p.XMLRoots[name] = root
		case ".plist":
			d, err := Plist(b)
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			p.Plists[name] = d
		case ".json":
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			p.JSON[name] = v
		case ".yml", ".yaml":
			var v any
			if err := yaml.Unmarshal(b, &v); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			p.YAML[name] = v
		}
	}
	return p
}

// xmlRoot reads the whole document (so any syntax error anywhere fails) and
// returns the root element's local name.
func xmlRoot(b []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if root != "" {
					return "", fmt.Errorf("two root elements")
				}
				root = e.Name.Local
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if root == "" {
		return "", fmt.Errorf("no root element")
	}
	return root, nil
}

// Plist decodes an XML property list whose top level is a dict.
func Plist(b []byte) (map[string]any, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("plist: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "plist" {
				return nil, fmt.Errorf("plist: root is <%s>", se.Name.Local)
			}
			break
		}
	}
	v, err := plistValue(d)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("plist: top level is %T, want a dict", v)
	}
	return m, nil
}

func nextStart(d *xml.Decoder) (xml.StartElement, bool, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, false, err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			return e, true, nil
		case xml.EndElement:
			return xml.StartElement{}, false, nil
		case xml.CharData:
			if len(bytes.TrimSpace(e)) > 0 {
				return xml.StartElement{}, false, fmt.Errorf("plist: stray text %q", e)
			}
		}
	}
}

func plistValue(d *xml.Decoder) (any, error) {
	se, ok, err := nextStart(d)
	if err != nil || !ok {
		return nil, fmt.Errorf("plist: want a value: %v", err)
	}
	return plistElem(d, se)
}

func plistElem(d *xml.Decoder, se xml.StartElement) (any, error) {
	switch se.Name.Local {
	case "dict":
		m := map[string]any{}
		for {
			k, ok, err := nextStart(d)
			if err != nil {
				return nil, err
			}
			if !ok {
				return m, nil
			}
			if k.Name.Local != "key" {
				return nil, fmt.Errorf("plist: <%s> where a <key> belongs", k.Name.Local)
			}
			var key string
			if err := d.DecodeElement(&key, &k); err != nil {
				return nil, err
			}
			if _, dup := m[key]; dup {
				return nil, fmt.Errorf("plist: key %q twice", key)
			}
			v, err := plistValue(d)
			if err != nil {
				return nil, fmt.Errorf("plist %s: %w", key, err)
			}
			m[key] = v
		}
	case "array":
		var a []any
		for {
			e, ok, err := nextStart(d)
			if err != nil {
				return nil, err
			}
			if !ok {
				return a, nil
			}
			v, err := plistElem(d, e)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case "true", "false":
		if err := d.Skip(); err != nil {
			return nil, err
		}
		return se.Name.Local == "true", nil
	case "string", "integer", "real", "date", "data":
		var s string
		if err := d.DecodeElement(&s, &se); err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("plist: unknown element <%s>", se.Name.Local)
}

// CheckImages fails the test unless the tree's images (.png, .jpg) are
// exactly want's paths, each with its size; the paths in opaque must have
// no alpha channel, the others must have one (logos and icon layers drawn
// over something else).
func CheckImages(t testing.TB, tree apps.Tree, want map[string][2]int, opaque map[string]bool) {
	t.Helper()
	for _, name := range tree.Paths() {
		ext := strings.ToLower(path.Ext(name))
		if ext != ".png" && ext != ".jpg" && ext != ".jpeg" {
			continue
		}
		size, ok := want[name]
		if !ok {
			t.Errorf("%s: an image the platform's list does not declare", name)
			continue
		}
		w, h, _, err := appimage.Size(tree[name])
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if w != size[0] || h != size[1] {
			t.Errorf("%s is %d×%d, the platform wants %d×%d", name, w, h, size[0], size[1])
		}
		switch alpha := hasAlphaChannel(tree[name]); {
		case opaque[name] && alpha:
			t.Errorf("%s has an alpha channel; the store refuses it", name)
		case !opaque[name] && !alpha:
			t.Errorf("%s has no alpha channel; it is a layer over something else", name)
		}
	}
	for name := range want {
		if _, ok := tree[name]; !ok {
			t.Errorf("%s is missing", name)
		}
	}
}

// hasAlphaChannel reads a PNG's header and chunks: colour types 4 and 6
// carry alpha, a tRNS chunk adds it to the others. Stores that refuse alpha
// (the App Store's icon, Google Play's feature graphic) refuse the channel
// itself, even when every pixel is opaque, so this reads the format, not
// the pixels. JPEGs have none.
func hasAlphaChannel(b []byte) bool {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(b) < 33 || string(b[:8]) != sig {
		return false
	}
	if ct := b[25]; ct == 4 || ct == 6 {
		return true
	}
	for i := 8; i+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if typ == "tRNS" {
			return true
		}
		if typ == "IDAT" || typ == "IEND" {
			return false
		}
		i += 12 + n
	}
	return false
}
