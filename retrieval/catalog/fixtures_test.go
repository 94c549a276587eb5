package catalog

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// A fixture is testdata/<class>.<pos|neg>[-variant].<diff|note>.
//
// Leading lines of the form "#! key: value" are headers:
//
//	#! evidence: substring the Evidence of a positive must contain (required for pos)
//	#! title: commit subject for a .diff (optional)
//	#! also: other classes a near-miss is expected to match, space-separated (optional)
//
// The rest of a .diff is the unified diff (any `git log -p` / `git diff` /
// `diff -u` text). The rest of a .note is the note: first line Title, the
// remaining lines Body.
type fixture struct {
	name     string
	class    string
	positive bool
	evidence string
	also     []string
	change   Change
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var fs []fixture
	for _, p := range paths {
		base := filepath.Base(p)
		ext := filepath.Ext(base)
		if ext != ".diff" && ext != ".note" {
			t.Fatalf("%s: fixture must end in .diff or .note", base)
		}
		parts := strings.SplitN(strings.TrimSuffix(base, ext), ".", 2)
		if len(parts) != 2 {
			t.Fatalf("%s: want <class>.<pos|neg>[-variant]%s", base, ext)
		}
		kind, _, _ := strings.Cut(parts[1], "-")
		if kind != "pos" && kind != "neg" {
			t.Fatalf("%s: kind %q, want pos or neg", base, kind)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := fixture{name: base, class: parts[0], positive: kind == "pos"}
		text := string(data)
		for strings.HasPrefix(text, "#! ") {
			line, rest, _ := strings.Cut(text, "\n")
			text = rest
			k, v, ok := strings.Cut(strings.TrimPrefix(line, "#! "), ":")
			if !ok {
				t.Fatalf("%s: bad header %q", base, line)
			}
			switch v = strings.TrimSpace(v); strings.TrimSpace(k) {
			case "evidence":
				f.evidence = v
			case "title":
				f.change.Title = v
			case "also":
				f.also = strings.Fields(v)
			default:
				t.Fatalf("%s: unknown header %q", base, k)
			}
		}
		if ext == ".note" {
			f.change.Title, f.change.Body, _ = strings.Cut(text, "\n")
		} else {
			f.change.Diff = text
			if f.change.Title == "" {
				f.change.Title = "fixture " + base
			}
			for _, l := range strings.Split(text, "\n") {
				if strings.HasPrefix(l, "diff --git ") {
					f.change.Paths = append(f.change.Paths, gitDiffPath(l[len("diff --git "):]))
				}
			}
		}
		if f.positive && f.evidence == "" {
			t.Fatalf("%s: positive fixture needs a '#! evidence:' header", base)
		}
		fs = append(fs, f)
	}
	return fs
}

func matchedClasses(ms []Match) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.Class
	}
	return ids
}

func TestFixtures(t *testing.T) {
	c := Default()
	fixtures := loadFixtures(t)

	pos := map[string]int{}
	neg := map[string]int{}
	known := map[string]bool{}
	for _, id := range c.Classes() {
		known[id] = true
	}
	for _, f := range fixtures {
		if !known[f.class] {
			t.Errorf("%s: no class %q in the catalogue", f.name, f.class)
		}
		if f.positive {
			pos[f.class]++
		} else {
			neg[f.class]++
		}
	}
	for _, id := range c.Classes() {
		if pos[id] == 0 || neg[id] == 0 {
			t.Errorf("class %s: has %d positive and %d near-miss fixtures, want at least one of each", id, pos[id], neg[id])
		}
	}

	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			ms := c.Match(f.change)
			got := matchedClasses(ms)
			if !f.positive {
				if slices.Contains(got, f.class) {
					t.Fatalf("near-miss matched its class %s: %+v", f.class, ms)
				}
				if !slices.Equal(got, f.also) {
					t.Errorf("near-miss matched %v, want %v (declare expected other matches with '#! also:')", got, f.also)
				}
				return
			}
			if len(got) != 1 || got[0] != f.class {
				t.Fatalf("matched %v, want exactly [%s]; matches: %+v", got, f.class, ms)
			}
			m := ms[0]
			if !strings.Contains(m.Evidence, f.evidence) {
				t.Errorf("Evidence = %q, want it to contain %q", m.Evidence, f.evidence)
			}
			if n := utf8.RuneCountInString(m.Evidence); n > maxEvidence {
				t.Errorf("Evidence has %d characters, want <= %d", n, maxEvidence)
			}
			if m.Reason == "" || len(m.Symptoms) == 0 {
				t.Errorf("match lacks reason or symptoms: %+v", m)
			}
		})
	}
}

// withoutPrefilter returns a catalogue with the same classes but no literal
// filtering at all (neither the scan literals nor the per-pattern derived
// literals), so every line is tried against every regexp.
func withoutPrefilter(c *Catalog) *Catalog {
	c = c.resolve()
	unfilter := func(ps []pattern) []pattern {
		out := slices.Clone(ps)
		for i := range out {
			out[i].lits = nil
		}
		return out
	}
	cls := make([]*class, len(c.classes))
	for i, cl := range c.classes {
		cp := *cl
		cp.literals = nil
		cp.added, cp.removed, cp.notes = unfilter(cl.added), unfilter(cl.removed), unfilter(cl.notes)
		cp.skipFrom, cp.skipUntil = unfilter(cl.skipFrom), unfilter(cl.skipUntil)
		cp.numeric = slices.Clone(cl.numeric)
		for j := range cp.numeric {
			cp.numeric[j].lits = nil
		}
		cp.dropped = slices.Clone(cl.dropped)
		for j := range cp.dropped {
			cp.dropped[j].lineLits = nil
		}
		cls[i] = &cp
	}
	return newCatalog(cls)
}

// variants rewrites the +/- lines of a diff the ways people write the same
// setting: other case, spaces around separators, other quotes.
func variants(diff string) []string {
	rewrite := func(f func(string) string) string {
		lines := strings.Split(diff, "\n")
		for i, l := range lines {
			if (strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-")) &&
				!strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") {
				lines[i] = l[:1] + f(l[1:])
			}
		}
		return strings.Join(lines, "\n")
	}
	return []string{
		rewrite(strings.ToUpper),
		rewrite(strings.ToLower),
		rewrite(func(s string) string {
			s = strings.ReplaceAll(s, "=", " = ")
			return strings.ReplaceAll(s, ": ", " :  ")
		}),
		rewrite(func(s string) string { return strings.ReplaceAll(s, `"`, "'") }),
		rewrite(func(s string) string { return strings.ReplaceAll(s, "'", "`") }),
		rewrite(func(s string) string { return "\t" + strings.ReplaceAll(s, " ", "\t") }),
	}
}

// TestPrefilterIsSound checks the contract behind the literal filters: they
// only save time and never change a result, including on respelled lines.
func TestPrefilterIsSound(t *testing.T) {
	c := Default()
	slow := withoutPrefilter(c)
	changes := []Change{{Title: "bench", Diff: benchDiff(64 << 10)}}
	for _, f := range loadFixtures(t) {
		changes = append(changes, f.change)
		if f.change.Diff != "" {
			for _, v := range variants(f.change.Diff) {
				changes = append(changes, Change{Title: f.name + " (variant)", Diff: v, Paths: f.change.Paths})
			}
		} else {
			changes = append(changes, Change{Title: strings.ToUpper(f.change.Title), Body: strings.ToUpper(f.change.Body)})
		}
	}
	for _, ch := range changes {
		fast, full := c.Match(ch), slow.Match(ch)
		if !slices.EqualFunc(fast, full, func(a, b Match) bool {
			return a.Class == b.Class && a.Evidence == b.Evidence
		}) {
			t.Errorf("%s: with filters %v, without %v", ch.Title, fast, full)
		}
	}
}

func TestBuiltinClassesHaveLiterals(t *testing.T) {
	c := Default()
	if c.Len() < 12 {
		t.Fatalf("Default has %d classes, want at least 12", c.Len())
	}
	var ids []string
	for _, cl := range c.classes {
		if cl.hasDiffTriggers() && len(cl.literals) == 0 {
			ids = append(ids, cl.id)
		}
		if len(cl.notes) == 0 {
			t.Errorf("class %s has no note patterns; decisions are often only written down", cl.id)
		}
	}
	sort.Strings(ids)
	if len(ids) > 0 {
		t.Errorf("classes without a literal pre-filter (slow on big diffs): %v", ids)
	}
}
