// Package token splits text into the terms that lexical ranking and the
// built-in embedder count. It is code-aware: identifiers are split at
// camelCase and snake_case boundaries and kept whole as well, `key=value`
// pairs such as URL parameters (`w=0`) become one term, commit hashes and bare
// numbers are dropped, and words are reduced to a light stem so that "saved",
// "saves" and "saving" meet "save".
package token

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Version changes whenever the terms produced for the same text change, so
// that derived indexes built with an older tokenizer are rebuilt.
const Version = 1

// stop lists words too common to rank by.
var stop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be been but by can could did do does for from had
		has have he her his i if in into is it its may me might more most must my no not of on once only or
		other our out over she should so some such than that the their them then there these they this those
		through to too under until up very was we were what when where which while who whom why will with
		would you your also just let lets now new like make after before`) {
		m[w] = true
	}
	return m
}()

// IsStop reports whether w (lowercase) is a stop word.
func IsStop(w string) bool { return stop[w] }

// Splitter turns text into terms. Its cache makes repeated words cheap; a
// Splitter is safe for use by one goroutine at a time.
type Splitter struct {
	cache map[string][]string
}

// NewSplitter returns a Splitter with an empty cache.
func NewSplitter() *Splitter { return &Splitter{cache: make(map[string][]string, 4096)} }

var pool = sync.Pool{New: func() any { return NewSplitter() }}

// Terms appends the terms of s to dst and returns it.
func Terms(dst []string, s string) []string {
	sp := pool.Get().(*Splitter)
	dst = sp.Append(dst, s)
	pool.Put(sp)
	return dst
}

// Append appends the terms of s to dst and returns it.
func (sp *Splitter) Append(dst []string, s string) []string {
	sp.Each(s, func(t string) { dst = append(dst, t) })
	return dst
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lowerCopy is strings.ToLower(s) in memory of its own, never s's.
func lowerCopy(s string) string {
	if w := strings.ToLower(s); unsafe.StringData(w) != unsafe.StringData(s) {
		return w
	}
	return strings.Clone(s)
}

// Each calls fn for every term of s, in order. A term never shares memory
// with s: keeping terms does not keep s.
func (sp *Splitter) Each(s string, fn func(string)) {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= utf8.RuneSelf {
			// Non-ASCII letters form words of their own (lowercased, unstemmed).
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsLetter(r) {
				j := i + size
				for j < len(s) {
					r2, sz := utf8.DecodeRuneInString(s[j:])
					if !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
						break
					}
					j += sz
				}
				if w := lowerCopy(s[i:j]); utf8.RuneCountInString(w) >= 2 {
					fn(w)
				}
				i = j
				continue
			}
			i += size
			continue
		}
		if !isWordByte(c) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		if j < len(s) && s[j] >= utf8.RuneSelf {
			if r, _ := utf8.DecodeRuneInString(s[j:]); unicode.IsLetter(r) {
				// A word with non-ASCII letters ("café"): one lowercase term.
				for j < len(s) {
					r2, sz := utf8.DecodeRuneInString(s[j:])
					if !unicode.IsLetter(r2) && !unicode.IsDigit(r2) && r2 != '_' {
						break
					}
					j += sz
				}
				fn(lowerCopy(s[i:j]))
				i = j
				continue
			}
		}
		word := s[i:j]
		for _, t := range sp.word(word) {
			fn(t)
		}
		// key=value: a word, '=' or ':' in a URL query, and a short value.
		if j+1 < len(s) && s[j] == '=' && isWordByte(s[j+1]) && len(word) <= 40 {
			k := j + 1
			for k < len(s) && (isWordByte(s[k]) || s[k] == '.' || s[k] == '-') {
				k++
			}
			if val := s[j+1 : k]; len(val) <= 24 {
				fn(strings.ToLower(word) + "=" + strings.ToLower(strings.TrimRight(val, ".-")))
			}
		}
		i = j
	}
}

// word returns the terms of one identifier-like word, cached.
func (sp *Splitter) word(w string) []string {
	if ts, ok := sp.cache[w]; ok {
		return ts
	}
	// Split a copy: the terms share its memory, not the text's.
	w = strings.Clone(w)
	ts := splitWord(w)
	if len(sp.cache) > 200000 {
		clear(sp.cache)
	}
	sp.cache[w] = ts
	return ts
}

func splitWord(w string) []string {
	if len(w) > 64 {
		return nil // generated data, base64, hashes: not words anyone types
	}
	var parts []string
	for _, chunk := range strings.Split(w, "_") {
		if chunk != "" {
			parts = appendCamel(parts, chunk)
		}
	}
	low := strings.ToLower(strings.Trim(w, "_"))
	if len(parts) == 1 && isHexish(low) {
		return nil
	}
	var out []string
	for _, p := range parts {
		p = strings.ToLower(p)
		if len(p) < 2 || isDigits(p) || stop[p] {
			continue
		}
		out = append(out, Stem(p))
	}
	if len(parts) > 1 && len(low) >= 2 && !isHexish(low) {
		out = append(out, low)
	}
	return out
}

// appendCamel splits "parseHTTPRequest2" into "parse", "HTTP", "Request2".
func appendCamel(dst []string, s string) []string {
	start := 0
	for i := 1; i < len(s); i++ {
		prev, c := s[i-1], s[i]
		split := false
		switch {
		case isLower(prev) && isUpper(c):
			split = true
		case isUpper(prev) && isUpper(c) && i+1 < len(s) && isLower(s[i+1]):
			split = true
		case isDigit(prev) && isLetter(c) && !(isUpper(c) && i+1 < len(s) && isUpper(s[i+1])):
			// "v2api" keeps together less often than "utf8Decode" splits; split
			// only before a capital.
			split = isUpper(c)
		}
		if split {
			dst = append(dst, s[start:i])
			start = i
		}
	}
	return append(dst, s[start:])
}

func isLower(c byte) bool  { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return isLower(c) || isUpper(c) }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isHexish reports a lowercase hex run of 7 or more characters with a digit:
// commit hashes and other ids.
func isHexish(s string) bool {
	if len(s) < 7 {
		return false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			digit = true
		case c >= 'a' && c <= 'f':
		default:
			return false
		}
	}
	return digit
}

// Stem reduces a lowercase ASCII word to a light stem: plural and tense
// endings and a final "e" go ("saves", "saved", "saving", "save" → "sav").
// It is deliberately simpler than Porter's: both sides of every comparison go
// through it, so consistency matters more than linguistics.
func Stem(w string) string {
	n := len(w)
	if n <= 3 {
		return w
	}
	for i := 0; i < n; i++ {
		if !isLower(w[i]) {
			return w
		}
	}
	switch {
	case strings.HasSuffix(w, "sses"):
		w = w[:n-2]
	case strings.HasSuffix(w, "ies") && n > 4:
		w = w[:n-3] + "y"
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s") && n > 3:
		w = w[:n-1]
	}
	n = len(w)
	switch {
	case strings.HasSuffix(w, "ing") && n > 5:
		w = undouble(w[:n-3])
	case strings.HasSuffix(w, "ed") && n > 4 && !strings.HasSuffix(w, "eed"):
		w = undouble(w[:n-2])
	}
	if n = len(w); n > 3 && w[n-1] == 'e' {
		w = w[:n-1]
	}
	if n = len(w); n > 3 && w[n-1] == 'y' {
		w = w[:n-1] + "i"
	}
	return w
}

// undouble turns "stopp" into "stop" (but keeps "ll", "ss", "zz").
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && !strings.ContainsRune("lsz", rune(w[n-1])) && !strings.ContainsRune("aeiou", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}
