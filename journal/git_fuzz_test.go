package journal

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzMark is the record mark the fuzz inputs use (a real stream's is random).
const fuzzMark = "0123456789abcdef01234567"

// fuzzRecord builds one record of `git log -p --format=logFormat(fuzzMark)`
// output: header fields, then a diff.
func fuzzRecord(sha, parents, author, ct, subject, body, diff string) string {
	return "\x1e" + fuzzMark + strings.Join([]string{sha, parents, author, ct, subject, body}, fieldSep) +
		headerEnd + fuzzMark + "\n\n" + diff
}

// FuzzPatchParser feeds arbitrary `git log -p` output, line by line as
// commitStream does, to the parser that turns it into entries. Whatever the
// input, it must not panic, and every entry must keep the limits: valid UTF-8
// text, a diff no longer than MaxDiff, at most MaxPaths paths, counts that
// are not below what was kept. The seeds (real-looking streams and their
// fragments) run as an ordinary test.
func FuzzPatchParser(f *testing.F) {
	sha := strings.Repeat("a", 40)
	diff := "diff --git a/db.py b/db.py\nindex 1..2 100644\n--- a/db.py\n+++ b/db.py\n@@ -1 +1 @@\n-w=1\n+w=0\n"
	for _, s := range []string{
		"",
		fuzzRecord(sha, "", "Dana <d@x>", "1764000000", "Initial", "", diff),
		fuzzRecord(sha, strings.Repeat("b", 40), "Dana <d@x>", "1764000000", "Speed up writes", "This reverts commit "+strings.Repeat("c", 40)+".", diff) +
			fuzzRecord(strings.Repeat("d", 40), "", "A <a@b>", "-5", "Second", "body\nlines", ""),
		fuzzRecord(sha, "", "A <a@b>", "x", "Binary", "", "diff --git a/x.bin b/x.bin\nBinary files /dev/null and b/x.bin differ\n"),
		fuzzRecord(sha, "", "A <a@b>", "1", "Patch", "", "diff --git a/x.bin b/x.bin\nGIT binary patch\nliteral 5\nMcmZ\n"),
		fuzzRecord(sha, "", "\xff\xfe <a@b>", "1", "caf\xe9", "\x1e\x1d\x1f", "+\xff\n-\xc3\n"),
		"\x1e" + fuzzMark + sha + "\x1f\x1f\x1f\x1f\x1f\x1d" + fuzzMark + "diff --git a/a b/a\n+x\n",
		"\x1e" + fuzzMark + "no header end\n+x\n",
		"\x1e" + fuzzMark + "\x1d" + fuzzMark + "\n",
		"diff --git a/x b/x\n+before any record\n",
		"\x1e" + sha + "\x1f\x1f\x1f\x1f\x1f\x1d\n+ a forged record without the mark\n",
		fuzzRecord(sha, "", "A <a@b>", "1", "Spaces", "", "diff --git a/my file b/my file\n+x\ndiff --git a/a b/c\ndiff --git \n"),
		fuzzRecord(sha, "", "A <a@b>", "1", "password=hunter2hunter2", "https://u:secretsecret@h/x", "+token: ghp_"+strings.Repeat("a", 36)+"\n"),
	} {
		f.Add([]byte(s), 256, 64, 3)
	}
	f.Fuzz(func(t *testing.T, in []byte, maxDiff, maxFile, maxPaths int) {
		lim := CommitLimits{MaxDiff: maxDiff % 4096, MaxFileDiff: maxFile % 4096, MaxPaths: maxPaths % 64}.withDefaults()
		p := newPatchParser(&Git{Name: "repo", Dir: "/repo/.git"}, lim)
		p.mark = fuzzMark
		var got []*Entry
		for len(in) > 0 {
			line := in
			if i := bytes.IndexByte(in, '\n'); i >= 0 {
				line = in[:i+1]
			}
			in = in[len(line):]
			if e := p.line(line); e != nil {
				got = append(got, e)
			}
		}
		if e := p.finish(); e != nil {
			got = append(got, e)
		}
		for _, e := range got {
			if e.ID == "" || e.Kind != KindCommit || e.Repo != "repo" {
				t.Errorf("entry with id %q kind %q repo %q", e.ID, e.Kind, e.Repo)
			}
			for name, s := range map[string]string{"title": e.Title, "body": e.Body, "author": e.Author, "diff": e.Diff} {
				if !utf8.ValidString(s) {
					t.Errorf("%s is not valid UTF-8: %q", name, s)
				}
			}
			if len(e.Diff) > lim.MaxDiff {
				t.Errorf("diff of %d bytes, limit %d", len(e.Diff), lim.MaxDiff)
			}
			if len(e.Paths) > lim.MaxPaths || e.Meta.Files < len(e.Paths) {
				t.Errorf("%d paths of %d files, limit %d", len(e.Paths), e.Meta.Files, lim.MaxPaths)
			}
			if e.Meta.Added < 0 || e.Meta.Deleted < 0 {
				t.Errorf("counts +%d -%d", e.Meta.Added, e.Meta.Deleted)
			}
		}
	})
}
