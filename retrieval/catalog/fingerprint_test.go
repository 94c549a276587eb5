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
