package retrieval

import (
	"regexp"
	"strconv"
	"strings"
)

// Frame is a source location named in an incident: a stack-trace frame or a
// "file:line" reference.
type Frame struct {
	Path string // as written, possibly absolute or module-qualified
	Line int    // 0 when only the file is named
	Func string // the function, when the trace says
}

var (
	// Python: File "app/orders.py", line 42, in get_order
	pyFrameRe = regexp.MustCompile(`File "([^"]+)", line (\d+)(?:, in (\w+))?`)
	// Java/Kotlin: at com.shop.Orders.save(Orders.java:42)
	javaFrameRe = regexp.MustCompile(`at ([\w$.<>]+)\(([\w$-]+\.(?:java|kt|scala|groovy)):(\d+)\)`)
	// JS: at save (/app/src/orders.js:42:13) or at /app/src/orders.js:42:13
	jsFrameRe = regexp.MustCompile(`at (?:([\w$.<>\[\] ]+) \()?((?:file://)?[\w@./~-]+\.(?:[cm]?js|ts|tsx|jsx)):(\d+)(?::\d+)?\)?`)
	// Go, Rust, C, Ruby and generic: path/file.ext:42
	fileLineRe = regexp.MustCompile(`(/?(?:[\w@.~-]+/)*[\w@.-]+\.(?:go|py|rb|rs|c|cc|cpp|h|hpp|java|kt|js|ts|tsx|jsx|php|cs|swift|scala|ex|exs|erl|sh|sql|yaml|yml|toml|json|conf|tf)):(\d+)`)
	// Go: main.(*Server).handle(...) on the line before a file:line frame
	goFuncRe = regexp.MustCompile(`(?m)^\s*([\w./*()-]+)\.([\w]+)\(.*\)\s*$`)
)

// ParseFrames finds source locations in an incident description, in order,
// without duplicates.
func ParseFrames(text string) []Frame {
	var out []Frame
	seen := map[string]bool{}
	add := func(path, line, fn string) {
		n, _ := strconv.Atoi(line)
		path = strings.TrimPrefix(path, "file://")
		key := path + ":" + line
		if path == "" || seen[key] {
			return
		}
		seen[key] = true
		out = append(out, Frame{Path: path, Line: n, Func: fn})
	}
	for _, m := range pyFrameRe.FindAllStringSubmatch(text, -1) {
		add(m[1], m[2], m[3])
	}
	for _, m := range javaFrameRe.FindAllStringSubmatch(text, -1) {
		fn := m[1]
		if i := strings.LastIndexByte(fn, '.'); i >= 0 {
			fn = fn[i+1:]
		}
		add(m[2], m[3], fn)
	}
	for _, m := range jsFrameRe.FindAllStringSubmatch(text, -1) {
		add(m[2], m[3], strings.TrimSpace(m[1]))
	}
	for _, m := range fileLineRe.FindAllStringSubmatchIndex(text, -1) {
		path, line := text[m[2]:m[3]], text[m[4]:m[5]]
		fn := ""
		// A Go trace names the function on the line before.
		if start := strings.LastIndexByte(text[:m[0]], '\n'); start > 0 {
			prev := text[:start]
			if k := strings.LastIndexByte(prev, '\n'); k >= 0 {
				prev = prev[k+1:]
			}
			if g := goFuncRe.FindStringSubmatch(prev); g != nil {
				fn = g[2]
			}
		}
		add(path, line, fn)
	}
	return out
}

// MatchPath returns the repository path that best matches a frame's path:
// the longest whole-component suffix match, or "" for none. paths are
// repository-relative.
func MatchPath(frame string, paths []string) string {
	frame = strings.TrimPrefix(frame, "./")
	best, bestLen := "", 0
	for _, p := range paths {
		if n := suffixComponents(frame, p); n > bestLen {
			best, bestLen = p, n
		}
	}
	return best
}

// suffixComponents counts how many trailing path components a and b share
// (the file name must match).
func suffixComponents(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	n := 0
	for i, j := len(as)-1, len(bs)-1; i >= 0 && j >= 0 && as[i] == bs[j]; i, j = i-1, j-1 {
		n++
	}
	return n
}

// Evidence is extra, located evidence about one entry: it touched a file or
// a line the incident names.
type Evidence struct {
	Score  float64 // 0..1
	Reason string
}
