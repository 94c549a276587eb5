package catalog

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// glob is a compiled path glob: a few string tests for the common shapes
// ("*.ext", "name*", "name", "**/dir/**"), a regexp otherwise.
type glob struct {
	alts []globAlt // brace alternatives; any may match
	base bool      // no "/" in the pattern: match the base name only
}

type globKind uint8

const (
	globExact    globKind = iota // name
	globSuffix                   // *name
	globPrefix                   // name*
	globDir                      // **/dir/** (dir anywhere in the path)
	globContains                 // *name* (within one path element)
	globAffix                    // pre*suf (within one path element)
	globRegexp
)

type globAlt struct {
	kind       globKind
	lit        string // globAffix: the prefix
	suffix     string // globAffix only
	head, body string // globDir: "dir/" and "/dir/"
	re         *regexp.Regexp
}

func (g glob) match(p string) bool {
	p = strings.TrimPrefix(p, "./")
	return g.matchParts(p, path.Base(p))
}

// matchParts matches a path whose base name is already known.
func (g glob) matchParts(full, base string) bool {
	p := full
	if g.base {
		p = base
	}
	for i := range g.alts {
		a := &g.alts[i]
		var ok bool
		switch a.kind {
		case globExact:
			ok = p == a.lit
		case globSuffix:
			ok = strings.HasSuffix(p, a.lit)
		case globPrefix:
			ok = strings.HasPrefix(p, a.lit)
		case globDir:
			ok = strings.HasPrefix(p, a.head) || strings.Contains(p, a.body)
		case globContains:
			ok = strings.Contains(p, a.lit)
		case globAffix:
			ok = len(p) >= len(a.lit)+len(a.suffix) && strings.HasPrefix(p, a.lit) && strings.HasSuffix(p, a.suffix)
		default:
			ok = a.re.MatchString(p)
		}
		if ok {
			return true
		}
	}
	return false
}

// compileGlob compiles a case-sensitive glob. "*" and "?" do not cross "/",
// "**" does ("**/" also matches nothing), "{a,b}" alternates (nesting
// allowed) and "[...]" is a character class ("[!...]" negates).
func compileGlob(g string) (glob, error) {
	g = strings.TrimPrefix(g, "./")
	if g == "" {
		return glob{}, fmt.Errorf("empty glob")
	}
	alts, err := expandBraces(g)
	if err != nil {
		return glob{}, fmt.Errorf("glob %q: %v", g, err)
	}
	out := glob{base: !strings.Contains(g, "/")}
	for _, a := range alts {
		ga, err := compileGlobAlt(a)
		if err != nil {
			return glob{}, fmt.Errorf("glob %q: %v", g, err)
		}
		out.alts = append(out.alts, ga)
	}
	return out, nil
}

func compileGlobAlt(g string) (globAlt, error) {
	const meta = "*?["
	switch {
	case !strings.ContainsAny(g, meta):
		return globAlt{kind: globExact, lit: g}, nil
	case strings.HasPrefix(g, "*") && !strings.ContainsAny(g[1:], meta+"/"):
		return globAlt{kind: globSuffix, lit: g[1:]}, nil
	case strings.HasSuffix(g, "*") && !strings.ContainsAny(g[:len(g)-1], meta+"/"):
		return globAlt{kind: globPrefix, lit: g[:len(g)-1]}, nil
	case !strings.Contains(g, "/") && len(g) > 2 && strings.HasPrefix(g, "*") && strings.HasSuffix(g, "*") &&
		!strings.ContainsAny(g[1:len(g)-1], meta):
		return globAlt{kind: globContains, lit: g[1 : len(g)-1]}, nil
	case !strings.Contains(g, "/") && strings.Count(g, "*") == 1 && !strings.ContainsAny(g, "?["):
		pre, suf, _ := strings.Cut(g, "*")
		return globAlt{kind: globAffix, lit: pre, suffix: suf}, nil
	case strings.HasPrefix(g, "**/") && strings.HasSuffix(g, "/**") && len(g) > 6 &&
		!strings.ContainsAny(g[3:len(g)-3], meta+"/"):
		dir := g[3 : len(g)-3]
		return globAlt{kind: globDir, lit: dir, head: dir + "/", body: "/" + dir + "/"}, nil
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch c {
		case '*':
			if i+1 < len(g) && g[i+1] == '*' {
				i++
				if i+1 < len(g) && g[i+1] == '/' {
					i++
					b.WriteString("(?:.*/)?")
				} else {
					b.WriteString(".*")
				}
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := strings.IndexByte(g[i+1:], ']')
			if j < 0 {
				return globAlt{}, fmt.Errorf("unterminated [")
			}
			class := g[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return globAlt{}, err
	}
	return globAlt{kind: globRegexp, re: re}, nil
}

// expandBraces expands "{a,b}" alternatives (nested allowed):
// "*.{js,ts}" -> ["*.js", "*.ts"].
func expandBraces(s string) ([]string, error) {
	open := strings.IndexByte(s, '{')
	if open < 0 {
		if strings.IndexByte(s, '}') >= 0 {
			return nil, fmt.Errorf("unbalanced }")
		}
		return []string{s}, nil
	}
	if strings.IndexByte(s[:open], '}') >= 0 {
		return nil, fmt.Errorf("unbalanced }")
	}
	depth, closeAt := 0, -1
	var parts []string
	start := open + 1
	for i := open; i < len(s) && closeAt < 0; i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				parts = append(parts, s[start:i])
				closeAt = i
			}
		case ',':
			if depth == 1 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	if closeAt < 0 {
		return nil, fmt.Errorf("unbalanced {")
	}
	rest, err := expandBraces(s[closeAt+1:])
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range parts {
		heads, err := expandBraces(s[:open] + p)
		if err != nil {
			return nil, err
		}
		for _, h := range heads {
			for _, r := range rest {
				out = append(out, h+r)
			}
		}
	}
	if len(out) > 4096 {
		return nil, fmt.Errorf("too many alternatives")
	}
	return out, nil
}

// defaultExcludeGlobs are files whose lines are not evidence of a production
// behaviour change: tests, documentation, vendored and generated code, lock
// files. A class can opt out with default_excludes = false.
var defaultExcludeGlobs = []string{
	// tests
	"*_test.go", "test_*.py", "*_test.py", "conftest.py",
	"*.{test,spec}.{js,jsx,ts,tsx,mjs,cjs}", "*_spec.rb", "*_test.rb",
	"*{Test,Tests,IT}.{java,kt,scala,cs}",
	"**/test/**", "**/tests/**", "**/__tests__/**", "**/testdata/**",
	"**/spec/**", "**/fixtures/**", "**/__mocks__/**", "**/e2e/**",
	// documentation
	"*.{md,MD,markdown,rst,adoc,asciidoc}", "**/docs/**", "**/doc/**",
	"{CHANGELOG,Changelog,changelog,CHANGES,HISTORY,NEWS,LICENSE,AUTHORS}*",
	// vendored, generated, locks, assets
	"**/vendor/**", "**/node_modules/**", "**/third_party/**",
	"*.min.{js,css}", "*.map", "*.snap", "*.svg",
	"*.pb.go", "*_generated.go", "*.gen.go", "zz_generated*",
	"go.sum", "*.lock", "package-lock.json", "pnpm-lock.yaml", "npm-shrinkwrap.json",
	// patches (their lines are diffs of other files) and Gherkin test scenarios
	"*.{patch,diff}", "*.feature",
	// CI pipelines: they schedule and run builds and tests, not production
	".github/**", ".gitlab-ci.yml", ".gitlab/ci/**", ".circleci/**", ".buildkite/**",
	".travis.yml", "azure-pipelines.yml", "Jenkinsfile", "bitbucket-pipelines.yml",
	"action.{yml,yaml}", // GitHub Action definitions
}

var defaultExcludes = func() []glob {
	gs := make([]glob, len(defaultExcludeGlobs))
	for i, s := range defaultExcludeGlobs {
		g, err := compileGlob(s)
		if err != nil {
			panic(err)
		}
		gs[i] = g
	}
	return gs
}()

// IsSupportFile reports whether the file at p is a test, documentation,
// vendored, generated or lock file: a file whose lines do not by themselves
// change how the software behaves in production.
func IsSupportFile(p string) bool { return isDefaultExcluded(p) }

// isDefaultExcluded reports whether the file at p is a test, documentation,
// vendored, generated or lock file.
func isDefaultExcluded(p string) bool {
	if p == "" {
		return false
	}
	p = strings.TrimPrefix(p, "./")
	base := path.Base(p)
	for _, g := range defaultExcludes {
		if g.matchParts(p, base) {
			return true
		}
	}
	return false
}
