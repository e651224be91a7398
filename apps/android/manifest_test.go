package android

import (
	"encoding/xml"
	"errors"
	"testing"

	"github.com/marquee-ott/marquee/errs"
)

// androidManifest is the part of an AndroidManifest.xml the tests read;
// attributes in the android namespace are matched by local name.
type androidManifest struct {
	Package  string `xml:"package,attr"`
	Features []struct {
		Name     string `xml:"name,attr"`
		Required string `xml:"required,attr"`
	} `xml:"uses-feature"`
	Permissions []struct {
		Name string `xml:"name,attr"`
	} `xml:"uses-permission"`
	Application struct {
		Banner     string `xml:"banner,attr"`
		Activities []struct {
			Name    string `xml:"name,attr"`
			Filters []struct {
				Actions []struct {
					Name string `xml:"name,attr"`
				} `xml:"action"`
				Categories []struct {
					Name string `xml:"name,attr"`
				} `xml:"category"`
				Data []struct {
					Scheme string `xml:"scheme,attr"`
				} `xml:"data"`
			} `xml:"intent-filter"`
		} `xml:"activity"`
	} `xml:"application"`

	feature    map[string]string
	permission map[string]bool
}

func manifest(t testing.TB, b []byte) *androidManifest {
	t.Helper()
	var m androidManifest
	if err := xml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m.feature = map[string]string{}
	for _, f := range m.Features {
		m.feature[f.Name] = f.Required
	}
	m.permission = map[string]bool{}
	for _, p := range m.Permissions {
		m.permission[p.Name] = true
	}
	return &m
}

// hasCategory: an activity with a MAIN action and this category.
func (m *androidManifest) hasCategory(cat string) bool {
	for _, a := range m.Application.Activities {
		for _, f := range a.Filters {
			main, in := false, false
			for _, x := range f.Actions {
				main = main || x.Name == "android.intent.action.MAIN"
			}
			for _, c := range f.Categories {
				in = in || c.Name == cat
			}
			if main && in {
				return true
			}
		}
	}
	return false
}

func (m *androidManifest) hasScheme(s string) bool {
	for _, a := range m.Application.Activities {
		for _, f := range a.Filters {
			for _, d := range f.Data {
				if d.Scheme == s {
					return true
				}
			}
		}
	}
	return false
}

func asErr(err error, e **errs.Error) bool { return errors.As(err, e) }
