package redact

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// tokenRule describes a token recognised by its literal prefix. The whole
// token, prefix included, is masked.
type tokenRule struct {
	prefix string
	kind   kind
	body   func(byte) bool // bytes allowed after the prefix
	min    int             // shortest body
	max    int             // longest body; 0 means unbounded
	// check, when set, must accept the body.
	check func(body string) bool
}

func isUpperDigit(c byte) bool    { return isUpper(c) || isDigit(c) }
func isAlnumDash(c byte) bool     { return isAlnum(c) || c == '-' }
func isAlnumUnderbar(c byte) bool { return isAlnum(c) || c == '_' }

// randomLooking accepts bodies with lower, upper and digit characters, the
// shape of generated tokens; it keeps identifiers that merely share a prefix
// (hf_model_loader) out.
func randomLooking(body string) bool { return hasClasses(body, true, true, true) }

// mixedCase accepts bodies with both lower- and upper-case letters.
func mixedCase(body string) bool { return hasClasses(body, true, true, false) }

// openAIBody accepts sk- keys that are not Anthropic ones (those have their
// own rule) and look generated.
func openAIBody(body string) bool {
	return !strings.HasPrefix(body, "ant-") && randomLooking(body)
}

var tokenRules = []tokenRule{
	// GitHub: classic tokens are a prefix and 36 alphanumerics; fine-grained
	// personal access tokens start with github_pat_.
	{prefix: "ghp_", kind: kindGitHub, body: isAlnum, min: 36, max: 255},
	{prefix: "gho_", kind: kindGitHub, body: isAlnum, min: 36, max: 255},
	{prefix: "ghu_", kind: kindGitHub, body: isAlnum, min: 36, max: 255},
	{prefix: "ghs_", kind: kindGitHub, body: isAlnum, min: 36, max: 255},
	{prefix: "ghr_", kind: kindGitHub, body: isAlnum, min: 36, max: 255},
	{prefix: "github_pat_", kind: kindGitHub, body: isAlnumUnderbar, min: 22, max: 255},
	// GitLab personal, pipeline-trigger, deploy and runner tokens.
	{prefix: "glpat-", kind: kindGitLab, body: isB64URL, min: 20, max: 255},
	{prefix: "glptt-", kind: kindGitLab, body: isB64URL, min: 20, max: 255},
	{prefix: "gldt-", kind: kindGitLab, body: isB64URL, min: 20, max: 255},
	{prefix: "glrt-", kind: kindGitLab, body: isB64URL, min: 20, max: 255},
	// Slack bot, app, user, refresh and legacy tokens.
	{prefix: "xoxb-", kind: kindSlack, body: isAlnumDash, min: 10, max: 255},
	{prefix: "xoxa-", kind: kindSlack, body: isAlnumDash, min: 10, max: 255},
	{prefix: "xoxp-", kind: kindSlack, body: isAlnumDash, min: 10, max: 255},
	{prefix: "xoxr-", kind: kindSlack, body: isAlnumDash, min: 10, max: 255},
	{prefix: "xoxs-", kind: kindSlack, body: isAlnumDash, min: 10, max: 255},
	// Stripe secret and restricted keys (live and test) and webhook secrets;
	// publishable keys (pk_) are public by design.
	{prefix: "sk_live_", kind: kindStripe, body: isAlnum, min: 16, max: 255},
	{prefix: "rk_live_", kind: kindStripe, body: isAlnum, min: 16, max: 255},
	{prefix: "sk_test_", kind: kindStripe, body: isAlnum, min: 16, max: 255},
	{prefix: "rk_test_", kind: kindStripe, body: isAlnum, min: 16, max: 255},
	{prefix: "whsec_", kind: kindStripe, body: isAlnum, min: 24, max: 255},
	// AWS access key ids: long-term (AKIA) and temporary (ASIA).
	{prefix: "AKIA", kind: kindAWSAccessKey, body: isUpperDigit, min: 16, max: 16},
	{prefix: "ASIA", kind: kindAWSAccessKey, body: isUpperDigit, min: 16, max: 16},
	// Google API keys.
	{prefix: "AIza", kind: kindGoogleAPIKey, body: isB64URL, min: 35, max: 35},
	// npm automation and publish tokens.
	{prefix: "npm_", kind: kindNPM, body: isAlnum, min: 36, max: 36, check: mixedCase},
	// PyPI upload tokens are macaroons whose base64 starts with "pypi.org".
	{prefix: "pypi-AgEIcHlwaS5vcmc", kind: kindPyPI, body: isB64URL, min: 40},
	// Hugging Face access tokens.
	{prefix: "hf_", kind: kindHuggingFace, body: isAlnum, min: 30, max: 40, check: mixedCase},
	// Anthropic and OpenAI API keys.
	{prefix: "sk-ant-", kind: kindAnthropic, body: isB64URL, min: 32},
	{prefix: "sk-", kind: kindOpenAI, body: isB64URL, min: 40, check: openAIBody},
}

// rulesByFirst indexes tokenRules by the first byte of their prefix.
var rulesByFirst [256][]*tokenRule

// alnumTable is isAlnum as a table, for the hot loop of scanWords.
var alnumTable [256]bool

func init() {
	for i := range tokenRules {
		r := &tokenRules[i]
		rulesByFirst[r.prefix[0]] = append(rulesByFirst[r.prefix[0]], r)
	}
	for c := range 256 {
		alnumTable[c] = isAlnum(byte(c))
	}
}

// scanWords finds the tokens recognised by their start: the prefixes of
// tokenRules, JWTs, SendGrid keys and "Bearer <token>". All of them start a
// word, so one pass looks at word starts only and tries the rules whose
// first byte matches; that is much cheaper than a search per prefix.
func (sc *scanner) scanWords() {
	s := sc.s
	prevAlnum := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		isA := alnumTable[c]
		if !isA || prevAlnum {
			prevAlnum = isA
			continue
		}
		if mayBeCommandWord(s, i) {
			sc.noteCommandWord(i)
		}
		e := -1
		switch c {
		case 'e':
			e = sc.matchJWT(i)
		case 'S':
			e = sc.matchSendGrid(i)
		case 'B', 'b':
			e = sc.matchBearer(i)
		}
		if e < 0 {
			for _, r := range rulesByFirst[c] {
				if e = sc.matchRule(r, i); e >= 0 {
					break
				}
			}
		}
		if e > i {
			i = e - 1
			isA = alnumTable[s[i]]
		}
		prevAlnum = isA
	}
}

// matchRule tries r at i, a word start. It returns the end of the masked
// token, or -1.
func (sc *scanner) matchRule(r *tokenRule, i int) int {
	s := sc.s
	if !strings.HasPrefix(s[i:], r.prefix) {
		return -1
	}
	a := i + len(r.prefix)
	e := a
	for e < len(s) && r.body(s[e]) && (r.max == 0 || e-a <= r.max) {
		e++
	}
	n := e - a
	if n < r.min || (r.max > 0 && n > r.max) || (e < len(s) && isAlnum(s[e])) {
		return -1
	}
	if r.check != nil && !r.check(s[a:e]) {
		return -1
	}
	sc.add(i, e, r.kind)
	return e
}

// matchJWT finds a JSON Web Token at i: three base64url segments, the
// first (the header, a JSON object) starting "eyJ".
func (sc *scanner) matchJWT(i int) int {
	s := sc.s
	if !strings.HasPrefix(s[i:], "eyJ") || (i > 0 && (s[i-1] == '-' || s[i-1] == '_' || s[i-1] == '.')) {
		return -1
	}
	e := i
	var seg [3]int
	for part := range 3 {
		a := e
		for e < len(s) && isB64URL(s[e]) {
			e++
		}
		seg[part] = e - a
		if part < 2 {
			if e >= len(s) || s[e] != '.' {
				return -1
			}
			e++
		}
	}
	if seg[0] < 10 || seg[1] < 8 || seg[2] < 8 || (e < len(s) && s[e] == '.') {
		return -1
	}
	sc.add(i, e, kindJWT)
	return e
}

// matchSendGrid finds a SendGrid API key at i: "SG." and two base64url
// parts of 22 and 43 characters.
func (sc *scanner) matchSendGrid(i int) int {
	s := sc.s
	if !strings.HasPrefix(s[i:], "SG.") {
		return -1
	}
	e := i + 3
	a := e
	for e < len(s) && isB64URL(s[e]) {
		e++
	}
	if e-a != 22 || e >= len(s) || s[e] != '.' {
		return -1
	}
	e++
	a = e
	for e < len(s) && isB64URL(s[e]) {
		e++
	}
	if e-a != 43 {
		return -1
	}
	sc.add(i, e, kindSendGrid)
	return e
}

// matchBearer masks "Bearer <token>" outside an Authorization header
// (logs, notes) when the token looks generated: 16 or more characters
// mixing letters and digits, so prose such as "a bearer token" stays.
func (sc *scanner) matchBearer(i int) int {
	s := sc.s
	if !hasPrefixFold(s[i:], "bearer") || i+6 >= len(s) || !isSpace(s[i+6]) {
		return -1
	}
	a := i + 6
	for a < len(s) && isSpace(s[a]) {
		a++
	}
	e := a
	for e < len(s) && isCredChar(s[e]) {
		e++
	}
	if e-a >= 16 && hasLetterAndDigit(s[a:e]) {
		sc.add(a, e, kindBearer)
	}
	return -1 // the token may itself be a JWT or a known format
}

// scanWebhooks masks the secret path segment of Slack and Discord incoming
// webhook URLs; anyone holding it can post to the channel.
func (sc *scanner) scanWebhooks() {
	s := sc.s
	forEach(s, "hooks.slack.com/services/", func(i int) int {
		a := i + len("hooks.slack.com/services/")
		e := a
		for e < len(s) && (isAlnum(s[e]) || s[e] == '/') {
			e++
		}
		last := strings.LastIndexByte(s[a:e], '/')
		if last < 0 {
			return e
		}
		if e-(a+last+1) >= 8 {
			sc.add(a+last+1, e, kindWebhook)
		}
		return e
	})
	forEach(s, "/api/webhooks/", func(i int) int {
		a := i + len("/api/webhooks/")
		if !strings.HasSuffix(s[max(0, i-16):i], "discord.com") && !strings.HasSuffix(s[max(0, i-16):i], "discordapp.com") {
			return a
		}
		e := a
		for e < len(s) && isDigit(s[e]) {
			e++
		}
		if e == a || e >= len(s) || s[e] != '/' {
			return e
		}
		e++
		t := e
		for e < len(s) && isB64URL(s[e]) {
			e++
		}
		if e-t >= 16 {
			sc.add(t, e, kindWebhook)
		}
		return e
	})
}

// scanPEM masks the body of PEM private key blocks and keeps the BEGIN and
// END lines. The body is the run of base64 (and PEM header) lines after the
// BEGIN line, so a block cut short by the end of a diff hunk is masked as
// far as it goes, and one whose lines a diff changes is masked whole.
func (sc *scanner) scanPEM() {
	s := sc.s
	forEach(s, "-----BEGIN ", func(i int) int {
		la := i + len("-----BEGIN ")
		le := strings.Index(s[la:min(len(s), la+64)], "-----")
		if le < 0 {
			return la
		}
		label := s[la : la+le]
		if !strings.Contains(label, "PRIVATE KEY") || strings.IndexByte(label, '\n') >= 0 {
			return la
		}
		a := la + le + 5 // just after the BEGIN line's dashes
		eol := lineEnd(s, a)
		if j := strings.Index(s[a:eol], "-----END "); j >= 0 {
			// One line: "-----BEGIN X-----\nMII...\n-----END X-----" in
			// a JSON string, or blanks between the parts.
			start, end := pemBody(s, a, a+j)
			sc.add(start, end, kindPrivateKey)
			return a + j
		}
		if trimSpaceRight(s[a:eol]) != "" {
			return a
		}
		// The body lines share the BEGIN line's diff marker and
		// indentation, not whatever text precedes the marker on it
		// (KEY = """-----BEGIN ...).
		prefix := s[lineStart(s, i):i]
		np := 0
		if np < len(prefix) && strings.IndexByte("+- ", prefix[0]) >= 0 {
			np++
		}
		for np < len(prefix) && isSpace(prefix[np]) {
			np++
		}
		prefix = prefix[:np]
		start, end := -1, -1
		p := eol + 1
		for p < len(s) {
			e := lineEnd(s, p)
			line := trimSpaceRight(s[p:e])
			body, ok := cutLinePrefix(line, prefix)
			if !ok || !(allOf(body, isB64) || isPEMHeader(body) || body == "") {
				break
			}
			if body != "" {
				if start < 0 {
					start = p + len(line) - len(body)
				}
				end = p + len(line)
			}
			p = e + 1
		}
		sc.add(start, end, kindPrivateKey)
		return max(p, a)
	})
}

// cutLinePrefix removes from line the prefix its block's BEGIN line had.
// When that prefix starts with a diff marker, any diff marker will do: a
// rotated key has '-' and '+' lines between context lines.
func cutLinePrefix(line, prefix string) (string, bool) {
	if prefix == "" {
		return line, true
	}
	if strings.IndexByte("+- ", prefix[0]) >= 0 {
		if line == "" || strings.IndexByte("+- ", line[0]) < 0 {
			return "", false
		}
		line, prefix = line[1:], prefix[1:]
	}
	if !strings.HasPrefix(line, prefix) {
		return "", false
	}
	return line[len(prefix):], true
}

// isPEMHeader reports the header lines of encrypted PEM blocks.
func isPEMHeader(line string) bool {
	return strings.HasPrefix(line, "Proc-Type:") || strings.HasPrefix(line, "DEK-Info:") || strings.HasPrefix(line, "Comment:")
}

// pemBody trims the text between a BEGIN marker (ending at a) and an END
// marker (starting at b) on one line to the base64 body, leaving blanks
// and escaped line breaks ("\n" inside JSON strings) outside.
func pemBody(s string, a, b int) (start, end int) {
	start, end = a, b
	for start < end && pemPad(s, start, end, true) > 0 {
		start += pemPad(s, start, end, true)
	}
	for start < end && pemPad(s, start, end, false) > 0 {
		end -= pemPad(s, start, end, false)
	}
	return start, end
}

// pemPad returns the length of the blank, line break or escaped line break
// at the front (or back) of s[start:end], or 0.
func pemPad(s string, start, end int, front bool) int {
	if front {
		if isSpace(s[start]) || isEOL(s[start]) {
			return 1
		}
		if s[start] == '\\' && start+1 < end && (s[start+1] == 'n' || s[start+1] == 'r') {
			return 2
		}
		return 0
	}
	if isSpace(s[end-1]) || isEOL(s[end-1]) {
		return 1
	}
	if end-2 >= start && s[end-2] == '\\' && (s[end-1] == 'n' || s[end-1] == 'r') {
		return 2
	}
	return 0
}

// scanBase64PEM finds base64-encoded PEM private keys, the form Kubernetes
// secrets and CI variables carry them in ("LS0tLS1CRUdJTi" is base64 of
// "-----BEGIN").
func (sc *scanner) scanBase64PEM() {
	s := sc.s
	const head = "LS0tLS1CRUdJTi"
	forEach(s, head, func(i int) int {
		if i > 0 && isB64(s[i-1]) {
			return i + len(head)
		}
		e := i
		for e < len(s) && isB64(s[e]) {
			e++
		}
		n := min(e-i, 64) &^ 3
		var buf [48]byte
		m, _ := base64.StdEncoding.Decode(buf[:], []byte(s[i:i+n]))
		if bytes.Contains(buf[:m], []byte("PRIVATE KEY")) {
			sc.add(i, e, kindPrivateKey)
		}
		return e
	})
}

// authSchemes are the Authorization header schemes whose credentials are
// masked.
var authSchemes = [...]struct {
	name string
	kind kind
}{
	{"bearer", kindBearer},
	{"basic", kindBasicAuth},
	{"token", kindBearer},
	{"bot", kindBearer},
}

func isCredChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=' || c == '-'
}

// scanAuthorization masks the credentials of Authorization headers in any
// spelling: "Authorization: Bearer x", curl -H 'authorization: token x',
// "Authorization": "Basic x", headers["Authorization"] = "Bearer x".
func (sc *scanner) scanAuthorization() {
	for _, head := range [...]string{"uthorization", "UTHORIZATION"} {
		s := sc.s
		forEach(s, head, func(i int) int {
			if i == 0 || s[i-1]|0x20 != 'a' {
				return i + 1
			}
			k := i + len(head)
			for j := 0; j < 10 && k < len(s) && strings.IndexByte("\"'`:= \t,]", s[k]) >= 0; j++ {
				k++
			}
			sc.schemeCredentials(k)
			return k
		})
	}
}

// schemeCredentials masks the credentials after an authorization scheme
// word starting at k, if there is one.
func (sc *scanner) schemeCredentials(k int) {
	s := sc.s
	for _, sch := range authSchemes {
		if !hasPrefixFold(s[k:], sch.name) {
			continue
		}
		a := k + len(sch.name)
		if a >= len(s) || !isSpace(s[a]) {
			return
		}
		for a < len(s) && isSpace(s[a]) {
			a++
		}
		e := a
		for e < len(s) && isCredChar(s[e]) {
			e++
		}
		if !isPlaceholderRun(s[a:e]) {
			sc.add(a, e, sch.kind)
		}
		return
	}
}
