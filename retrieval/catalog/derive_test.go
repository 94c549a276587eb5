package catalog

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestDeriveLiterals(t *testing.T) {
	tests := []struct {
		re   string
		want []string // nil: nothing derivable
	}{
		{`(?i)[?&;]w=0\b`, []string{"&w=0", ";w=0", "?w=0"}},
		{`(?i)\bw\s*[:=]\s*["']?0\b`, []string{"w:0", "w=0"}},
		{`(?i)read[_-]?pref`, []string{"read-pref", "read_pref", "readpref"}},
		{`(?i)(?P<key>\w*timeout\w*)\s*=\s*(?P<value>\d+)`, []string{"timeout"}},
		{`(?i)@transactional\b`, []string{"@transactional"}},
		{`(?-i:FOR\s+UPDATE)`, []string{"forupdate"}},
		{`(?i)DROP\s+(?:INDEX|CONSTRAINT)`, []string{"dropconstraint", "dropindex"}},
		// Small classes stay exact: \d is ten strings.
		{`(?i)foo|bar\d+`, []string{"bar0", "bar1", "bar2", "bar3", "bar4", "bar5", "bar6", "bar7", "bar8", "bar9", "foo"}},
		{`(?i)foo|bar\w+`, []string{"bar", "foo"}},
		{`\w+`, nil},
		{`.*`, nil},
		{`(?i)a?b?`, nil},
	}
	for _, tt := range tests {
		got := literalsOf(regexp.MustCompile(tt.re))
		if !slices.Equal(got, tt.want) {
			t.Errorf("literalsOf(%q) = %q, want %q", tt.re, got, tt.want)
		}
	}
}

func TestCoveredBy(t *testing.T) {
	tests := []struct {
		re   string
		lits []string
		want bool
	}{
		{`(?i)\bw\s*=\s*0\b`, []string{"w=0"}, true},
		{`(?i)\bw\s*=\s*0\b`, []string{"w:0"}, false},
		// Proven through the alternation after "DROP INDEX", not through "dropindex".
		{`(?i)\bdrop\s+index\s+\w*(?:uniq|_key\b)`, []string{"uniq", "_key"}, true},
		// A run ending in a factored alternation: "rate" + prefix of the rest.
		{`(?i)rate[_.-]?limit\w*|ratelimit\w*`, []string{"ratelimit", "rate_limit", "rate.limit", "rate-limit"}, true},
		{`(?i)(?:foo|bar)baz`, []string{"foo"}, false},
		{`(?i)(?:foo|bar)baz`, []string{"baz"}, true},
	}
	for _, tt := range tests {
		if got := coveredBy(parseSyntax(regexp.MustCompile(tt.re)), tt.lits); got != tt.want {
			t.Errorf("coveredBy(%q, %q) = %v, want %v", tt.re, tt.lits, got, tt.want)
		}
	}
}

func TestRequireMustCoverPatterns(t *testing.T) {
	_, err := Load(strings.NewReader(`
[[class]]
id = "leaky"
reason = "r"
symptoms = ["x"]
require = ["foo"]
added = ['foo=\d', 'bar\s*=\s*\d']
`))
	if err == nil || !strings.Contains(err.Error(), `class "leaky"`) || !strings.Contains(err.Error(), "added[1]") || !strings.Contains(err.Error(), `"bar=`) {
		t.Fatalf("want an error naming added[1] and the uncovered literal, got %v", err)
	}
	// Without require, the literals are derived from the patterns.
	c, err := Load(strings.NewReader(`
[[class]]
id = "derived"
reason = "r"
symptoms = ["x"]
added = ['foo=\w', 'bar\s*=\s*\w']
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.classes[0].literals; !slices.Equal(got, []string{"bar=", "foo="}) {
		t.Errorf("derived scan literals = %q", got)
	}
	if ms := c.Match(Change{Diff: envDiff("", `BAR = 1`)}); len(ms) != 1 {
		t.Errorf("derived-literal class did not match: %v", ms)
	}
}

func TestExpandBraces(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"plain", []string{"plain"}, false},
		{"*.{js,ts}", []string{"*.js", "*.ts"}, false},
		{"a{,_,-}b", []string{"ab", "a_b", "a-b"}, false},
		{"{a,b{c,d}}e", []string{"ae", "bce", "bde"}, false},
		{"{a,b", nil, true},
		{"a}b", nil, true},
	}
	for _, tt := range tests {
		got, err := expandBraces(tt.in)
		if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
			t.Errorf("expandBraces(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestCompactLits(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"w=0", "w:0"}, []string{"w=0", "w:0"}},
		{[]string{".setscale(0", ".setscale(1", ".setscale(2", ".setscale(3", ".tofixed(0"}, []string{".setscale(", ".tofixed(0"}},
		{[]string{"health-check", "health-checks", "health-probe", "health-probes", "probe"}, []string{"probe", "health-"}},
		{[]string{"w=0", "w:0", "j=false", "journal", "fsync"}, []string{"w:0", "w=0", "fsync", "j=false", "journal"}},
		{[]string{"round_up", "round_down", "round_half_even", "round_half_up", "roundingmode.up"}, []string{"round"}},
		{[]string{"round_up", "round_down", "round_half_even", "round_half_up", "bigdecimal.up"}, []string{"round_", "bigdecimal.up"}},
	}
	for _, tt := range tests {
		if got := compactLits(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("compactLits(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// Soundness: every input literal contains one of the output literals.
		got := compactLits(tt.in)
		for _, l := range tt.in {
			if !containsAny(l, got) {
				t.Errorf("compactLits(%q) = %q loses %q", tt.in, got, l)
			}
		}
	}
}
