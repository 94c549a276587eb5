package catalog

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// glob is a compiled path glob.
type glob struct {
	re   *regexp.Regexp
	base bool // no "/" in the pattern: match the base name only
}

func (g glob) match(p string) bool {
	if g.base {
		p = path.Base(p)
	}
	return g.re.MatchString(p)
}

// compileGlob turns a glob into an anchored, case-sensitive regexp.
// "*" and "?" do not cross "/", "**" does ("**/" also matches nothing),
// "{a,b}" alternates and "[...]" is a character class ("[!...]" negates).
func compileGlob(g string) (glob, error) {
	g = strings.TrimPrefix(g, "./")
	if g == "" {
		return glob{}, fmt.Errorf("empty glob")
	}
	var b strings.Builder
	b.WriteString("^")
	depth := 0
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
		case '{':
			depth++
			b.WriteString("(?:")
		case '}':
			if depth == 0 {
				return glob{}, fmt.Errorf("glob %q: unbalanced }", g)
			}
			depth--
			b.WriteString(")")
		case ',':
			if depth > 0 {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
		case '[':
			j := strings.IndexByte(g[i+1:], ']')
			if j < 0 {
				return glob{}, fmt.Errorf("glob %q: unterminated [", g)
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
	if depth != 0 {
		return glob{}, fmt.Errorf("glob %q: unbalanced {", g)
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return glob{}, fmt.Errorf("glob %q: %v", g, err)
	}
	return glob{re: re, base: !strings.Contains(g, "/")}, nil
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

// isDefaultExcluded reports whether the file at p is a test, documentation,
// vendored, generated or lock file.
func isDefaultExcluded(p string) bool {
	if p == "" {
		return false
	}
	for _, g := range defaultExcludes {
		if g.match(p) {
			return true
		}
	}
	return false
}
