package apps

import (
	"bytes"
	"testing"
)

func TestTreeZipRoundTripsAndIsDeterministic(t *testing.T) {
	tree := Tree{"manifest": []byte("title=Acme\n"), "images/icon.png": {1, 2, 3}}
	a, err := tree.Zip()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := tree.Zip()
	if !bytes.Equal(a, b) {
		t.Error("the same tree zipped to different bytes")
	}
	back, err := Unzip(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || string(back["manifest"]) != "title=Acme\n" || !bytes.Equal(back["images/icon.png"], []byte{1, 2, 3}) {
		t.Fatalf("round trip gave %v", back)
	}
	if _, err := Unzip([]byte("not a zip")); err == nil {
		t.Error("Unzip accepted garbage")
	}
}
