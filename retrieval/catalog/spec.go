package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"regexp/syntax"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/BurntSushi/toml"
)

// classSpec is one [[class]] table as written in TOML.
type classSpec struct {
	ID              string        `toml:"id"`
	Reason          string        `toml:"reason"`
	Symptoms        []string      `toml:"symptoms"`
	Require         []string      `toml:"require"`
	Added           []string      `toml:"added"`
	Removed         []string      `toml:"removed"`
	Notes           []string      `toml:"notes"`
	Numeric         []numericSpec `toml:"numeric"`
	Dropped         []droppedSpec `toml:"dropped"`
	Unless          []string      `toml:"unless"`
	UnlessChange    []string      `toml:"unless_change"`
	UnlessChangeMin int           `toml:"unless_change_min"`
	Paths           []string      `toml:"paths"`
	PathRegex       string        `toml:"path_regex"`
	ExcludePaths    []string      `toml:"exclude_paths"`
	DefaultExcludes *bool         `toml:"default_excludes"`
	CaseSensitive   bool          `toml:"case_sensitive"`
	SkipFrom        []string      `toml:"skip_from"`
	SkipUntil       []string      `toml:"skip_until"`
	InHunk          string        `toml:"in_hunk"`
	UnlessHunk      string        `toml:"unless_hunk"`
}

type numericSpec struct {
	Pattern         string    `toml:"pattern"`
	Direction       string    `toml:"direction"`
	Unit            string    `toml:"unit"`
	ZeroIsUnlimited bool      `toml:"zero_is_unlimited"`
	Absent          *float64  `toml:"absent"`
	IgnoreKeys      string    `toml:"ignore_keys"`
	OnlyInBlock     string    `toml:"only_in_block"`
	IgnoreInBlock   string    `toml:"ignore_in_block"`
	Factors         []float64 `toml:"factors"`
}

type droppedSpec struct {
	Line string `toml:"line"`
	Item string `toml:"item"`
}

// class is a compiled classSpec.
type class struct {
	id              string
	reason          string
	symptoms        []string
	literals        []string
	added           []pattern
	removed         []pattern
	notes           []pattern
	numeric         []numericRule
	dropped         []droppedRule
	unless          []*regexp.Regexp
	unlessChange    []*regexp.Regexp
	unlessMin       int            // added lines that must match unless_change to veto
	skipFrom        []pattern      // section markers, with derived literals: they
	skipUntil       []pattern      // are tried on every line of the files looked at
	inHunk          *regexp.Regexp // nil: every hunk counts
	unlessHunk      *regexp.Regexp // nil: no hunk is left out
	paths           []glob
	pathRe          *regexp.Regexp
	exclude         []glob
	defaultExcludes bool
}

func (cl *class) hasDiffTriggers() bool {
	return len(cl.added)+len(cl.removed)+len(cl.numeric)+len(cl.dropped) > 0
}

type pattern struct {
	re   *regexp.Regexp
	lits []string // derived: a matching line contains one of these (squeezed); nil = unknown
	net  []int    // subexpression indices named "net"
}

type numericRule struct {
	re              *regexp.Regexp
	lits            []string
	key, value, un  []int // subexpression indices named key, value, unit
	increase        bool
	unit            unitKind
	zeroIsUnlimited bool
	hasAbsent       bool
	absent          float64
	ignoreKeys      *regexp.Regexp
	onlyBlock       *regexp.Regexp
	ignoreBlock     *regexp.Regexp
	factors         []float64 // if set, only a move by one of these factors (±1%) counts
}

type droppedRule struct {
	line, item *regexp.Regexp
	lineLits   []string
	net        []int // item subexpressions named "net": compare those, not the whole item
	lineNet    []int // line subexpressions named "net": only lines with the same value pair up
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// parseClasses decodes and compiles a catalogue file.
func parseClasses(data []byte) ([]*class, error) {
	var doc struct {
		Class []toml.Primitive `toml:"class"`
	}
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		return nil, syntaxError(data, err)
	}
	for _, k := range md.Undecoded() {
		if len(k) > 0 && k[0] != "class" {
			return nil, fmt.Errorf("catalog: unknown top-level key %q (want [[class]] tables)", k.String())
		}
	}
	specs := make([]classSpec, len(doc.Class))
	labels := make([]string, len(doc.Class))
	for i, prim := range doc.Class {
		var raw map[string]any
		if err := md.PrimitiveDecode(prim, &raw); err != nil {
			return nil, fmt.Errorf("catalog: class #%d: %v", i+1, err)
		}
		labels[i] = fmt.Sprintf("#%d", i+1)
		if id, ok := raw["id"].(string); ok && id != "" {
			labels[i] = strconv.Quote(id)
		}
		if err := checkKeys(raw); err != nil {
			return nil, fmt.Errorf("catalog: class %s: %v", labels[i], err)
		}
		if err := md.PrimitiveDecode(prim, &specs[i]); err != nil {
			return nil, fmt.Errorf("catalog: class %s: %v", labels[i], err)
		}
	}
	// Classes compile independently: on every core, in order of the file
	// for what comes out (classes and the first error).
	classes := make([]*class, len(specs))
	errs := make([]error, len(specs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(specs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(specs); i = int(next.Add(1)) - 1 {
				classes[i], errs[i] = compileClass(&specs[i])
			}
		}()
	}
	wg.Wait()
	seen := make(map[string]bool, len(specs))
	for i, cl := range classes {
		if errs[i] != nil {
			return nil, fmt.Errorf("catalog: class %s: %v", labels[i], errs[i])
		}
		if seen[cl.id] {
			return nil, fmt.Errorf("catalog: class %s: id: duplicate id", labels[i])
		}
		seen[cl.id] = true
	}
	return classes, nil
}

// syntaxError names the class a TOML syntax error occurred in, if any.
func syntaxError(data []byte, err error) error {
	var pe toml.ParseError
	if !errors.As(err, &pe) || pe.Position.Line <= 0 {
		return fmt.Errorf("catalog: %v", err)
	}
	lines := bytes.Split(data, []byte("\n"))
	n := min(pe.Position.Line, len(lines))
	header := -1
	count := 0
	for i := 0; i < n; i++ {
		if string(bytes.TrimSpace(lines[i])) == "[[class]]" {
			header = i
			count++
		}
	}
	if header < 0 {
		return fmt.Errorf("catalog: %v", err)
	}
	label := fmt.Sprintf("#%d", count)
	idLine := regexp.MustCompile(`^\s*id\s*=\s*"([^"]*)"`)
	for i := header + 1; i < len(lines); i++ {
		t := bytes.TrimSpace(lines[i])
		if bytes.HasPrefix(t, []byte("[[class]]")) {
			break
		}
		if m := idLine.FindSubmatch(lines[i]); m != nil {
			label = strconv.Quote(string(m[1]))
			break
		}
	}
	return fmt.Errorf("catalog: class %s: %v", label, err)
}

func tomlKeys(v any) map[string]bool {
	t := reflect.TypeOf(v)
	keys := make(map[string]bool, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		keys[t.Field(i).Tag.Get("toml")] = true
	}
	return keys
}

var (
	classKeys   = tomlKeys(classSpec{})
	numericKeys = tomlKeys(numericSpec{})
	droppedKeys = tomlKeys(droppedSpec{})
)

// checkKeys rejects keys the schema does not know, so typos do not silently
// disable a rule.
func checkKeys(raw map[string]any) error {
	if err := unknownKeys("", raw, classKeys); err != nil {
		return err
	}
	for name, keys := range map[string]map[string]bool{"numeric": numericKeys, "dropped": droppedKeys} {
		subs, ok := raw[name].([]map[string]any)
		if !ok {
			continue
		}
		for i, sub := range subs {
			if err := unknownKeys(fmt.Sprintf("%s[%d].", name, i), sub, keys); err != nil {
				return err
			}
		}
	}
	return nil
}

func unknownKeys(prefix string, raw map[string]any, known map[string]bool) error {
	var bad []string
	for k := range raw {
		if !known[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("%s%s: unknown key", prefix, bad[0])
}

func compileClass(sp *classSpec) (*class, error) {
	if sp.ID == "" {
		return nil, fmt.Errorf("id: required")
	}
	if !idRE.MatchString(sp.ID) {
		return nil, fmt.Errorf("id: %q must match %s", sp.ID, idRE)
	}
	if strings.TrimSpace(sp.Reason) == "" {
		return nil, fmt.Errorf("reason: required")
	}
	if len(sp.Symptoms) == 0 {
		return nil, fmt.Errorf("symptoms: at least one symptom is required")
	}
	cl := &class{
		id:              sp.ID,
		reason:          strings.TrimSpace(sp.Reason),
		defaultExcludes: sp.DefaultExcludes == nil || *sp.DefaultExcludes,
	}
	for i, s := range sp.Symptoms {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, fmt.Errorf("symptoms[%d]: empty", i)
		}
		cl.symptoms = append(cl.symptoms, s)
	}
	for i, l := range sp.Require {
		alts, err := expandBraces(l)
		if err != nil {
			return nil, fmt.Errorf("require[%d]: %q: %v", i, l, err)
		}
		for _, a := range alts {
			sq := squeeze(a)
			if sq == "" {
				return nil, fmt.Errorf("require[%d]: %q is empty once spaces and quotes are removed", i, l)
			}
			if !isASCII(sq) {
				return nil, fmt.Errorf("require[%d]: %q: literals must be ASCII", i, l)
			}
			if !slices.Contains(cl.literals, sq) {
				cl.literals = append(cl.literals, sq)
			}
		}
	}

	flags := "(?i)"
	if sp.CaseSensitive {
		flags = ""
	}
	re := func(field string, i int, src string) (*regexp.Regexp, error) {
		name := field
		if i >= 0 {
			name = fmt.Sprintf("%s[%d]", field, i)
		}
		if strings.TrimSpace(src) == "" {
			return nil, fmt.Errorf("%s: empty pattern", name)
		}
		r, err := regexp.Compile(flags + src)
		if err != nil {
			// Name the pattern as written, without the flags added here.
			var se *syntax.Error
			if errors.As(err, &se) {
				return nil, fmt.Errorf("%s: %s: %s", name, se.Code, src)
			}
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		return r, nil
	}
	list := func(field string, srcs []string) ([]*regexp.Regexp, error) {
		out := make([]*regexp.Regexp, 0, len(srcs))
		for i, s := range srcs {
			r, err := re(field, i, s)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	pats := func(field string, srcs []string) ([]pattern, error) {
		rs, err := list(field, srcs)
		if err != nil {
			return nil, err
		}
		out := make([]pattern, len(rs))
		for i, r := range rs {
			out[i] = pattern{re: r, lits: literalsOf(r), net: groupIndices(r, "net")}
		}
		return out, nil
	}

	var err error
	if cl.added, err = pats("added", sp.Added); err != nil {
		return nil, err
	}
	if cl.removed, err = pats("removed", sp.Removed); err != nil {
		return nil, err
	}
	if cl.notes, err = pats("notes", sp.Notes); err != nil {
		return nil, err
	}
	if cl.unless, err = list("unless", sp.Unless); err != nil {
		return nil, err
	}
	if cl.unlessChange, err = list("unless_change", sp.UnlessChange); err != nil {
		return nil, err
	}
	if sp.UnlessChangeMin < 0 {
		return nil, fmt.Errorf("unless_change_min: %d is negative", sp.UnlessChangeMin)
	}
	cl.unlessMin = max(sp.UnlessChangeMin, 1)
	if cl.skipFrom, err = pats("skip_from", sp.SkipFrom); err != nil {
		return nil, err
	}
	if cl.skipUntil, err = pats("skip_until", sp.SkipUntil); err != nil {
		return nil, err
	}
	if len(cl.skipUntil) > 0 && len(cl.skipFrom) == 0 {
		return nil, fmt.Errorf("skip_until: needs skip_from")
	}
	if sp.InHunk != "" {
		if cl.inHunk, err = re("in_hunk", -1, sp.InHunk); err != nil {
			return nil, err
		}
	}
	if sp.UnlessHunk != "" {
		if cl.unlessHunk, err = re("unless_hunk", -1, sp.UnlessHunk); err != nil {
			return nil, err
		}
	}

	for i, ns := range sp.Numeric {
		name := fmt.Sprintf("numeric[%d]", i)
		r, err := re(name+".pattern", -1, ns.Pattern)
		if err != nil {
			return nil, err
		}
		rule := numericRule{
			re:              r,
			lits:            literalsOf(r),
			key:             groupIndices(r, "key"),
			value:           groupIndices(r, "value"),
			un:              groupIndices(r, "unit"),
			zeroIsUnlimited: ns.ZeroIsUnlimited,
		}
		if len(rule.value) == 0 {
			return nil, fmt.Errorf("%s.pattern: needs a (?P<value>...) group", name)
		}
		switch ns.Direction {
		case "decrease":
		case "increase":
			rule.increase = true
		case "":
			return nil, fmt.Errorf("%s.direction: required (\"decrease\" or \"increase\")", name)
		default:
			return nil, fmt.Errorf("%s.direction: unknown direction %q (want \"decrease\" or \"increase\")", name, ns.Direction)
		}
		u, ok := unitNames[ns.Unit]
		if !ok {
			return nil, fmt.Errorf("%s.unit: unknown unit %q (want number, duration, bytes, cpu or rate)", name, ns.Unit)
		}
		rule.unit = u
		if ns.Absent != nil {
			rule.hasAbsent, rule.absent = true, *ns.Absent
		}
		for j, f := range ns.Factors {
			if !(f > 1) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("%s.factors[%d]: %v must be a finite number greater than 1", name, j, f)
			}
			rule.factors = append(rule.factors, f)
		}
		if ns.IgnoreKeys != "" {
			if rule.ignoreKeys, err = re(name+".ignore_keys", -1, ns.IgnoreKeys); err != nil {
				return nil, err
			}
		}
		if ns.OnlyInBlock != "" {
			if rule.onlyBlock, err = re(name+".only_in_block", -1, ns.OnlyInBlock); err != nil {
				return nil, err
			}
		}
		if ns.IgnoreInBlock != "" {
			if rule.ignoreBlock, err = re(name+".ignore_in_block", -1, ns.IgnoreInBlock); err != nil {
				return nil, err
			}
		}
		cl.numeric = append(cl.numeric, rule)
	}
	for i, ds := range sp.Dropped {
		name := fmt.Sprintf("dropped[%d]", i)
		l, err := re(name+".line", -1, ds.Line)
		if err != nil {
			return nil, err
		}
		it, err := re(name+".item", -1, ds.Item)
		if err != nil {
			return nil, err
		}
		cl.dropped = append(cl.dropped, droppedRule{line: l, item: it, lineLits: literalsOf(l), net: groupIndices(it, "net"), lineNet: groupIndices(l, "net")})
	}
	if !cl.hasDiffTriggers() && len(cl.notes) == 0 {
		return nil, fmt.Errorf("no trigger: set at least one of added, removed, notes, numeric, dropped")
	}
	if err := cl.checkPrefilter(len(sp.Require) > 0); err != nil {
		return nil, err
	}
	cl.compactFilters()

	for i, g := range sp.Paths {
		cg, err := compileGlob(g)
		if err != nil {
			return nil, fmt.Errorf("paths[%d]: %v", i, err)
		}
		cl.paths = append(cl.paths, cg)
	}
	for i, g := range sp.ExcludePaths {
		cg, err := compileGlob(g)
		if err != nil {
			return nil, fmt.Errorf("exclude_paths[%d]: %v", i, err)
		}
		cl.exclude = append(cl.exclude, cg)
	}
	if sp.PathRegex != "" {
		if cl.pathRe, err = regexp.Compile(sp.PathRegex); err != nil {
			return nil, fmt.Errorf("path_regex: %v", err)
		}
	}
	return cl, nil
}

// compactFilters shrinks the per-regexp literal filters (see compactLits);
// they are only tested on candidate lines, after the soundness checks.
func (cl *class) compactFilters() {
	for _, ps := range [][]pattern{cl.added, cl.removed, cl.notes, cl.skipFrom, cl.skipUntil} {
		for i := range ps {
			if ps[i].lits != nil {
				ps[i].lits = compactLits(ps[i].lits)
			}
		}
	}
	for i := range cl.numeric {
		if cl.numeric[i].lits != nil {
			cl.numeric[i].lits = compactLits(cl.numeric[i].lits)
		}
	}
	for i := range cl.dropped {
		if cl.dropped[i].lineLits != nil {
			cl.dropped[i].lineLits = compactLits(cl.dropped[i].lineLits)
		}
	}
}

// maxFilterLits is the largest derived literal set tested per line before
// falling back to the (fewer, broader) require literals it contains.
const maxFilterLits = 32

// checkPrefilter makes the class's scan literals sound. With `require`,
// every literal derivable from a diff pattern must contain a require
// literal, or the pre-filter could hide a match. Without `require`, the
// derived literals themselves become the scan literals when every diff
// pattern has them; otherwise the class is tried on every line.
func (cl *class) checkPrefilter(explicit bool) error {
	type trig struct {
		name string
		re   *regexp.Regexp
		lits *[]string
	}
	var trigs []trig
	for i := range cl.added {
		p := &cl.added[i]
		trigs = append(trigs, trig{fmt.Sprintf("added[%d]", i), p.re, &p.lits})
	}
	for i := range cl.removed {
		p := &cl.removed[i]
		trigs = append(trigs, trig{fmt.Sprintf("removed[%d]", i), p.re, &p.lits})
	}
	for i := range cl.numeric {
		r := &cl.numeric[i]
		trigs = append(trigs, trig{fmt.Sprintf("numeric[%d].pattern", i), r.re, &r.lits})
	}
	for i := range cl.dropped {
		r := &cl.dropped[i]
		trigs = append(trigs, trig{fmt.Sprintf("dropped[%d].line", i), r.line, &r.lineLits})
	}
	if explicit {
		for _, t := range trigs {
			lits := *t.lits
			if lits == nil {
				continue // nothing derivable; the author vouches for require
			}
			if _, ok := covered(lits, cl.literals); ok {
				// Every line the pattern matches contains one of the require
				// literals found inside its derived literals: test those few
				// instead of a possibly long derived list.
				var rel []string
				for _, r := range cl.literals {
					for _, d := range lits {
						if strings.Contains(d, r) {
							rel = append(rel, r)
							break
						}
					}
				}
				if len(lits) > maxFilterLits && len(rel) < len(lits) {
					*t.lits = rel
				}
				continue
			}
			if coveredBy(parseSyntax(t.re), cl.literals) {
				continue
			}
			l, _ := covered(lits, cl.literals)
			return fmt.Errorf("%s: can match a line containing %q, which contains no require literal; add one to require", t.name, l)
		}
		return nil
	}
	var lits []string
	for _, t := range trigs {
		if *t.lits == nil {
			return nil // no pre-filter possible: try every line
		}
		for _, l := range *t.lits {
			if !isASCII(l) {
				return nil
			}
		}
		lits = union(lits, *t.lits)
	}
	cl.literals = lits
	return nil
}

// literalsOf derives the squeezed literals every match of r contains.
func literalsOf(r *regexp.Regexp) []string {
	re := parseSyntax(r)
	if re == nil {
		return nil
	}
	return deriveLiterals(re)
}

func parseSyntax(r *regexp.Regexp) *syntax.Regexp {
	re, err := syntax.Parse(r.String(), syntax.Perl)
	if err != nil {
		return nil // cannot happen: r compiled from the same source
	}
	return re.Simplify()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func groupIndices(r *regexp.Regexp, name string) []int {
	var idx []int
	for i, n := range r.SubexpNames() {
		if n == name {
			idx = append(idx, i)
		}
	}
	return idx
}
