package catalog

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Required-literal derivation.
//
// For a regexp we compute a set of strings such that every line the regexp
// matches contains at least one of them, compared in "squeezed" form
// (lower-cased, without spaces, tabs, quotes; see squeeze). The set is used
// twice: to run a pattern only on lines that contain one of its literals,
// and to check at load time that a class's hand-written `require` literals
// cover every pattern (so the pre-filter can never hide a match).
//
// The analysis follows the classic "exact set / required set" scheme:
// a node either matches a small, known set of strings (exact) or we know a
// set one of which every match contains (req), or nothing is known.

const maxExactSet = 256

type litInfo struct {
	exact  []string // every string the node can match, squeezed; nil = unknown/too many
	req    []string // every match contains one of these; nil = unknown
	prefix []string // every match starts with one of these; nil = unknown
}

func exactOf(ss ...string) litInfo { return litInfo{exact: ss, prefix: ss} }

// requirement returns the usable any-of set of a node, or nil.
func (li litInfo) requirement() []string {
	set := li.req
	if li.exact != nil {
		set = li.exact
	}
	if len(set) == 0 || slices.Contains(set, "") {
		return nil
	}
	return set
}

// deriveLiterals returns the squeezed literals one of which every match of
// the pattern contains, or nil if none can be derived.
func deriveLiterals(re *syntax.Regexp) []string {
	set := analyze(re).requirement()
	if set == nil {
		return nil
	}
	out := slices.Clone(set)
	slices.Sort(out)
	return slices.Compact(out)
}

func analyze(re *syntax.Regexp) litInfo {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return exactOf("")
	case syntax.OpLiteral:
		return exactOf(squeezeRunes(re.Rune))
	case syntax.OpCharClass:
		if set := classSet(re.Rune); set != nil {
			return exactOf(set...)
		}
		return litInfo{}
	case syntax.OpCapture:
		return analyze(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest, syntax.OpPlus, syntax.OpRepeat:
		c := analyze(re.Sub[0])
		if isOnlyEmpty(c.exact) {
			return exactOf("")
		}
		minRep := 1
		switch re.Op {
		case syntax.OpStar, syntax.OpQuest:
			minRep = 0
		case syntax.OpRepeat:
			minRep = re.Min
		}
		if minRep == 0 {
			if (re.Op == syntax.OpQuest || re.Op == syntax.OpRepeat && re.Max == 1) && c.exact != nil {
				return exactOf(union(c.exact, []string{""})...)
			}
			return litInfo{}
		}
		return litInfo{req: c.requirement(), prefix: c.prefix}
	case syntax.OpConcat:
		return analyzeConcat(re.Sub)
	case syntax.OpAlternate:
		var exact, req, prefix []string
		allExact, reqOK, prefixOK := true, true, true
		for _, sub := range re.Sub {
			c := analyze(sub)
			if c.exact == nil {
				allExact = false
			} else if allExact {
				exact = union(exact, c.exact)
				if len(exact) > maxExactSet {
					allExact = false
				}
			}
			if r := c.requirement(); r == nil {
				reqOK = false
			} else if reqOK {
				req = union(req, r)
			}
			if c.prefix == nil || len(prefix)+len(c.prefix) > maxExactSet {
				prefixOK = false
			} else if prefixOK {
				prefix = union(prefix, c.prefix)
			}
		}
		if allExact {
			return exactOf(exact...)
		}
		li := litInfo{}
		if reqOK {
			li.req = req
		}
		if prefixOK {
			li.prefix = prefix
		}
		return li
	}
	return litInfo{} // OpAnyChar, OpAnyCharNotNL, OpNoMatch, ...
}

// concatCandidates walks a concatenation and returns every set known to
// be required of its matches: runs of exact children (extended by the
// prefix set of the child that ends the run) and the requirements of
// non-exact children. It also returns the concatenation's own info.
func concatCandidates(subs []*syntax.Regexp) (cands [][]string, info litInfo) {
	cur := []string{""}
	allExact := true
	var prefix []string
	prefixDone := false
	for _, sub := range subs {
		c := analyze(sub)
		if c.exact != nil {
			if next := cross(cur, c.exact); next != nil {
				cur = next
				continue
			}
			// Too many combinations: close the run, start a new one.
			allExact = false
			if !prefixDone {
				prefix, prefixDone = cur, true
			}
			cands = append(cands, cur)
			cur = c.exact
			continue
		}
		allExact = false
		run := cur
		if c.prefix != nil {
			if ext := cross(cur, c.prefix); ext != nil {
				run = ext
			}
		}
		if !prefixDone {
			prefix, prefixDone = run, true
		}
		cands = append(cands, run)
		cur = []string{""}
		if r := c.requirement(); r != nil {
			cands = append(cands, r)
		}
	}
	if allExact {
		return [][]string{cur}, exactOf(cur...)
	}
	cands = append(cands, cur)
	return cands, litInfo{req: best(cands), prefix: prefix}
}

func analyzeConcat(subs []*syntax.Regexp) litInfo {
	_, info := concatCandidates(subs)
	return info
}

// coveredBy reports whether every line re matches is sure to contain one of
// the squeezed literals lits. It accepts any requirement it can prove,
// not only the one deriveLiterals picks.
func coveredBy(re *syntax.Regexp, lits []string) bool {
	if set := analyze(re).requirement(); set != nil {
		if _, ok := covered(set, lits); ok {
			return true
		}
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return coveredBy(re.Sub[0], lits)
	case syntax.OpRepeat:
		return re.Min >= 1 && coveredBy(re.Sub[0], lits)
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if !coveredBy(sub, lits) {
				return false
			}
		}
		return true
	case syntax.OpConcat:
		cands, _ := concatCandidates(re.Sub)
		for _, c := range cands {
			if len(c) > 0 && !slices.Contains(c, "") {
				if _, ok := covered(c, lits); ok {
					return true
				}
			}
		}
		for _, sub := range re.Sub {
			if coveredBy(sub, lits) {
				return true
			}
		}
	}
	return false
}

// best picks the most selective candidate set: longest shortest string,
// then fewest strings.
func best(cands [][]string) []string {
	var pick []string
	pickMin := 0
	for _, c := range cands {
		if len(c) == 0 || slices.Contains(c, "") {
			continue
		}
		m := len(c[0])
		for _, s := range c {
			m = min(m, len(s))
		}
		if pick == nil || m > pickMin || m == pickMin && len(c) < len(pick) {
			pick, pickMin = c, m
		}
	}
	return pick
}

// cross returns all concatenations a+b, or nil if there would be too many.
func cross(as, bs []string) []string {
	if len(as)*len(bs) > maxExactSet {
		return nil
	}
	out := make([]string, 0, len(as)*len(bs))
	for _, a := range as {
		for _, b := range bs {
			out = append(out, a+b)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

func isOnlyEmpty(set []string) bool {
	return len(set) == 1 && set[0] == ""
}

// classSet enumerates a small character class in squeezed form.
func classSet(ranges []rune) []string {
	n := 0
	for i := 0; i+1 < len(ranges); i += 2 {
		n += int(ranges[i+1]-ranges[i]) + 1
		if n > 12 {
			return nil
		}
	}
	var out []string
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			out = append(out, squeezeRunes([]rune{r}))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// squeezeRunes is squeeze for regexp literals: lower-cased (with the
// non-ASCII folds of ASCII letters mapped back), squeezed bytes dropped.
func squeezeRunes(rs []rune) string {
	var b strings.Builder
	for _, r := range rs {
		if r < utf8.RuneSelf && isSqueezed(byte(r)) {
			continue
		}
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func foldRune(r rune) rune {
	switch r {
	case 'ſ': // LATIN SMALL LETTER LONG S folds to s
		return 's'
	case 'K': // KELVIN SIGN folds to k
		return 'k'
	}
	return unicode.ToLower(r)
}

// squeezeLine is squeeze with full Unicode lower-casing, matching what
// deriveLiterals produces. It is only used on the few candidate lines.
func squeezeLine(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return squeeze(s)
	}
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && isSqueezed(byte(r)) {
			continue
		}
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// containsAny reports whether s contains one of lits.
func containsAny(s string, lits []string) bool {
	for _, l := range lits {
		if strings.Contains(s, l) {
			return true
		}
	}
	return false
}

// covered reports whether every derived literal contains one of the
// require literals, i.e. whether `require` can never hide a match.
func covered(derived, require []string) (string, bool) {
	for _, d := range derived {
		if !containsAny(d, require) {
			return d, false
		}
	}
	return "", true
}

// compactLits shrinks a derived literal set for the per-line filter without
// losing soundness: literals sharing a prefix of at least minLen runes
// collapse into it when at least minGroup of them do (".setscale(0" …
// ".setscale(9" become ".setscale(", "round_up" … "round_half_even" become
// "round_"), and a literal that contains another literal of the set is
// dropped (a line containing it contains the shorter one too). A line
// containing any original literal still contains one of the result; fewer
// substring searches run per line.
func compactLits(lits []string) []string {
	const minGroup, minLen = 3, 5
	if len(lits) <= 4 {
		return lits // a few substring tests are cheap enough
	}
	// Rune-boundary prefixes of at least minLen runes, longest first.
	prefixes := func(l string) []string {
		var out []string
		n := 0
		for i := range l {
			if n >= minLen {
				out = append(out, l[:i])
			}
			n++
		}
		slices.Reverse(out)
		return out
	}
	count := make(map[string]int)
	for _, l := range lits {
		for _, p := range prefixes(l) {
			count[p]++
		}
	}
	set := make([]string, 0, len(lits))
	for _, l := range lits {
		short := l
		for _, p := range prefixes(l) {
			if count[p] >= minGroup {
				short = p
				break
			}
		}
		set = append(set, short)
	}
	slices.Sort(set)
	set = slices.Compact(set)
	// Shortest first, so a literal is only kept if no kept one is inside it.
	slices.SortStableFunc(set, func(a, b string) int { return len(a) - len(b) })
	var out []string
	for _, l := range set {
		if !containsAny(l, out) {
			out = append(out, l)
		}
	}
	return out
}
