package catalog

import (
	"strconv"
	"strings"
)

// maxLineLen is the longest line the matcher looks at; longer lines are
// minified or generated content.
const maxLineLen = 4096

// maxNoteLen caps the note text that is matched.
const maxNoteLen = 64 << 10

type lineKind uint8

const (
	kindAdd    lineKind = iota + 1 // "+" line
	kindDel                        // "-" line
	kindCtx                        // " " context line
	kindNote                       // line of a note
	kindHeader                     // text after a hunk header's "@@" (sections only)
)

type line struct {
	text string // content without the diff marker
	kind lineKind
	file int32 // index into scratch.files, -1 for notes
	hunk int32 // global hunk index, -1 for notes
}

type fileInfo struct {
	path     string
	excluded bool // default-excluded (tests, docs, vendor, locks)
	skipAll  bool // excluded and no class looks at excluded files
	deleted  bool // the diff deletes the whole file
	first    int32
	end      int32 // lines[first:end] belong to this file
}

// scratch holds the per-Match working state; it is pooled per Catalog.
type scratch struct {
	lines []line
	files []fileInfo
	cand  [][]int32 // candidate line indices per class
	last  []int32   // last line appended to cand[k]
	sq    []string  // squeezed line text, valid where sqOK
	sqOK  []bool
}

// prepare sizes the per-line caches once the lines are known.
func (s *scratch) prepare() {
	n := len(s.lines)
	if cap(s.sq) < n {
		s.sq = make([]string, n)
		s.sqOK = make([]bool, n)
	}
	s.sq = s.sq[:n]
	s.sqOK = s.sqOK[:n]
	clear(s.sqOK)
}

func (s *scratch) reset(nclasses int) {
	s.lines = s.lines[:0]
	s.files = s.files[:0]
	if cap(s.cand) < nclasses {
		s.cand = make([][]int32, nclasses)
		s.last = make([]int32, nclasses)
	}
	s.cand = s.cand[:nclasses]
	s.last = s.last[:nclasses]
	for k := range s.cand {
		s.cand[k] = s.cand[k][:0]
		s.last[k] = -1
	}
}

// parseNote splits a note into lines.
func parseNote(title, body string, s *scratch) {
	add := func(t string) {
		for len(t) > 0 {
			i := strings.IndexByte(t, '\n')
			var l string
			if i < 0 {
				l, t = t, ""
			} else {
				l, t = t[:i], t[i+1:]
			}
			l = strings.TrimRight(l, "\r")
			if strings.TrimSpace(l) != "" {
				s.lines = append(s.lines, line{text: l, kind: kindNote, file: -1, hunk: -1})
			}
		}
	}
	if len(title)+len(body) > maxNoteLen {
		if len(title) > maxNoteLen {
			title = title[:maxNoteLen]
		}
		if rest := maxNoteLen - len(title); len(body) > rest {
			body = body[:rest]
		}
	}
	add(title)
	add(body)
}

// parseDiff splits a unified diff into added, removed and context lines,
// attributing each to a file and a hunk. It accepts `git diff`, `git log -p`
// and plain `diff -u` output, and is lenient with hand-written snippets:
// +/- lines outside a well-formed hunk still count.
func parseDiff(diff string, paths []string, optOut bool, s *scratch) {
	fallback := ""
	if len(paths) == 1 {
		fallback = paths[0]
	}
	if need := strings.Count(diff, "\n") + 1; cap(s.lines) < need {
		s.lines = make([]line, 0, need)
	}
	cur := int32(-1)
	hunk := int32(-1)
	headerOpen := false // a file was started by "diff --git" and has no hunk yet
	pendingOld := ""
	oldLeft, newLeft := 0, 0

	newFile := func(path string) {
		if cur >= 0 {
			s.files[cur].end = int32(len(s.lines))
		}
		ex := isDefaultExcluded(path)
		s.files = append(s.files, fileInfo{
			path:     path,
			excluded: ex,
			skipAll:  ex && !optOut,
			first:    int32(len(s.lines)),
		})
		cur = int32(len(s.files) - 1)
	}
	ensureFile := func() {
		if cur < 0 {
			newFile(fallback)
		}
	}
	emit := func(text string, kind lineKind) {
		ensureFile()
		if hunk < 0 {
			hunk = 0
		}
		s.lines = append(s.lines, line{text: text, kind: kind, file: cur, hunk: hunk})
	}

	for rest := diff; len(rest) > 0; {
		var l string
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			l, rest = rest, ""
		}
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}

		if oldLeft > 0 || newLeft > 0 {
			if l == "" { // some tools strip the space of empty context lines
				oldLeft--
				newLeft--
				emit("", kindCtx)
				continue
			}
			switch l[0] {
			case '+':
				newLeft--
				emit(l[1:], kindAdd)
				continue
			case '-':
				oldLeft--
				emit(l[1:], kindDel)
				continue
			case ' ':
				oldLeft--
				newLeft--
				emit(l[1:], kindCtx)
				continue
			case '\\': // "\ No newline at end of file"
				continue
			}
			oldLeft, newLeft = 0, 0 // malformed counts: fall through to headers
		}

		switch {
		case strings.HasPrefix(l, "diff --git "):
			newFile(gitDiffPath(l[len("diff --git "):]))
			headerOpen = true
			pendingOld = ""
		case strings.HasPrefix(l, "--- "):
			pendingOld = headerPath(l[4:])
		case strings.HasPrefix(l, "+++ "):
			p := headerPath(l[4:])
			deleted := p == "" && pendingOld != ""
			if p == "" {
				p = pendingOld
			}
			if headerOpen && cur >= 0 {
				if p != "" {
					s.files[cur].path = p
					ex := isDefaultExcluded(p)
					s.files[cur].excluded = ex
					s.files[cur].skipAll = ex && !optOut
				}
			} else {
				newFile(p)
			}
			s.files[cur].deleted = deleted
			headerOpen = false
		case strings.HasPrefix(l, "@@"):
			ensureFile()
			headerOpen = false
			hunk++
			o, n, ctx, ok := parseHunkHeader(l)
			if ok {
				oldLeft, newLeft = o, n
			}
			if ctx != "" {
				s.lines = append(s.lines, line{text: ctx, kind: kindHeader, file: cur, hunk: hunk})
			}
		case len(l) > 0 && l[0] == '+':
			emit(l[1:], kindAdd)
		case len(l) > 0 && l[0] == '-':
			emit(l[1:], kindDel)
		}
	}
	if cur >= 0 {
		s.files[cur].end = int32(len(s.lines))
	}
}

// gitDiffPath extracts the new path from "a/x b/y".
func gitDiffPath(s string) string {
	if i := strings.LastIndex(s, " b/"); i >= 0 {
		return s[i+3:]
	}
	if f := strings.Fields(s); len(f) > 0 {
		return f[len(f)-1]
	}
	return ""
}

// headerPath extracts the path of a "---"/"+++" header, "" for /dev/null.
func headerPath(s string) string {
	if i := strings.IndexByte(s, '\t'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if s == "/dev/null" {
		return ""
	}
	if strings.HasPrefix(s, "a/") || strings.HasPrefix(s, "b/") {
		s = s[2:]
	}
	return s
}

// parseHunkHeader parses "@@ -a,b +c,d @@ context".
func parseHunkHeader(l string) (oldN, newN int, ctx string, ok bool) {
	body := strings.TrimPrefix(l, "@@")
	end := strings.Index(body, "@@")
	if end < 0 {
		return 0, 0, "", false
	}
	ctx = strings.TrimSpace(body[end+2:])
	f := strings.Fields(body[:end])
	if len(f) != 2 || !strings.HasPrefix(f[0], "-") || !strings.HasPrefix(f[1], "+") {
		return 0, 0, ctx, false
	}
	count := func(r string) (int, bool) {
		_, c, found := strings.Cut(r[1:], ",")
		if !found {
			return 1, true
		}
		n, err := strconv.Atoi(c)
		return n, err == nil && n >= 0
	}
	o, ok1 := count(f[0])
	n, ok2 := count(f[1])
	if !ok1 || !ok2 {
		return 0, 0, ctx, false
	}
	return o, n, ctx, true
}

// isComment reports whether a line is only a comment.
func isComment(text string) bool {
	s := strings.TrimLeft(text, " \t")
	if s == "" {
		return false
	}
	switch s[0] {
	case '#':
		return !isDirective(s[1:])
	case ';':
		return true
	case '*':
		return len(s) == 1 || s[1] == ' ' || s[1] == '/' || s[1] == '\t'
	case '/':
		return strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/*")
	case '-':
		return s == "--" || strings.HasPrefix(s, "-- ") || strings.HasPrefix(s, "--\t")
	case '<':
		return strings.HasPrefix(s, "<!--")
	}
	return false
}

// isDefinition reports whether a line starts a function definition. A
// signature such as "def fetch(url, retry=None)" declares a parameter; it
// does not change behaviour, so added/removed patterns skip it.
func isDefinition(text string) bool {
	s := strings.TrimLeft(text, " \t")
	for _, p := range []string{"async def ", "def ", "func ", "function ", "async function ", "fn ", "pub fn ", "pub(crate) fn "} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// lineKey returns the key of a "key: value" or "key = value" line
// ("- key: v", quoted keys allowed), the name of a block that a line opens
// ("expiration {", HCL's `resource "type" "name" {`, nginx's "server {"),
// or "".
func lineKey(text string) string {
	s := strings.TrimLeft(text, " \t")
	s = strings.TrimPrefix(s, "- ")
	s = strings.TrimLeft(s, " \t\"'")
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '_' || c == '-' || c == '.' || c == '<' || c == '>' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			i++
			continue
		}
		break
	}
	if i == 0 {
		return ""
	}
	if opensBlock(s[i:]) {
		return s[:i]
	}
	rest := strings.TrimLeft(s[i:], " \t\"'")
	if rest == "" || rest[0] != ':' && rest[0] != '=' {
		return ""
	}
	return s[:i]
}

// opensBlock reports whether what follows a block's name opens the block:
// "{", or quoted labels and then "{", and nothing after it.
func opensBlock(s string) bool {
	for {
		s = strings.TrimLeft(s, " \t")
		switch {
		case strings.HasPrefix(s, "{"):
			return strings.TrimSpace(s[1:]) == ""
		case strings.HasPrefix(s, `"`):
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return false
			}
			s = s[end+2:]
		default:
			return false
		}
	}
}

func indentOf(text string) int {
	n := 0
	for n < len(text) && (text[n] == ' ' || text[n] == '\t') {
		n++
	}
	return n
}

// isDirective reports whether the text after "#" is a C-style preprocessor
// directive, which is code, not a comment.
func isDirective(s string) bool {
	i := 0
	for i < len(s) && 'a' <= s[i] && s[i] <= 'z' {
		i++
	}
	switch s[:i] {
	case "define", "undef", "if", "ifdef", "ifndef", "elif", "else", "endif",
		"include", "pragma", "import", "error", "warning", "line":
		return true
	}
	return false
}
