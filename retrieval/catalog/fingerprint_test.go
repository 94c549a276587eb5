package catalog

import (
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	const a = `[[class]]
id = "x"
reason = "r"
symptoms = ["s"]
notes = ["hello"]
`
	ca, err := Load(strings.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := Load(strings.NewReader(strings.Replace(a, "hello", "world", 1)))
	if err != nil {
		t.Fatal(err)
	}
	ca2, _ := Load(strings.NewReader(a))
	if ca.Fingerprint() == cb.Fingerprint() {
		t.Error("editing a class keeps the fingerprint")
	}
	if ca.Fingerprint() != ca2.Fingerprint() {
		t.Error("the same definitions give different fingerprints")
	}
	d := Default()
	if d.Extend(ca).Fingerprint() == d.Fingerprint() || d.Extend(ca).Fingerprint() == d.Extend(cb).Fingerprint() {
		t.Error("extending does not change the fingerprint")
	}
}

func TestDefaultIsLazyButSame(t *testing.T) {
	lazy, compiled := Default(), defaultCatalog()
	if lazy.Fingerprint() != compiled.Fingerprint() {
		t.Errorf("lazy fingerprint %s, compiled %s", lazy.Fingerprint(), compiled.Fingerprint())
	}
	if lazy.Len() != compiled.Len() || lazy.Len() < 60 {
		t.Errorf("lazy has %d classes, compiled %d", lazy.Len(), compiled.Len())
	}
	ch := Change{Diff: "diff --git a/.env b/.env\n--- a/.env\n+++ b/.env\n@@ -1 +1 @@\n-MONGO_URL=mongodb://db/shop?w=majority\n+MONGO_URL=mongodb://db/shop?w=0&journal=false\n", Paths: []string{".env"}}
	if len(lazy.Match(ch)) == 0 || len(lazy.Match(ch)) != len(compiled.Match(ch)) {
		t.Error("lazy and compiled catalogues match differently")
	}
}
