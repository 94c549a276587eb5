package redact

import "strings"

// isSchemeChar reports bytes of a URL scheme (RFC 3986: ALPHA *( ALPHA /
// DIGIT / "+" / "-" / "." )).
func isSchemeChar(c byte) bool { return isAlnum(c) || c == '+' || c == '-' || c == '.' }

// endsAuthority reports bytes that end the authority part of a URL as it
// appears in text.
func endsAuthority(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '/', '?', '#', '"', '\'', '`', '<', '>', '\\':
		return true
	}
	return false
}

// scanURLs masks the password of URLs with userinfo, in any scheme:
// postgres://app:s3cret@db/shop keeps "app" and the host. A user without a
// password (ssh://git@host) is left alone.
func (sc *scanner) scanURLs() {
	s := sc.s
	forEach(s, "://", func(i int) int {
		b := i
		for b > 0 && isSchemeChar(s[b-1]) {
			b--
		}
		for b < i && !isLetter(s[b]) {
			b++
		}
		a := i + 3
		if b == i {
			return a
		}
		e := a
		at := -1
		for e < len(s) && !endsAuthority(s[e]) {
			if s[e] == '@' {
				at = e
			}
			e++
		}
		if at < 0 {
			return a
		}
		colon := strings.IndexByte(s[a:at], ':')
		if colon < 0 {
			return a
		}
		pa := a + colon + 1
		if !nonSecretURLPassword(s[pa:at]) {
			sc.add(pa, at, kindURLPassword)
		}
		return a
	})
}

// nonSecretURLPassword is nonSecret for URL passwords, where numbers are
// not settings: only emptiness, the mask and placeholders count.
func nonSecretURLPassword(p string) bool {
	if p == "" || p == Mask || (sameByte(p) && strings.IndexByte("*xX.", p[0]) >= 0) {
		return true
	}
	switch p[0] {
	case '$':
		r := p[1:]
		return r == "" || r[0] == '{' || r[0] == '(' || isIdent(r) || allOf(r, isDigit)
	case '<', '{':
		return true // <password>, {{ .Values.pw }}, {password}
	case '%':
		// printf verbs; a percent-encoded password (%40...) stays secret.
		return p == "%s" || p == "%v" || p == "%q" || strings.HasPrefix(p, "%(")
	}
	return false
}

// scanDSN masks passwords in Go MySQL driver DSNs, which have no scheme:
// user:password@tcp(host:3306)/db, user:password@unix(/run/mysqld.sock)/db.
func (sc *scanner) scanDSN() {
	s := sc.s
	for _, head := range [...]string{"@tcp(", "@unix("} {
		forEach(s, head, func(at int) int {
			b := at
			for b > 0 && !isSpace(s[b-1]) && !isEOL(s[b-1]) && !isQuote(s[b-1]) && s[b-1] != '=' && s[b-1] != '(' && s[b-1] != ',' {
				b--
			}
			userinfo := s[b:at]
			if strings.Contains(userinfo, "://") {
				return at + 1 // a URL: scanURLs
			}
			colon := strings.IndexByte(userinfo, ':')
			if colon < 0 {
				return at + 1
			}
			pa := b + colon + 1
			if !nonSecretURLPassword(s[pa:at]) {
				sc.add(pa, at, kindURLPassword)
			}
			return at + 1
		})
	}
}
