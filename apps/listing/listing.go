// Package listing makes a tenant's store listing pack for one platform: the
// texts (name, descriptions, keywords) and the artwork in each store's sizes,
// laid out the way the store's upload tool reads them — fastlane supply's
// metadata folder for Google Play, fastlane deliver's for the App Store, and
// a listing.json plus images for Amazon (Fire TV), Roku, Samsung (Tizen), LG
// (webOS) and the web (PWA and Open Graph). It cannot make screenshots (they
// need the running app); each pack's README.md says which sizes to capture.
// It is not the apps themselves (apps/android, apps/apple, …).
//
// Limits: a text the tenant typed (the name, the description, the keywords)
// that is over a store's limit is refused with errs.Invalid naming the field
// and the limit, never silently cut; texts the pack derives from the
// description (Google Play's short description, the App Store's subtitle and
// promotional text) are cut at a word boundary with an ellipsis.
package listing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/marquee-ott/marquee/apps"
	"github.com/marquee-ott/marquee/apps/appimage"
	"github.com/marquee-ott/marquee/errs"
)

// Locale is the listing's language folder (the Spec carries one language).
const Locale = "en-US"

// Text limits, in characters.
const (
	// Google Play: title 30, short description 80, full description 4000,
	// release notes ("changelogs/<versionCode>.txt") 500.
	PlayTitle, PlayShort, PlayFull, PlayChangelog = 30, 80, 4000, 500
	// App Store: name 30, subtitle 30, keywords 100 (comma-separated),
	// description 4000, promotional text 170.
	AppStoreName, AppStoreSubtitle, AppStoreKeywords, AppStoreDescription, AppStorePromo = 30, 30, 100, 4000, 170
	// Amazon Appstore: short description 1200, long description 4000.
	AmazonShort, AmazonLong = 1200, 4000
	// Roku: channel name 30 (Roku's "Channel Name FAQs").
	RokuName = 30
	// Our ceiling for every other name and description (the apps share one
	// name; 30 is the smallest store limit above).
	Name, Description = 30, 4000
)

// Image is one artwork file of a pack.
type Image struct {
	Path   string
	W, H   int
	Opaque bool    // flattened over the palette's background (the store refuses alpha)
	Fill   bool    // background only, no logo
	Pad    float64 // the logo's margin, a fraction of the shorter side
	// MaxBytes is the store's file size limit, 0 for none known.
	MaxBytes int
}

// Artwork lists every image a platform's pack holds, with the store's sizes.
var Artwork = map[apps.Platform][]Image{
	// Google Play (supply's images folder): hi-res icon 512×512, feature
	// graphic 1024×500, Android TV banner 1280×720. Amazon Appstore: small
	// icon 114×114 and large icon 512×512; Fire TV app icon 1280×720 and
	// background 1920×1080 (Amazon Creator's "Publish your app" image assets).
	apps.Android: {
		{Path: "fastlane/metadata/android/" + Locale + "/images/icon.png", W: 512, H: 512, Opaque: true, Pad: 0.12},
		{Path: "fastlane/metadata/android/" + Locale + "/images/featureGraphic.png", W: 1024, H: 500, Opaque: true, Pad: 0.2},
		{Path: "fastlane/metadata/android/" + Locale + "/images/tvBanner.png", W: 1280, H: 720, Opaque: true, Pad: 0.2},
		{Path: "amazon/icon-small-114.png", W: 114, H: 114, Pad: 0.08},
		{Path: "amazon/icon-large-512.png", W: 512, H: 512, Pad: 0.08},
		{Path: "amazon/firetv-icon-1280x720.png", W: 1280, H: 720, Opaque: true, Pad: 0.2},
		{Path: "amazon/firetv-background-1920x1080.png", W: 1920, H: 1080, Opaque: true, Pad: 0.3},
	},
	// App Store: the icons come from the build (the asset catalogs); the
	// pack holds the texts, and the App Store icon for the listing preview.
	apps.Apple: {
		{Path: "store/app-store-icon-1024.png", W: 1024, H: 1024, Opaque: true, Pad: 0.12},
	},
	// Roku channel store: the channel poster, 540×405 (Roku's SDK publishing
	// guide; partner channel guidelines: "Channel Store Poster 540 x 405").
	apps.Roku: {
		{Path: "roku/channel-poster-540x405.png", W: 540, H: 405, Opaque: true, Pad: 0.15},
	},
	// Samsung Seller Office "App Images": a 1920×1080 logo (32-bit RGBA) and
	// background (24-bit RGB), each under 300 KB, and the 512×423 icon
	// (24-bit RGB, under 300 KB) for older TVs (developer.samsung.com, "App
	// Icons and Screenshots").
	apps.Tizen: {
		{Path: "samsung/icon-logo-1920x1080.png", W: 1920, H: 1080, Pad: 0.3, MaxBytes: 300 << 10},
		{Path: "samsung/icon-background-1920x1080.png", W: 1920, H: 1080, Opaque: true, Fill: true, MaxBytes: 300 << 10},
		{Path: "samsung/icon-512x423.png", W: 512, H: 423, Opaque: true, Pad: 0.15, MaxBytes: 300 << 10},
	},
	// LG Seller Lounge: the 400×400 app icon (the store resizes it for the
	// launcher), and the package's own 80×80 icon, 130×130 largeIcon and
	// 1920×1080 splash background (webOS TV "Key app assets").
	apps.WebOS: {
		{Path: "lg/app-icon-400x400.png", W: 400, H: 400, Opaque: true, Pad: 0.12},
		{Path: "lg/icon-80x80.png", W: 80, H: 80, Pad: 0.08},
		{Path: "lg/largeIcon-130x130.png", W: 130, H: 130, Pad: 0.08},
		{Path: "lg/background-1920x1080.png", W: 1920, H: 1080, Opaque: true, Pad: 0.3},
	},
	// Web: the Open Graph / social preview image, 1200×630, and the PWA
	// manifest's 192×192 and 512×512 icons (MDN, "Define your app icons").
	apps.Web: {
		{Path: "web/og-image-1200x630.png", W: 1200, H: 630, Opaque: true, Pad: 0.2},
		{Path: "web/icon-192.png", W: 192, H: 192, Opaque: true, Pad: 0.12},
		{Path: "web/icon-512.png", W: 512, H: 512, Opaque: true, Pad: 0.12},
	},
}

// Pack makes the listing pack for s.Platform.
func Pack(ctx context.Context, s apps.Spec) (apps.Tree, error) {
	if err := check(s); err != nil {
		return nil, err
	}
	t := apps.Tree{}
	var err error
	switch s.Platform {
	case apps.Android:
		err = android(t, s)
	case apps.Apple:
		err = apple(t, s)
	case apps.Roku:
		err = store(t, s, "roku", map[string]any{"store": "Roku Channel Store", "channelName": s.Name,
			"description": s.Description, "searchKeywords": keywords(s), "category": "Movies & TV"}, RokuName)
	case apps.Tizen:
		err = store(t, s, "samsung", map[string]any{"store": "Samsung Seller Office", "appTitle": s.Name,
			"description": s.Description, "tags": keywords(s), "category": "Video"}, Name)
	case apps.WebOS:
		err = store(t, s, "lg", map[string]any{"store": "LG Seller Lounge", "appTitle": s.Name,
			"description": s.Description, "tags": keywords(s), "primaryCategory": "Entertainment",
			"iconColor": apps.Hex(s.Palette.Background)}, Name)
	case apps.Web:
		err = store(t, s, "web", map[string]any{"name": s.Name, "short_name": shortName(s), "description": s.Description,
			"keywords": keywords(s), "url": s.WebURL, "theme_color": apps.Hex(s.Palette.Primary),
			"background_color": apps.Hex(s.Palette.Background),
			"og": map[string]any{"og:title": s.Name, "og:description": cut(firstSentence(s.Description), 200),
				"og:image": "og-image-1200x630.png", "og:image:width": 1200, "og:image:height": 630}}, Name)
	default:
		return nil, errs.InvalidField("platform", "no store listing for platform %q", s.Platform)
	}
	if err != nil {
		return nil, err
	}
	if err := drawAll(ctx, t, s); err != nil {
		return nil, err
	}
	return t, nil
}

func check(s apps.Spec) error {
	if strings.TrimSpace(s.Name) == "" {
		return errs.InvalidField("name", "the listing needs a name")
	}
	if strings.TrimSpace(s.Description) == "" {
		return errs.InvalidField("description", "the stores need a description")
	}
	if s.Logo == nil {
		return errs.InvalidField("logo", "the listing's artwork needs a logo")
	}
	if _, err := url.Parse(s.WebURL); err != nil || s.WebURL == "" {
		return errs.InvalidField("webUrl", "%q is not a URL", s.WebURL)
	}
	return nil
}

// limit refuses a text over n characters, naming the field and the store's limit.
func limit(field, store, v string, n int) error {
	if c := utf8.RuneCountInString(v); c > n {
		return errs.InvalidField(field, "%s allows %d characters in the %s; it has %d", store, n, field, c)
	}
	return nil
}

func android(t apps.Tree, s apps.Spec) error {
	if err := limit("name", "Google Play", s.Name, PlayTitle); err != nil {
		return err
	}
	if err := limit("description", "Google Play", s.Description, PlayFull); err != nil {
		return err
	}
	if err := limit("description", "the Amazon Appstore", s.Description, AmazonLong); err != nil {
		return err
	}
	dir := "fastlane/metadata/android/" + Locale + "/"
	t[dir+"title.txt"] = []byte(s.Name + "\n")
	t[dir+"short_description.txt"] = []byte(cut(firstSentence(s.Description), PlayShort) + "\n")
	t[dir+"full_description.txt"] = []byte(s.Description + "\n")
	t[dir+fmt.Sprintf("changelogs/%d.txt", s.Version.Build)] = []byte(cut("Version "+s.Version.String()+".", PlayChangelog) + "\n")
	amazon, err := jsonFile(map[string]any{
		"store": "Amazon Appstore (Fire TV)", "title": s.Name, "shortDescription": cut(s.Description, AmazonShort),
		"longDescription": s.Description, "keywords": keywords(s), "category": "Movies & TV",
		"images": imageNames(s.Platform, "amazon/"),
	})
	if err != nil {
		return err
	}
	t["amazon/listing.json"] = amazon
	t["README.md"] = []byte(fmt.Sprintf(`# %s — Google Play and Amazon Appstore listing

Google Play, with fastlane supply (from this folder):

    fastlane supply --package_name %s --metadata_path fastlane/metadata/android --skip_upload_apk --skip_upload_aab

Texts: title.txt (≤ %d characters), short_description.txt (≤ %d, made from the
description's first sentence), full_description.txt (≤ %d), changelogs/%d.txt.
Images: images/icon.png 512×512, images/featureGraphic.png 1024×500,
images/tvBanner.png 1280×720.

Not included — screenshots need the running app: capture at least two phone
screenshots (16:9 or 9:16, 320 to 3840 px per side) into
fastlane/metadata/android/%s/images/phoneScreenshots/ and, for the TV track,
Android TV screenshots 1920×1080 into images/tvScreenshots/.

Amazon Appstore (Fire TV): fastlane does not upload to Amazon; enter
amazon/listing.json's texts and upload the amazon/ images in the Amazon
Developer Console (icons 114×114 and 512×512, Fire TV icon 1280×720, Fire TV
background 1920×1080), plus at least three 1920×1080 screenshots.
`, s.Name, s.BundleID, PlayTitle, PlayShort, PlayFull, s.Version.Build, Locale))
	return nil
}

func apple(t apps.Tree, s apps.Spec) error {
	if err := limit("name", "the App Store", s.Name, AppStoreName); err != nil {
		return err
	}
	if err := limit("description", "the App Store", s.Description, AppStoreDescription); err != nil {
		return err
	}
	kw := strings.Join(keywords(s), ",")
	if err := limit("keywords", "the App Store", kw, AppStoreKeywords); err != nil {
		return err
	}
	dir := "fastlane/metadata/" + Locale + "/"
	first := firstSentence(s.Description)
	files := map[string]string{
		dir + "name.txt":                         s.Name,
		dir + "subtitle.txt":                     cut(first, AppStoreSubtitle),
		dir + "description.txt":                  s.Description,
		dir + "keywords.txt":                     kw,
		dir + "promotional_text.txt":             cut(first, AppStorePromo),
		dir + "release_notes.txt":                "Version " + s.Version.String() + ".",
		dir + "support_url.txt":                  s.WebURL,
		dir + "marketing_url.txt":                s.WebURL,
		"fastlane/metadata/copyright.txt":        fmt.Sprintf("© %d %s", s.Now.Year(), s.Name),
		"fastlane/metadata/primary_category.txt": "ENTERTAINMENT",
	}
	for p, v := range files {
		t[p] = []byte(v + "\n")
	}
	t["fastlane/screenshots/README.md"] = []byte(`# Screenshots

Marquee cannot make screenshots (they need the running app). Capture them in
the Simulator or on devices and put them here, one folder per language
(fastlane/screenshots/` + Locale + `/), then run fastlane deliver:

- iPhone 6.9" display: 1320×2868 (or 1290×2796), portrait, 1 to 10 images
- iPad 13" display: 2064×2752 (or 2048×2732), when the app runs on iPad
- Apple TV: 1920×1080 or 3840×2160, for the tvOS app

fastlane snapshot can automate the capture with a UI test target.
`)
	t["README.md"] = []byte(fmt.Sprintf(`# %s — App Store listing (iOS and Apple TV)

Upload the texts with fastlane deliver (from this folder):

    fastlane deliver --app_identifier %s --metadata_path fastlane/metadata --screenshots_path fastlane/screenshots --skip_binary_upload

Texts: name.txt (≤ %d characters), subtitle.txt (≤ %d, made from the
description's first sentence), description.txt (≤ %d), keywords.txt (≤ %d,
comma-separated), promotional_text.txt (≤ %d), release_notes.txt, support and
marketing URLs, copyright and category. Add privacy_url.txt (the App Store
requires a privacy policy URL) before the first submission.

The icons come from the build (the Xcode project's asset catalogs);
store/app-store-icon-1024.png is the same 1024×1024 icon for previews.
Screenshots: see fastlane/screenshots/README.md.
`, s.Name, s.BundleID, AppStoreName, AppStoreSubtitle, AppStoreDescription, AppStoreKeywords, AppStorePromo))
	return nil
}

// store writes <dir>/listing.json and a README for a store without fastlane support.
func store(t apps.Tree, s apps.Spec, dir string, listing map[string]any, nameLimit int) error {
	who := "the listing"
	if name, ok := listing["store"].(string); ok {
		who = name
	}
	if err := limit("name", who, s.Name, nameLimit); err != nil {
		return err
	}
	if err := limit("description", who, s.Description, Description); err != nil {
		return err
	}
	listing["images"] = imageNames(s.Platform, dir+"/")
	b, err := jsonFile(listing)
	if err != nil {
		return err
	}
	t[dir+"/listing.json"] = b
	var sizes []string
	for _, im := range Artwork[s.Platform] {
		sizes = append(sizes, fmt.Sprintf("- %s: %d×%d", im.Path, im.W, im.H))
	}
	t["README.md"] = []byte(fmt.Sprintf("# %s — store listing\n\nEnter %s/listing.json's texts in the store's console and upload these images:\n\n%s\n\n"+
		"Not included — screenshots need the running app: capture them at 1920×1080 (TV stores) or your site's pages (web).\n",
		s.Name, dir, strings.Join(sizes, "\n")))
	return nil
}

func imageNames(p apps.Platform, prefix string) []string {
	var out []string
	for _, im := range Artwork[p] {
		if strings.HasPrefix(im.Path, prefix) {
			out = append(out, strings.TrimPrefix(im.Path, prefix))
		}
	}
	return out
}

// jsonFile is v indented, with & < > left as they are (people read these).
func jsonFile(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, errs.Internal(err)
	}
	return buf.Bytes(), nil
}

// keywords are the Spec's keywords trimmed, without empties or repeats.
func keywords(s apps.Spec) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, k := range s.Keywords {
		k = strings.TrimSpace(strings.ReplaceAll(k, ",", " "))
		if k == "" || seen[strings.ToLower(k)] {
			continue
		}
		seen[strings.ToLower(k)] = true
		out = append(out, k)
	}
	return out
}

func shortName(s apps.Spec) string {
	if s.ShortName != "" {
		return s.ShortName
	}
	return cut(s.Name, 12)
}

// firstSentence is the description up to its first full stop, question or
// exclamation mark followed by a space, or its first line.
func firstSentence(d string) string {
	d = strings.TrimSpace(d)
	if i := strings.IndexAny(d, "\r\n"); i >= 0 {
		d = d[:i]
	}
	for i, r := range d {
		if (r == '.' || r == '!' || r == '?') && i+1 < len(d) && d[i+1] == ' ' {
			return d[:i+1]
		}
	}
	return d
}

// cut shortens s to at most n characters at a word boundary, ending with "…".
func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	full := []rune(s)
	r := full[:n-1]
	end := len(r)
	// Unless the cut falls between words, drop the partial word.
	for !unicode.IsSpace(full[n-1]) && end > 0 && !unicode.IsSpace(r[end-1]) {
		end--
	}
	if end < n/2 { // one long word: cut inside it
		end = len(r)
	}
	return strings.TrimRightFunc(string(r[:end]), func(c rune) bool { return unicode.IsSpace(c) || unicode.IsPunct(c) }) + "…"
}

func drawAll(ctx context.Context, t apps.Tree, s apps.Spec) error {
	list := Artwork[s.Platform]
	bg := s.Palette.Background
	bg.A = 255
	out, err := appimage.DrawAll(ctx, len(list), func(i int) ([]byte, error) {
		im := list[i]
		var img image.Image
		switch {
		case im.Fill:
			img = appimage.Opaque(image.NewNRGBA(image.Rect(0, 0, im.W, im.H)), bg)
		case im.Opaque:
			img = appimage.Opaque(appimage.Fit(s.Logo, im.W, im.H, bg, im.Pad), bg)
		default:
			img = appimage.Fit(s.Logo, im.W, im.H, color.RGBA{}, im.Pad)
		}
		b, err := appimage.PNG(img)
		if err == nil && im.MaxBytes > 0 && len(b) > im.MaxBytes {
			err = fmt.Errorf("%s is %d bytes, over the store's %d", im.Path, len(b), im.MaxBytes)
		}
		return b, err
	})
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return errs.Internal(err)
	}
	for i, im := range list {
		t[im.Path] = out[i]
	}
	return nil
}
