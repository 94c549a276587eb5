package embed

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestChunk(t *testing.T) {
	for _, tc := range []struct {
		name      string
		s         string
		size, max int
		want      []string
	}{
		{"fits", "one two", 10, 8, []string{"one two"}},
		{"empty", "", 10, 8, []string{""}},
		{"at a line break", "aaaa bbbb\ncc dd ee", 12, 8, []string{"aaaa bbbb\n", "cc dd ee"}},
		{"at a space", "aaaa bbbb cccc dddd", 12, 8, []string{"aaaa bbbb ", "cccc dddd"}},
		{"no break in reach", "abcdefghijklmnop", 6, 8, []string{"abcdef", "ghijkl", "mnop"}},
		{"capped", "abcdefghijklmnop", 6, 2, []string{"abcdef", "ghijkl"}},
		{"character boundary", "ééééé", 5, 8, []string{"éé", "éé", "é"}},
	} {
		got := chunk(tc.s, tc.size, tc.max)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: chunk(%q, %d, %d) = %q, want %q", tc.name, tc.s, tc.size, tc.max, got, tc.want)
		}
		for _, c := range got {
			if len(c) > tc.size || !utf8.ValidString(c) {
				t.Errorf("%s: piece %q over %d bytes or not UTF-8", tc.name, c, tc.size)
			}
		}
	}
}

func TestBreakLongWords(t *testing.T) {
	short := "a normal line with a sha 0123456789abcdef0123456789abcdef01234567 in it"
	if got := breakLongWords(short); got != short {
		t.Errorf("a text without long words changed: %q", got)
	}
	word := strings.Repeat("x", 250)
	got := breakLongWords("before " + word + "\nafter")
	if strings.ReplaceAll(got, " ", "") != strings.ReplaceAll("before "+word+"\nafter", " ", "") {
		t.Errorf("breaking changed more than spacing: %q", got)
	}
	for _, w := range strings.Fields(got) {
		if len(w) > wordPiece {
			t.Errorf("a piece of %d bytes left", len(w))
		}
	}
	cjk := strings.Repeat("日本語", 40) // 360 bytes, no spaces
	for _, w := range strings.Fields(breakLongWords(cjk)) {
		if len(w) > wordPiece || !utf8.ValidString(w) {
			t.Errorf("CJK piece %q", w)
		}
	}
}

// The estimate bounds tokens by bytes: every chunk of a text, with its
// prefix, fits the context with room to spare.
func TestChunkBytesLeavesMargin(t *testing.T) {
	for _, ctx := range []int{256, 512, 2048, 8192} {
		n := chunkBytes(ctx, len("search_document: "))
		if n+len("search_document: ")+2 > ctx-ctx/10 {
			t.Errorf("context %d: chunks of %d bytes leave too little margin", ctx, n)
		}
	}
}

// BenchmarkPrepare measures what Embed does to a text before sending it: a
// diff-sized text with a minified line, broken and chunked.
func BenchmarkPrepare(b *testing.B) {
	text := strings.Repeat("+func save(order *Order) error { return db.Insert(order) }\n", 200) +
		strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw", 60)
	size := chunkBytes(2048, len("search_document: "))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		chunk(breakLongWords(text), size, 8)
	}
}
