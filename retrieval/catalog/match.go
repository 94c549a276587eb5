package catalog

import (
	"math"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxEvidence is the longest Evidence, in characters.
const maxEvidence = 160

// evaluator checks one class at a time against a parsed change.
type evaluator struct {
	s      *scratch
	cl     *class
	cands  []int32
	kept   []int32                     // buffer: cands of files a path-restricted class looks at
	fileOK []int8                      // per file: 0 unknown, 1 allowed, 2 not allowed
	skip   map[int32]bool              // lines inside skip_from…skip_until sections
	swept  map[int32]bool              // files whose sections are computed
	netSet map[netSlot]map[string]bool // net-change keys per pattern and side
	// Per hunk, whether it matches in_hunk and unless_hunk.
	hunkIn, hunkUnless map[int32]bool
}

// run reports whether cl matches, given the candidate lines for it.
func (e *evaluator) run(cl *class, cands []int32) (Match, bool) {
	e.cl = cl
	e.fileOK = slices.Grow(e.fileOK[:0], len(e.s.files))[:len(e.s.files)]
	clear(e.fileOK)
	e.skip, e.swept = nil, nil
	clear(e.netSet)
	if cl.inHunk != nil || cl.unlessHunk != nil {
		if e.hunkIn == nil {
			e.hunkIn, e.hunkUnless = make(map[int32]bool), make(map[int32]bool)
		}
		clear(e.hunkIn)
		clear(e.hunkUnless)
	}
	// A class restricted to some files drops the other files' lines once,
	// instead of in every pass (every pass tests allowed() anyway).
	if len(cl.paths) > 0 || cl.pathRe != nil || len(cl.exclude) > 0 {
		kept := e.kept[:0]
		for _, li := range cands {
			if f := e.s.lines[li].file; f < 0 || e.fileAllowedAt(f) {
				kept = append(kept, li)
			}
		}
		e.kept, cands = kept, kept
	}
	e.cands = cands

	ev, ok := e.patterns()
	if !ok {
		ev, ok = e.numbers()
	}
	if !ok {
		ev, ok = e.drops()
	}
	if !ok || e.vetoed() {
		return Match{}, false
	}
	return Match{
		Class:    cl.id,
		Reason:   cl.reason,
		Symptoms: slices.Clone(cl.symptoms),
		Evidence: ev,
	}, true
}

// has reports whether line li may match a regexp whose derived literals are
// lits (nil: unknown, always true). Squeezed lines are cached per Match.
func (e *evaluator) has(li int32, lits []string) bool {
	if lits == nil {
		return true
	}
	s := e.s
	if !s.sqOK[li] {
		s.sq[li] = squeezeLine(s.lines[li].text)
		s.sqOK[li] = true
	}
	return containsAny(s.sq[li], lits)
}

// allowed reports whether line li counts as evidence for the current class.
func (e *evaluator) allowed(li int32) bool {
	ln := &e.s.lines[li]
	if ln.kind == kindNote {
		return true
	}
	if ln.file >= 0 && !e.fileAllowedAt(ln.file) {
		return false
	}
	if isComment(ln.text) {
		return false
	}
	if len(e.cl.skipFrom) > 0 && e.skipped(li) {
		return false
	}
	if e.cl.inHunk != nil && !e.hunkHas(li, e.cl.inHunk, e.hunkIn) {
		return false
	}
	if e.cl.unlessHunk != nil && e.hunkHas(li, e.cl.unlessHunk, e.hunkUnless) {
		return false
	}
	return true
}

// hunkHas reports, with caching in seen, whether the hunk of line li matches
// re: its header's context (the enclosing function) or any of its lines on
// the new side. A note has no hunk and always matches.
func (e *evaluator) hunkHas(li int32, re *regexp.Regexp, seen map[int32]bool) bool {
	lines := e.s.lines
	h := lines[li].hunk
	if h < 0 {
		return re == e.cl.inHunk
	}
	if ok, found := seen[h]; found {
		return ok
	}
	first := li
	for first > 0 && lines[first-1].hunk == h {
		first--
	}
	ok := false
	for i := int(first); i < len(lines) && lines[i].hunk == h && !ok; i++ {
		ln := &lines[i]
		ok = ln.kind != kindDel && len(ln.text) <= maxLineLen && re.MatchString(ln.text)
	}
	seen[h] = ok
	return ok
}

// fileAllowedAt reports, with caching, whether file fi counts for the class.
func (e *evaluator) fileAllowedAt(fi int32) bool {
	switch e.fileOK[fi] {
	case 1:
		return true
	case 2:
		return false
	}
	if e.fileAllowed(&e.s.files[fi]) {
		e.fileOK[fi] = 1
		return true
	}
	e.fileOK[fi] = 2
	return false
}

func (e *evaluator) fileAllowed(f *fileInfo) bool {
	cl := e.cl
	if f.excluded && cl.defaultExcludes {
		return false
	}
	p := strings.TrimPrefix(f.path, "./")
	base := path.Base(p)
	// The inclusion test first: most files of a diff fail it at once.
	if len(cl.paths) > 0 || cl.pathRe != nil {
		if p == "" || !matchAny(cl.paths, p, base) && (cl.pathRe == nil || !cl.pathRe.MatchString(f.path)) {
			return false
		}
	}
	return p == "" || !matchAny(cl.exclude, p, base)
}

func matchAny(gs []glob, p, base string) bool {
	for _, g := range gs {
		if g.matchParts(p, base) {
			return true
		}
	}
	return false
}

// skipped reports whether line li lies in a skip_from…skip_until section of
// its file. Section state is computed once per file the class looks at.
func (e *evaluator) skipped(li int32) bool {
	ln := &e.s.lines[li]
	if ln.file < 0 {
		return false
	}
	if e.skip == nil {
		e.skip, e.swept = make(map[int32]bool), make(map[int32]bool)
	}
	if f := &e.s.files[ln.file]; !e.swept[ln.file] {
		e.swept[ln.file] = true
		on := false
		for i := f.first; i < f.end; i++ {
			if on {
				if e.anyPattern(e.cl.skipUntil, i) {
					on = false
				}
			} else if e.anyPattern(e.cl.skipFrom, i) {
				on = true
			}
			if on {
				e.skip[i] = true
			}
		}
	}
	return e.skip[li]
}

// anyPattern reports whether one of ps matches line li, trying a regexp only
// if the line contains one of its derived literals.
func (e *evaluator) anyPattern(ps []pattern, li int32) bool {
	t := e.s.lines[li].text
	for _, p := range ps {
		if e.has(li, p.lits) && p.re.MatchString(t) {
			return true
		}
	}
	return false
}

func anyMatch(rs []*regexp.Regexp, s string) bool {
	for _, r := range rs {
		if r.MatchString(s) {
			return true
		}
	}
	return false
}

// patterns tries the added and note patterns, then the removed patterns,
// each in line order: what a change introduces is the better evidence.
func (e *evaluator) patterns() (string, bool) {
	cl := e.cl
	if len(cl.added)+len(cl.notes) > 0 {
		if ev, ok := e.patternPass(false); ok {
			return ev, true
		}
	}
	if len(cl.removed) > 0 {
		return e.patternPass(true)
	}
	return "", false
}

func (e *evaluator) patternPass(removed bool) (string, bool) {
	cl := e.cl
lines:
	for _, li := range e.cands {
		ln := &e.s.lines[li]
		var pats []pattern
		var opposite lineKind
		switch {
		case ln.kind == kindAdd && !removed:
			pats, opposite = cl.added, kindDel
		case ln.kind == kindDel && removed:
			pats, opposite = cl.removed, kindAdd
		case ln.kind == kindNote && !removed:
			pats = cl.notes
		}
		if len(pats) == 0 || !e.allowed(li) || ln.kind != kindNote && isDefinition(ln.text) {
			continue
		}
		// A file deleted as a whole takes its component with it: its removed
		// lines weaken nothing that keeps running. (They still count on the
		// opposite side of the net-change check, so a moved line is no news.)
		if removed && ln.file >= 0 && e.s.files[ln.file].deleted {
			continue
		}
		vetoChecked := false
		for _, p := range pats {
			if !e.has(li, p.lits) {
				continue
			}
			for _, loc := range p.re.FindAllStringSubmatchIndex(ln.text, -1) {
				if opposite != 0 && e.inOpposite(p, opposite, netKey(ln.text, loc, p.net)) {
					continue
				}
				if !vetoChecked {
					if anyMatch(cl.unless, ln.text) {
						continue lines
					}
					vetoChecked = true
				}
				return evidence(ln, loc[0], loc[1], ""), true
			}
		}
	}
	return "", false
}

// inOpposite reports whether the match key also occurs, for the same
// pattern, on an allowed line of the opposite kind (net-change semantics).
func (e *evaluator) inOpposite(p pattern, kind lineKind, key string) bool {
	if e.netSet == nil {
		e.netSet = make(map[netSlot]map[string]bool)
	}
	slot := netSlot{p.re, kind}
	set, ok := e.netSet[slot]
	if !ok {
		set = make(map[string]bool)
		for _, li := range e.cands {
			ln := &e.s.lines[li]
			if ln.kind != kind || !e.has(li, p.lits) || !e.allowed(li) || isDefinition(ln.text) {
				continue
			}
			for _, loc := range p.re.FindAllStringSubmatchIndex(ln.text, -1) {
				set[netKey(ln.text, loc, p.net)] = true
			}
		}
		e.netSet[slot] = set
	}
	return set[key]
}

type netSlot struct {
	re   *regexp.Regexp
	kind lineKind
}

// netKey is the comparable form of a match: the "net" group if present,
// else the whole match; lower-cased without spaces, quotes, "_" and "-".
func netKey(text string, loc []int, net []int) string {
	s := text[loc[0]:loc[1]]
	for _, g := range net {
		if loc[2*g] >= 0 {
			s = text[loc[2*g]:loc[2*g+1]]
			break
		}
	}
	return normalize(s)
}

func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isSqueezed(c) || c == '_' || c == '-' || c == '\n' {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			return true
		}
	}
	return false
}

func group(text string, loc []int, idx []int) string {
	for _, g := range idx {
		if loc[2*g] >= 0 {
			return text[loc[2*g]:loc[2*g+1]]
		}
	}
	return ""
}

type numEntry struct {
	li      int32
	key     string
	raw     string
	v       float64
	used    bool
	partner *numEntry // the removed value an added value replaced
}

// numbers pairs removed and added values of the numeric rules.
func (e *evaluator) numbers() (string, bool) {
	for ri := range e.cl.numeric {
		r := &e.cl.numeric[ri]
		var dels, adds []numEntry
		// A rule fires on an added value, compared with a removed one (or
		// with its default when absent): without lines of the sides it
		// needs, its pattern need not run at all.
		var keep []int32
		var kinds uint8
		for _, li := range e.cands {
			ln := &e.s.lines[li]
			if ln.kind != kindAdd && ln.kind != kindDel {
				continue
			}
			// A numeric rule needs a number on the line. The file test comes
			// first: it is cached per file and rejects most lines of
			// path-restricted classes at once.
			if !e.allowed(li) || !hasDigit(ln.text) || !e.has(li, r.lits) {
				continue
			}
			keep = append(keep, li)
			if ln.kind == kindAdd {
				kinds |= 1
			} else {
				kinds |= 2
			}
		}
		if kinds&1 == 0 || kinds&2 == 0 && !r.hasAbsent {
			continue
		}
		for _, li := range keep {
			ln := &e.s.lines[li]
			for _, loc := range r.re.FindAllStringSubmatchIndex(ln.text, -1) {
				key := group(ln.text, loc, r.key)
				if r.ignoreKeys != nil && key != "" && r.ignoreKeys.MatchString(key) {
					continue
				}
				raw := group(ln.text, loc, r.value)
				if u := group(ln.text, loc, r.un); u != "" {
					raw += " " + u
				}
				v, ok := parseQuantity(raw, r.unit, key)
				if !ok || !e.blockOK(li, r) {
					continue
				}
				ent := numEntry{li: li, key: normKey(key), raw: strings.TrimSpace(raw), v: unlimited(v, r.zeroIsUnlimited)}
				if ln.kind == kindDel {
					dels = append(dels, ent)
				} else {
					adds = append(adds, ent)
				}
			}
		}
		if len(adds) == 0 || (len(dels) == 0 && !r.hasAbsent) {
			continue
		}
		// Pair same-hunk values first, so that a value added in one hunk
		// does not steal the removed value another hunk replaced.
		for pass := 0; pass < 2; pass++ {
			for ai := range adds {
				if adds[ai].partner == nil {
					adds[ai].partner = pairFor(e.s, dels, &adds[ai], pass)
				}
			}
		}
		for ai := range adds {
			a := &adds[ai]
			aln := &e.s.lines[a.li]
			old := a.partner
			var oldV float64
			oldRaw := "unset"
			switch {
			case old != nil:
				oldV, oldRaw = old.v, old.raw
			case r.hasAbsent && !keyRemoved(dels, a.key):
				oldV = unlimited(r.absent, r.zeroIsUnlimited)
			default:
				continue
			}
			risky := a.v < oldV
			if r.increase {
				risky = a.v > oldV
			}
			if risky && len(r.factors) > 0 {
				risky = movedByFactor(oldV, a.v, r.factors)
			}
			if !risky || anyMatch(e.cl.unless, aln.text) {
				continue
			}
			return evidence(aln, 0, 0, "(was "+oldRaw+")"), true
		}
	}
	return "", false
}

// movedByFactor reports whether two positive, finite values differ by one
// of the factors (within 1%), in either direction. Zero, negative and
// unlimited values have no meaningful ratio and never count.
func movedByFactor(old, cur float64, factors []float64) bool {
	if old <= 0 || cur <= 0 || math.IsInf(old, 0) || math.IsInf(cur, 0) {
		return false
	}
	ratio := cur / old
	if ratio < 1 {
		ratio = old / cur
	}
	for _, f := range factors {
		if math.Abs(ratio-f) <= f*0.01 {
			return true
		}
	}
	return false
}

// pairFor finds the first unused removed entry with the same key in the
// same hunk (pass 0) or the same file (pass 1), and marks it used.
func pairFor(s *scratch, dels []numEntry, a *numEntry, pass int) *numEntry {
	aln := &s.lines[a.li]
	for di := range dels {
		d := &dels[di]
		if d.used || d.key != a.key {
			continue
		}
		dln := &s.lines[d.li]
		if pass == 0 && dln.hunk == aln.hunk || pass == 1 && dln.file == aln.file {
			d.used = true
			return d
		}
	}
	return nil
}

// blockOK applies a numeric rule's only_in_block / ignore_in_block to the
// block around line li: the keys of the line itself, its siblings (same
// indentation) and its parent (the nearest less-indented line above), as
// far as the hunk shows them on the line's own side of the diff. The keys
// are lower-cased, sorted and joined by single spaces, so a regexp can ask
// for keys that occur together ("interval retries timeout").
func (e *evaluator) blockOK(li int32, r *numericRule) bool {
	if r.onlyBlock == nil && r.ignoreBlock == nil {
		return true
	}
	keys := e.blockKeys(li)
	if k := lineKey(e.s.lines[li].text); k != "" {
		keys = append(keys, k)
	}
	for i, k := range keys {
		keys[i] = strings.ToLower(k)
	}
	slices.Sort(keys)
	block := strings.Join(slices.Compact(keys), " ")
	if r.ignoreBlock != nil && r.ignoreBlock.MatchString(block) {
		return false
	}
	return r.onlyBlock == nil || r.onlyBlock.MatchString(block)
}

// maxBlockScan bounds how far blockKeys walks from a line in each direction.
const maxBlockScan = 200

func (e *evaluator) blockKeys(li int32) []string {
	lines := e.s.lines
	ln := &lines[li]
	own := indentOf(ln.text)
	sameSide := func(o *line) bool {
		return o.hunk == ln.hunk && o.file == ln.file && (o.kind == kindCtx || o.kind == ln.kind)
	}
	var keys []string
	stop := max(li-maxBlockScan, 0)
	for i := li - 1; i >= stop && lines[i].hunk == ln.hunk && lines[i].file == ln.file; i-- {
		o := &lines[i]
		if !sameSide(o) || strings.TrimSpace(o.text) == "" {
			continue
		}
		switch ind := indentOf(o.text); {
		case ind < own:
			if k := lineKey(o.text); k != "" {
				keys = append(keys, k)
			}
			return append(keys, e.siblingsBelow(li, own)...)
		case ind == own:
			if k := lineKey(o.text); k != "" {
				keys = append(keys, k)
			}
		}
	}
	return append(keys, e.siblingsBelow(li, own)...)
}

func (e *evaluator) siblingsBelow(li int32, own int) []string {
	lines := e.s.lines
	ln := &lines[li]
	var keys []string
	stop := min(int(li)+1+maxBlockScan, len(lines))
	for i := int(li) + 1; i < stop && lines[i].hunk == ln.hunk && lines[i].file == ln.file; i++ {
		o := &lines[i]
		if o.kind != kindCtx && o.kind != ln.kind || strings.TrimSpace(o.text) == "" {
			continue
		}
		ind := indentOf(o.text)
		if ind < own {
			break
		}
		if ind == own {
			if k := lineKey(o.text); k != "" {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

func keyRemoved(dels []numEntry, key string) bool {
	for i := range dels {
		if dels[i].key == key {
			return true
		}
	}
	return false
}

// drops finds a dimension that disappeared from an edited line.
func (e *evaluator) drops() (string, bool) {
	type side struct{ removed, added []int32 }
	type group struct {
		hunk int32
		key  string // the line's "net" group, if the rule has one
	}
	for ri := range e.cl.dropped {
		r := &e.cl.dropped[ri]
		// Only a hunk with candidate lines on both sides can drop anything:
		// find those first, so the line pattern runs on nothing else.
		var keep []int32
		sides := map[int32]uint8{}
		for _, li := range e.cands {
			ln := &e.s.lines[li]
			if ln.kind != kindAdd && ln.kind != kindDel || !e.allowed(li) || !e.has(li, r.lineLits) {
				continue
			}
			keep = append(keep, li)
			if ln.kind == kindAdd {
				sides[ln.hunk] |= 1
			} else {
				sides[ln.hunk] |= 2
			}
		}
		// Group candidate lines of this rule by hunk (and line key), keeping order.
		var order []group
		groups := make(map[group]side)
		for _, li := range keep {
			ln := &e.s.lines[li]
			if sides[ln.hunk] != 3 {
				continue
			}
			g := group{hunk: ln.hunk}
			if len(r.lineNet) == 0 {
				if !r.line.MatchString(ln.text) {
					continue
				}
			} else {
				loc := r.line.FindStringSubmatchIndex(ln.text)
				if loc == nil {
					continue
				}
				g.key = netKey(ln.text, loc, r.lineNet)
			}
			sd, ok := groups[g]
			if !ok {
				order = append(order, g)
			}
			if ln.kind == kindAdd {
				sd.added = append(sd.added, li)
			} else {
				sd.removed = append(sd.removed, li)
			}
			groups[g] = sd
		}
		for _, g := range order {
			sd := groups[g]
			if len(sd.removed) == 0 || len(sd.added) == 0 {
				continue
			}
			kept := make(map[string]bool)
			for _, li := range sd.added {
				t := e.s.lines[li].text
				for _, loc := range r.item.FindAllStringSubmatchIndex(t, -1) {
					kept[netKey(t, loc, r.net)] = true
				}
			}
			for _, li := range sd.removed {
				ln := &e.s.lines[li]
				for _, loc := range r.item.FindAllStringSubmatchIndex(ln.text, -1) {
					it := ln.text[loc[0]:loc[1]]
					if kept[netKey(ln.text, loc, r.net)] || anyMatch(e.cl.unless, ln.text) {
						continue
					}
					return evidence(ln, loc[0], loc[1], "(dropped "+strings.TrimSpace(it)+")"), true
				}
			}
		}
	}
	return "", false
}

// vetoed applies unless_change to all allowed added lines and note lines.
func (e *evaluator) vetoed() bool {
	if len(e.cl.unlessChange) == 0 {
		return false
	}
	n := 0
	for li := range e.s.lines {
		ln := &e.s.lines[li]
		if ln.kind != kindAdd && ln.kind != kindNote {
			continue
		}
		if len(ln.text) > maxLineLen || !e.allowed(int32(li)) {
			continue
		}
		if anyMatch(e.cl.unlessChange, ln.text) {
			if n++; n >= e.cl.unlessMin {
				return true
			}
		}
	}
	return false
}

var uriPassword = regexp.MustCompile(`(://[^\s:/@]+:)[^\s@/]+@`)

func maskPasswords(s string) string { return uriPassword.ReplaceAllString(s, "${1}***@") }

// evidence renders a line for display: marker + trimmed text, URI passwords
// masked, clipped to maxEvidence characters around [start,end), suffix kept.
func evidence(ln *line, start, end int, suffix string) string {
	text := ln.text
	// Trim, keeping match offsets aligned.
	lead := len(text) - len(strings.TrimLeft(text, " \t"))
	text = strings.TrimSpace(text)
	start, end = clampInt(start-lead, 0, len(text)), clampInt(end-lead, 0, len(text))

	// Mask passwords in URIs, then find the (masked) match again.
	if uriPassword.MatchString(text) {
		m := maskPasswords(text[start:end])
		text = maskPasswords(text)
		start, end = 0, 0
		if i := strings.Index(text, m); m != "" && i >= 0 {
			start, end = i, i+len(m)
		}
	}

	marker := ""
	switch ln.kind {
	case kindAdd:
		marker = "+"
	case kindDel:
		marker = "-"
	}
	if suffix != "" {
		suffix = " " + suffix
	}
	budget := maxEvidence - utf8.RuneCountInString(marker) - utf8.RuneCountInString(suffix)
	if budget < 20 {
		suffix = ""
		budget = maxEvidence - utf8.RuneCountInString(marker)
	}
	if utf8.RuneCountInString(text) > budget {
		text = clip(text, start, budget)
	}
	return strings.Clone(marker + text + suffix)
}

// clip returns at most budget runes of s, keeping byte offset start visible
// and marking cuts with "…".
func clip(s string, start, budget int) string {
	r := []rune(s)
	ms := utf8.RuneCountInString(s[:start])
	from := 0
	if ms > budget/3 {
		from = ms - budget/3
	}
	avail := budget
	if from > 0 {
		avail--
	}
	if from+avail < len(r) {
		avail--
		if from+avail > len(r) {
			from = len(r) - avail
		}
		out := string(r[from : from+avail])
		if from > 0 {
			out = "…" + out
		}
		return out + "…"
	}
	from = len(r) - avail
	if from < 0 {
		from = 0
	}
	out := string(r[from:])
	if from > 0 {
		out = "…" + out
	}
	return out
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
