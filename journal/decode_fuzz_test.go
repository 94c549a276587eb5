package journal

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// fakeRow is one database row for scanEntry, in entryColumns order.
type fakeRow []any

func (r fakeRow) Scan(dst ...any) error {
	if len(dst) != len(r) {
		return errors.New("column count")
	}
	for i, d := range dst {
		switch d := d.(type) {
		case *string:
			*d = r[i].(string)
		case *int64:
			*d = r[i].(int64)
		default:
			return errors.New("unexpected destination")
		}
	}
	return nil
}

// FuzzScanEntry decodes stored rows whose JSON columns (paths, tags, masked,
// meta) and times hold anything: a journal written by an older or newer
// analyst, or damaged by hand. Decoding must not panic; a row that decodes
// must encode back to columns that decode to the same entry (what Add would
// store for it). The seeds run as an ordinary test.
func FuzzScanEntry(f *testing.F) {
	for _, s := range []struct {
		paths, tags, masked, meta string
		t, rec, unreachable       int64
	}{
		{"[]", "[]", "[]", "{}", 0, 0, 0},
		{`["db.py","a b/c.go"]`, `["mongo"]`, `[{"kind":"url-password","count":2}]`,
			`{"added":3,"deleted":1,"files":2,"diff_cut":true,"binary":["x.bin"],"root":true,"source":"index","origin":"/r/.git","reverts":"abc"}`,
			1764000000, 1764000000123, 1764000999},
		{"null", "null", "null", "null", -1, -1, -1},
		{`["\ud800"]`, `["\xff"]`, `[{"kind":1}]`, `{"added":"x"}`, 1 << 62, -1 << 62, 1},
		{"", "{", "[", `{"files":1e99}`, 0, 0, 0},
		{`[1,2]`, `{}`, `[null]`, `{"unknown":{"nested":[1]},"added":-5}`, 0, 0, 0},
		{`["a"]`, `["b"]`, `[]`, `{"Added":1,"added":2}`, 0, 0, 0},
	} {
		f.Add(s.paths, s.tags, s.masked, s.meta, s.t, s.rec, s.unreachable)
	}
	f.Fuzz(func(t *testing.T, paths, tags, masked, meta string, tm, rec, unreachable int64) {
		row := func(paths, tags, masked, meta string) fakeRow {
			return fakeRow{int64(7), "id1", "note", tm, rec, "repo", "ref", "title", "body", "author",
				paths, "diff", tags, masked, meta, unreachable}
		}
		e, err := scanEntry(row(paths, tags, masked, meta))
		if err != nil {
			return
		}
		again, err := scanEntry(row(jsonText(e.Paths, "[]"), jsonText(e.Tags, "[]"), jsonText(e.Masked, "[]"), jsonText(e.Meta, "{}")))
		if err != nil {
			t.Fatalf("re-encoded row does not decode: %v", err)
		}
		if !reflect.DeepEqual(normal(e), normal(again)) {
			a, _ := json.Marshal(e)
			b, _ := json.Marshal(again)
			t.Fatalf("decode, encode, decode changed the entry:\n%s\n%s", a, b)
		}
	})
}

// normal makes empty and nil slices alike: the store writes both as [].
func normal(e Entry) Entry {
	if len(e.Paths) == 0 {
		e.Paths = nil
	}
	if len(e.Tags) == 0 {
		e.Tags = nil
	}
	if len(e.Masked) == 0 {
		e.Masked = nil
	}
	if len(e.Meta.Binary) == 0 {
		e.Meta.Binary = nil
	}
	return e
}
