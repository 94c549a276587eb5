package catalog

import "slices"

// skipSym marks bytes the literal scan ignores (whitespace and quotes).
const skipSym = 255

// isSqueezed reports whether b is ignored by literal matching.
func isSqueezed(b byte) bool {
	switch b {
	case ' ', '\t', '\r', '\n', '\f', '\v', '"', '\'', '`':
		return true
	}
	return false
}

// squeeze lower-cases ASCII letters and drops the bytes literal matching
// ignores. Literals and scanned lines are compared in this form, so a literal
// present in a line is always present in its squeezed form.
func squeeze(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isSqueezed(c) {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// literalIndex is an Aho–Corasick automaton, compiled to a full DFA over a
// compressed alphabet, that maps the squeezed bytes of one line to the set of
// classes whose require literals occur in it.
type literalIndex struct {
	sym    [256]uint8 // byte -> symbol (0 = byte in no literal), skipSym = ignore
	nsym   int
	next   []int32 // next[state*nsym+symbol]
	outOff []int32 // outputs of state s are out[outOff[s]:outOff[s+1]]
	out    []int32 // class indices
}

// newLiteralIndex builds the automaton; lits[k] are the literals of class k.
func newLiteralIndex(lits [][]string) *literalIndex {
	ix := &literalIndex{}
	for b := 0; b < 256; b++ {
		if isSqueezed(byte(b)) {
			ix.sym[b] = skipSym
		}
	}
	// Assign symbols to the bytes that occur in literals.
	n := 1
	for _, ls := range lits {
		for _, l := range ls {
			for i := 0; i < len(l); i++ {
				if c := l[i]; ix.sym[c] == 0 {
					ix.sym[c] = uint8(n)
					n++
				}
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		ix.sym[c] = ix.sym[c+'a'-'A']
	}
	ix.nsym = n

	// Trie. It has at most one state per literal byte, plus the root:
	// room for them all is made at once.
	maxStates := 1
	for _, ls := range lits {
		for _, l := range ls {
			maxStates += len(l)
		}
	}
	next := make([]int32, n, maxStates*n) // state 0 = root
	for i := range next {
		next[i] = -1
	}
	own := make([][]int32, 1, maxStates) // classes whose literal ends at a state
	for k, ls := range lits {
		for _, l := range ls {
			st := int32(0)
			for i := 0; i < len(l); i++ {
				a := int(ix.sym[l[i]])
				nx := next[int(st)*n+a]
				if nx < 0 {
					nx = int32(len(own))
					next[int(st)*n+a] = nx
					own = append(own, nil)
					at := len(next)
					next = next[:at+n]
					for j := at; j < at+n; j++ {
						next[j] = -1
					}
				}
				st = nx
			}
			if !slices.Contains(own[st], int32(k)) {
				own[st] = append(own[st], int32(k))
			}
		}
	}

	// Failure links by BFS, turning the trie into a DFA and merging outputs.
	states := len(own)
	fail := make([]int32, states)
	outs := make([][]int32, states)
	outs[0] = own[0]
	queue := make([]int32, 0, states)
	for a := 0; a < n; a++ {
		if nx := next[a]; nx < 0 {
			next[a] = 0
		} else {
			fail[nx] = 0
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		outs[s] = mergeSorted(own[s], outs[fail[s]])
		for a := 0; a < n; a++ {
			nx := next[int(s)*n+a]
			if nx < 0 {
				next[int(s)*n+a] = next[int(fail[s])*n+a]
				continue
			}
			fail[nx] = next[int(fail[s])*n+a]
			queue = append(queue, nx)
		}
	}
	ix.next = next
	ix.outOff = make([]int32, states+1)
	for s := 0; s < states; s++ {
		ix.outOff[s] = int32(len(ix.out))
		ix.out = append(ix.out, outs[s]...)
	}
	ix.outOff[states] = int32(len(ix.out))
	return ix
}

func mergeSorted(a, b []int32) []int32 {
	if len(a) == 0 {
		return b
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
