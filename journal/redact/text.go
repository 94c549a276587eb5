package redact

import "strings"

// Small byte-level helpers. Everything here is ASCII: secrets, keys and the
// delimiters around them are ASCII, and cutting only at ASCII bytes keeps
// valid UTF-8 valid.

func isLower(c byte) bool  { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool  { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return isLower(c) || isUpper(c) }
func isAlnum(c byte) bool  { return isLetter(c) || isDigit(c) }

// isB64URL reports base64url alphabet bytes (also used for most token bodies).
func isB64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// isB64 reports standard base64 alphabet bytes, padding included.
func isB64(c byte) bool { return isAlnum(c) || c == '+' || c == '/' || c == '=' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func isEOL(c byte) bool { return c == '\n' || c == '\r' }

func isQuote(c byte) bool { return c == '"' || c == '\'' || c == '`' }

// isIdentStart and isIdentChar describe identifiers of C-like languages.
func isIdentStart(c byte) bool { return isLetter(c) || c == '_' }
func isIdentChar(c byte) bool  { return isAlnum(c) || c == '_' }

// lineEnd returns the index of the '\n' ending the line holding i, or len(s).
func lineEnd(s string, i int) int {
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(s)
}

// lineStart returns the index of the first byte of the line holding i.
func lineStart(s string, i int) int {
	return strings.LastIndexByte(s[:i], '\n') + 1
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// hasSuffixFold is strings.HasSuffix ignoring ASCII case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// foldAt reports whether s[i:] starts with the lower-case word w, ignoring
// case.
func foldAt(s string, i int, w string) bool {
	if len(s)-i < len(w) {
		return false
	}
	for j := 0; j < len(w); j++ {
		if s[i+j]|0x20 != w[j] {
			return false
		}
	}
	return true
}

// trimSpaceRight drops trailing blanks and carriage returns.
func trimSpaceRight(s string) string {
	for len(s) > 0 && (isSpace(s[len(s)-1]) || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// allOf reports whether s is non-empty and every byte satisfies f.
func allOf(s string, f func(byte) bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !f(s[i]) {
			return false
		}
	}
	return true
}

// hasClasses reports whether s contains at least one lower-case letter, one
// upper-case letter and one digit: the shape of a random token as opposed
// to a word or an identifier.
func hasClasses(s string, lower, upper, digit bool) bool {
	var l, u, d bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isLower(c):
			l = true
		case isUpper(c):
			u = true
		case isDigit(c):
			d = true
		}
	}
	return (!lower || l) && (!upper || u) && (!digit || d)
}

// forEach calls f with the index of every occurrence of needle in s, left to
// right. f returns the index from which to continue searching (at least the
// occurrence's index plus one).
func forEach(s, needle string, f func(i int) int) {
	for off := 0; off <= len(s)-len(needle); {
		j := strings.Index(s[off:], needle)
		if j < 0 {
			return
		}
		i := off + j
		next := f(i)
		if next <= i {
			next = i + 1
		}
		off = next
	}
}

// hasLetterAndDigit reports whether s contains an ASCII letter and a digit.
func hasLetterAndDigit(s string) bool {
	var l, d bool
	for i := 0; i < len(s); i++ {
		l = l || isLetter(s[i])
		d = d || isDigit(s[i])
	}
	return l && d
}
