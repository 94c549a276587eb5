package redact

import "strings"

// Assignments: KEY=value, key: value, "key": "value", key = "value",
// key := "value", 'key' => 'value', --key value and <key>value</key>, where
// the key names a secret (see classifyKey). Only the value is masked;
// quotes stay.

// sepForm is the shape of the separator between key and value. It decides
// where an unquoted value ends and how code is told from literals.
type sepForm uint8

const (
	formTight  sepForm = iota // KEY=value: env files, shell, URL queries, flags; ends at a blank
	formSpaced                // key = value: INI, TOML, code; runs to the end of the line
	formColon                 // key: value, "key": value: YAML, JSON, headers; to the end of the line
	formWalrus                // key := value: Go; only quoted literals are values
	formArrow                 // 'key' => value: PHP, Ruby; to the end of the line
	formFlag                  // --key value: command lines; ends at a blank
)

// keyRef locates a key in the scanned text.
type keyRef struct {
	start, end int
	quoted     bool
}

func isKeyChar(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' }

// scanAssignments looks at every '=' and ':' in the text.
func (sc *scanner) scanAssignments() {
	s := sc.s
	sc.skipTo = 0
	for off := 0; off < len(s); {
		j := strings.IndexByte(s[off:], '=')
		if j < 0 {
			break
		}
		off += j + 1
		if off > sc.skipTo {
			sc.equalsAt(off - 1)
		}
	}
	sc.skipTo = 0
	for off := 0; off < len(s); {
		j := strings.IndexByte(s[off:], ':')
		if j < 0 {
			break
		}
		off += j + 1
		if off > sc.skipTo {
			sc.colonAt(off - 1)
		}
	}
}

// maxScan bounds how far a value is examined, so that a pathological line
// (megabytes of "password=" without a break) costs linear time. A secret
// value longer than that is still masked whole.
const maxScan = 512

// maxQuoted bounds the search for a closing quote.
const maxQuoted = 64 << 10

// lineStartNear is lineStart looking back at most maxScan bytes; ok is
// false when the line starts further back.
func lineStartNear(s string, i int) (int, bool) {
	lo := max(0, i-maxScan)
	if j := strings.LastIndexByte(s[lo:i], '\n'); j >= 0 {
		return lo + j + 1, true
	}
	return 0, lo == 0
}

func (sc *scanner) equalsAt(i int) {
	s := sc.s
	n := len(s)
	if i+1 < n && s[i+1] == '=' {
		return // == comparison
	}
	form, sepStart, vs := formTight, i, i+1
	if i > 0 {
		switch s[i-1] {
		case '=', '!', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '~', '?':
			return // comparisons and compound assignments
		case ':':
			form, sepStart = formWalrus, i-1
		}
	}
	if i+1 < n && s[i+1] == '>' {
		form, vs = formArrow, i+2
	}
	k, ok := sc.keyBefore(sepStart)
	if !ok {
		return
	}
	if form == formTight && ((sepStart > 0 && isSpace(s[sepStart-1])) || (vs < n && isSpace(s[vs]))) {
		form = formSpaced
	}
	sc.assignment(k, form, vs)
}

func (sc *scanner) colonAt(i int) {
	s := sc.s
	n := len(s)
	if i+1 >= n || s[i+1] == '=' || s[i+1] == ':' || (i > 0 && s[i-1] == ':') {
		return // := is handled with '=', :: is a scope
	}
	if i+2 < n && s[i+1] == '/' && s[i+2] == '/' {
		return // scheme://, see scanURLs
	}
	k, ok := sc.keyBefore(i)
	if !ok {
		return
	}
	// YAML wants a blank after the colon; JSON and JS objects may omit it.
	if !k.quoted && !isSpace(s[i+1]) && !isEOL(s[i+1]) && !isQuote(s[i+1]) {
		return
	}
	sc.assignment(k, formColon, i+1)
}

// keyBefore finds the key ending just before the separator at p: a run of
// key characters, or a quoted key ("key", 'key', \"key\" inside a JSON
// string, ["key"] subscripts).
func (sc *scanner) keyBefore(p int) (keyRef, bool) {
	s := sc.s
	j := p
	for j > 0 && isSpace(s[j-1]) && p-j < 8 {
		j--
	}
	if j == 0 {
		return keyRef{}, false
	}
	c := s[j-1]
	if c == ']' && j >= 2 && (s[j-2] == '"' || s[j-2] == '\'') {
		j--
		c = s[j-1]
	}
	if c == '"' || c == '\'' {
		end := j - 1
		esc := end > 0 && s[end-1] == '\\'
		if esc {
			end--
		}
		lo := max(0, end-129)
		o := end - 1
		for o >= lo && s[o] != c && s[o] != '\n' {
			o--
		}
		if o < lo || s[o] != c || o+1 >= end {
			return keyRef{}, false
		}
		if esc != (o > 0 && s[o-1] == '\\') {
			return keyRef{}, false
		}
		for m := o + 1; m < end; m++ {
			if c := s[m]; !isKeyChar(c) && c != ' ' {
				return keyRef{}, false // a string, not a key: "http://u:p@h": x
			}
		}
		return keyRef{o + 1, end, true}, true
	}
	b := j
	for b > 0 && j-b < 128 && isKeyChar(s[b-1]) {
		b--
	}
	for b < j && (s[b] == '-' || s[b] == '.') {
		b++ // --flag=, .field =
	}
	if b == j {
		return keyRef{}, false
	}
	return keyRef{b, j, false}, true
}

// assignment classifies the key k and, when it names a secret, masks the
// value starting at vs.
func (sc *scanner) assignment(k keyRef, form sepForm, vs int) {
	s := sc.s
	key := s[k.start:k.end]
	urlParam := form == formTight && !k.quoted && k.start > 0 && (s[k.start-1] == '?' || s[k.start-1] == '&')
	cls := classifyKey(key, urlParam, form == formFlag)
	if cls == keyPlain {
		// Kubernetes env lists and similar: "- name: DB_PASSWORD" then
		// "value: ...", or {"name": "TOKEN", "value": "..."}.
		if !strings.EqualFold(key, "value") {
			return
		}
		name, ok := sc.nameBefore(k.start)
		if !ok {
			return
		}
		if cls = classifyKey(name, false, false); cls == keyPlain {
			return
		}
	}
	kd := kindAssignment
	switch {
	case urlParam:
		kd = kindURLParam
	case cls == keyAWSSecret:
		kd = kindAWSSecretKey
	}
	sc.value(vs, form, k, kd)
}

// nameBefore finds a "name: X" or "name": "X" pair earlier on the line of
// ks or on the line before it, and returns X.
func (sc *scanner) nameBefore(ks int) (string, bool) {
	s := sc.s
	ls, ok := lineStartNear(s, ks)
	if !ok {
		return "", false
	}
	if name, ok := nameIn(s[ls:ks]); ok {
		return name, true
	}
	if ls == 0 {
		return "", false
	}
	pls, ok := lineStartNear(s, ls-1)
	if !ok {
		return "", false
	}
	return nameIn(s[pls : ls-1])
}

func nameIn(line string) (string, bool) {
	i := strings.LastIndex(line, "name")
	if i < 0 || (i > 0 && isAlnum(line[i-1])) {
		return "", false
	}
	r := line[i+4:]
	if r != "" && (r[0] == '"' || r[0] == '\'') {
		r = r[1:]
	}
	r = strings.TrimLeft(r, " \t")
	if r == "" || (r[0] != ':' && r[0] != '=') {
		return "", false
	}
	r = strings.TrimLeft(r[1:], " \t")
	if r != "" && (r[0] == '"' || r[0] == '\'') {
		r = r[1:]
	}
	e := 0
	for e < len(r) && isKeyChar(r[e]) {
		e++
	}
	if e == 0 {
		return "", false
	}
	return r[:e], true
}

// value masks the value of a secret-named key, starting at vs (blanks
// allowed before it).
func (sc *scanner) value(vs int, form sepForm, k keyRef, kd kind) {
	s := sc.s
	n := len(s)
	p := vs
	for p < n && isSpace(s[p]) {
		p++
	}
	if p >= n || isEOL(s[p]) {
		return
	}
	if c := s[p]; isQuote(c) || (c == '\\' && p+1 < n && s[p+1] == '"') {
		a, e, closed := quotedValue(s, p)
		if !closed && form == formColon && p == vs && !k.quoted {
			// key:"... with no closing quote: the quote closes a string
			// the key was in ("previous token:", x).
			return
		}
		if e-a >= 2 && isSpace(s[a]) && isSpace(s[e-1]) {
			// `auth=` over `netrc`: a closing and an opening quote, not
			// a quoted value.
			return
		}
		sc.maskValue(a, s[a:e], kd, false)
		return
	}
	if form == formWalrus {
		return // Go: an unquoted right-hand side is code
	}
	e := p
	inString := false
	full := -1 // the end of a value longer than maxScan
	switch form {
	case formTight, formFlag:
		for e < n && !stopsTight(s[e], kd == kindURLParam) && !isEscape(s, e) {
			if e-p == maxScan {
				full = e
				for full < n && !stopsTight(s[full], kd == kindURLParam) && !isEscape(s, full) {
					full++
				}
				break
			}
			e++
		}
	default:
		// A key right after a quote sits in a string literal ('auth: x',
		// "X-Api-Key: x"): its value ends at that quote.
		strQuote := byte('"')
		if !k.quoted && k.start > 0 && s[k.start-1] == '\'' {
			strQuote = '\''
		}
		lim := min(n, p+maxScan)
		le := strings.IndexByte(s[p:lim], '\n')
		if le < 0 {
			le = lim
			if lim < n {
				full = n // resolved below if the value is to be masked
			}
		} else {
			le += p
		}
		e = le
		for m := p; m < le; m++ {
			c := s[m]
			if c == '#' && isSpace(s[m-1]) {
				e, full = m, -1 // trailing comment
				break
			}
			if isEscape(s, m) {
				e, full = m, -1 // "...\nAuthorization: Basic x\n..." in a string literal
				break
			}
			if c == '/' && form == formSpaced && m+1 < le && (s[m+1] == '/' || s[m+1] == '*') && isSpace(s[m-1]) {
				e, full = m, -1
				break
			}
			if (c == '"' || c == strQuote) && form == formColon {
				// key: value" - the key sits inside a string literal
				// ("auth: unauthorized", "X-Api-Key: abc").
				e, inString, full = m, !k.quoted, -1
				break
			}
		}
		// Blanks and a quote at the very end (closing an enclosing
		// string) are not part of the value.
		for e > p && (isSpace(s[e-1]) || s[e-1] == '\r' || isQuote(s[e-1])) {
			e--
		}
	}
	raw := s[p:e]
	if raw == "" || looksLikeCode(raw, form, s[k.start:k.end]) {
		return
	}
	if form == formSpaced && isIdentStart(raw[0]) && codeLine(s, k.start) {
		return // pass = p, var rsaKey = testKey: a right-hand side in code
	}
	if full > e {
		// Longer than maxScan: judged by its start, masked whole.
		if nonSecret(raw) || (form != formTight && form != formFlag && looksLikeProse(raw)) || strings.Contains(raw, "-----BEGIN ") {
			return
		}
		if full == n && form != formTight && form != formFlag {
			full = p + len(trimSpaceRight(s[p:lineEnd(s, p)]))
		}
		sc.add(p, full, kd)
		sc.skipTo = full
		return
	}
	v := strings.TrimRight(raw, ",;")
	if form == formFlag && isUpperPlaceholder(v) {
		return // usage text: --password PASSWORD
	}
	if inString && !hasLetterAndDigit(v[schemeLen(v):]) {
		return // a message, not a credential
	}
	sc.maskValue(p, v, kd, form != formTight && form != formFlag)
}

// isEscape reports whether s[i:] starts with the escape sequence of a
// line break or tab, which ends a value inside a string literal.
func isEscape(s string, i int) bool {
	return s[i] == '\\' && i+1 < len(s) && (s[i+1] == 'n' || s[i+1] == 'r' || s[i+1] == 't')
}

// stopsTight reports bytes that end an unquoted value after a tight '='.
func stopsTight(c byte, urlParam bool) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '&', ';', '|', '"', '\'', '`', '<', '>':
		return true
	case '#':
		return urlParam
	}
	return false
}

// quotedValue returns the bounds of the text inside the quotes opening at
// p and whether they close. Backslash escapes and YAML's doubled single
// quote are honoured; a value whose closing quote is not on the same line
// runs to the end of the line.
func quotedValue(s string, p int) (a, e int, closed bool) {
	q := s[p]
	esc := q == '\\' // \"value\" inside a JSON string
	a = p + 1
	if esc {
		a = p + 2
	}
	for m := a; m < len(s); m++ {
		c := s[m]
		if c == '\n' || m-a > maxQuoted {
			a, e = unclosed(s, a, m)
			return a, e, false
		}
		if esc {
			if c == '\\' && m+1 < len(s) && s[m+1] == '"' {
				return a, m, true
			}
			continue
		}
		if c == '\\' {
			if m+1 < len(s) && s[m+1] != '\n' {
				m++
			}
			continue
		}
		if c == q {
			if q == '\'' && m+1 < len(s) && s[m+1] == '\'' {
				m++ // YAML and SQL write a quote inside '...' as ''
				continue
			}
			return a, m, true
		}
	}
	a, e = unclosed(s, a, len(s))
	return a, e, false
}

// unclosed returns the bounds of the value of a quote left open, which
// runs from a to the end of the line at e (or to another quote), blanks
// trimmed.
func unclosed(s string, a, e int) (int, int) {
	for a < e && isSpace(s[a]) {
		a++
	}
	for m := a; m < e; m++ {
		if isQuote(s[m]) {
			e = m // quotes left unbalanced: keep to the plain part
			break
		}
	}
	return a, a + len(trimSpaceRight(s[a:e]))
}

// maskValue masks v (found at a) unless it is clearly not a secret. An
// authorization scheme in front ("Bearer x") stays visible. prose says the
// value may be free text, which is left alone.
func (sc *scanner) maskValue(a int, v string, kd kind, prose bool) {
	if sl := schemeLen(v); sl > 0 {
		a += sl
		v = v[sl:]
	}
	if prose && looksLikeProse(v) {
		return
	}
	if nonSecret(v) {
		return
	}
	if strings.Contains(v, "-----BEGIN ") {
		return // a PEM block: scanPEM masks its body and keeps its frame
	}
	sc.add(a, a+len(v), kd)
}

// codeWords are identifiers that, as a whole value, are language keywords.
var codeWords = []string{"return", "pass", "continue", "break", "raise", "yield", "await", "self", "this", "new", "not"}

// looksLikeCode reports whether the unquoted value raw is an expression of
// some programming language rather than a literal: a call, a selector, an
// index, an identifier followed by an operator or closing punctuation, or a
// bare identifier where a literal would be quoted.
func looksLikeCode(raw string, form sepForm, key string) bool {
	tight := form == formTight || form == formFlag
	t, dotted := identPrefix(raw)
	if t == 0 {
		// A number followed by code punctuation: enum { X_AUTH = 0, };
		if n := numberPrefix(raw); n > 0 && !tight {
			r := strings.TrimLeft(raw[n:], " \t")
			return r != "" && strings.IndexByte(",;)]}", r[0]) >= 0
		}
		return false
	}
	rest := raw[t:]
	if rest == "" {
		if tight {
			return false // KEY=value, --key value: values are literals
		}
		if dotted || inFold(raw, typeNames) || inFold(raw, codeWords) {
			return true
		}
		// self.token = token, api_key = API_KEY: a variable named after
		// the secret it holds.
		return (form == formSpaced || form == formArrow) && classifyKey(raw, false, false) != keyPlain
	}
	switch rest[0] {
	case '(', '[':
		return true // call or index
	case '{':
		return !tight // composite literal: Secret: T{1}
	case ',', ')', ']', '}', ';':
		if tight {
			// f(password=pw, ...), def f(auth=None):, but PASSWORD=a,b
			// is a literal.
			return strings.Trim(rest, ",)]};:") == ""
		}
		return true
	case '-':
		return strings.HasPrefix(rest, "->")
	case ':':
		return strings.HasPrefix(rest, "::")
	case ' ', '\t':
		r := strings.TrimLeft(rest, " \t")
		if r == "" {
			return false
		}
		if strings.IndexByte("+-*/%|&?=<>!^,;)]}", r[0]) >= 0 {
			return true
		}
		return hasPrefixFold(r, "or ") || hasPrefixFold(r, "and ") || hasPrefixFold(r, "if ")
	}
	return false
}

// codeKeywords start declarations in common languages.
var codeKeywords = []string{"var", "let", "const", "val", "local", "my", "auto", "static", "final",
	"private", "public", "protected", "readonly", "global", "char", "int", "string", "String"}

// codeLine reports whether the line holding ks, where a key starts, reads as
// source code rather than an INI or properties file: it is indented (past a
// diff marker) or opens with a declaration keyword. Configuration files put
// keys at the start of the line; code nests them in blocks.
func codeLine(s string, ks int) bool {
	ls, ok := lineStartNear(s, ks)
	if !ok {
		return false
	}
	line := s[ls:ks]
	if line != "" && (line[0] == '+' || line[0] == '-' || line[0] == ' ') {
		line = line[1:] // diff marker
	}
	if line == "" {
		return false
	}
	if isSpace(line[0]) || strings.HasPrefix(line, "//") || strings.HasPrefix(line, "* ") {
		return true // indented, or in a C-style comment
	}
	for _, kw := range codeKeywords {
		if strings.HasPrefix(line, kw) && len(line) > len(kw) && isSpace(line[len(kw)]) {
			return true
		}
	}
	return false
}

// numberPrefix returns the length of the decimal or hexadecimal number at
// the start of s, C suffixes included.
func numberPrefix(s string) int {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) || !isDigit(s[i]) {
		return 0
	}
	for i < len(s) && (isAlnum(s[i]) || s[i] == '.') {
		i++
	}
	return i
}

// identPrefix returns the length of the identifier or dotted selector
// (a.b.c) at the start of s, and whether it has dots.
func identPrefix(s string) (n int, dotted bool) {
	if s == "" || !isIdentStart(s[0]) {
		return 0, false
	}
	i := 1
	for {
		for i < len(s) && isIdentChar(s[i]) {
			i++
		}
		if i+1 < len(s) && s[i] == '.' && isIdentStart(s[i+1]) {
			dotted = true
			i += 2
			continue
		}
		return i, dotted
	}
}

// isUpperPlaceholder reports metavariables of usage text: PASSWORD,
// API_TOKEN.
func isUpperPlaceholder(v string) bool {
	return len(v) >= 2 && allOf(v, func(c byte) bool { return isUpper(c) || c == '_' || c == '-' })
}

// scanFlags masks the values of secret-named long options given as a
// separate argument: --password hunter2, --token "x". The --key=value form
// is an assignment.
func (sc *scanner) scanFlags() {
	s := sc.s
	forEach(s, "--", func(i int) int {
		if i > 0 {
			switch p := s[i-1]; {
			case isSpace(p), p == '\n', p == '"', p == '\'', p == '(', p == '[':
			case (p == '+' || p == '-') && (i == 1 || s[i-2] == '\n'):
				// at the start of a diff line
			default:
				return i + 2
			}
		}
		a := i + 2
		e := a
		for e < len(s) && (isAlnum(s[e]) || s[e] == '-' || s[e] == '_') {
			e++
		}
		if e-a < 2 || s[a] == '-' || e >= len(s) || !isSpace(s[e]) {
			return e
		}
		k := keyRef{a, e, false}
		cls := classifyKey(s[a:e], false, true)
		if cls == keyPlain {
			return e
		}
		p := e
		for p < len(s) && isSpace(s[p]) {
			p++
		}
		if p >= len(s) || s[p] == '-' || s[p] == '\\' {
			return e
		}
		kd := kindAssignment
		if cls == keyAWSSecret {
			kd = kindAWSSecretKey
		}
		sc.value(p, formFlag, k, kd)
		return e
	})
}

// scanXML masks the text of secret-named elements:
// <password>x</password>, <SecretAccessKey>x</SecretAccessKey>.
func (sc *scanner) scanXML() {
	s := sc.s
	forEach(s, "</", func(i int) int {
		a := i + 2
		e := a
		for e < len(s) && (isKeyChar(s[e]) || s[e] == ':') {
			e++
		}
		if e == a || e >= len(s) || s[e] != '>' {
			return e
		}
		tag := s[a:e]
		local := tag
		if c := strings.LastIndexByte(local, ':'); c >= 0 {
			local = local[c+1:]
		}
		cls := classifyKey(local, false, false)
		if cls == keyPlain {
			return e
		}
		o := i - 1
		for o >= 0 && s[o] != '>' && s[o] != '<' && s[o] != '\n' {
			o--
		}
		if o < 0 || s[o] != '>' {
			return e
		}
		lt := strings.LastIndexByte(s[max(0, o-256):o], '<')
		if lt < 0 {
			return e
		}
		lt += max(0, o-256)
		open := s[lt+1 : o+1]
		if !strings.HasPrefix(open, tag) || strings.IndexByte("> \t/", open[len(tag)]) < 0 {
			return e
		}
		kd := kindAssignment
		if cls == keyAWSSecret {
			kd = kindAWSSecretKey
		}
		va, ve := o+1, i
		for va < ve && isSpace(s[va]) {
			va++
		}
		for ve > va && isSpace(s[ve-1]) {
			ve--
		}
		sc.maskValue(va, s[va:ve], kd, false)
		return e
	})
}
