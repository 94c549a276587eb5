package redact

import "strings"

// Key classification: does the name on the left of an assignment name a
// secret? Keys are split into words at non-alphanumerics and camelCase
// boundaries (DB_PASSWORD, stripeSecretKey, x-api-key, spring.datasource.
// password), and a key is secret when one of its words is a secret word, or
// two adjacent words form one (api key, private key). A key whose last word
// only qualifies the secret (password_file, token_count, passwordMinLength,
// auth_url) names something about the secret, not the secret itself.

// secretWords are secret words on their own.
var secretWords = []string{
	"password", "passwd", "pwd", "pass", "passphrase", "passcode",
	"secret", "secrets", "token", "apikey", "apitoken",
	"credential", "credentials", "creds",
	"privatekey", "secretkey", "accesskey", "dockerconfigjson", "dockercfg",
}

// lastSecretWords are secret only as the last word of a key: "auth" names
// credentials in basic_auth or AUTH but a role in auth_server or
// authFailedClient.
var lastSecretWords = []string{"auth", "oauth", "authorization"}

// secretSuffixes make a secret word of a longer one (dbpassword,
// clientsecret, authtoken, xapikey).
var secretSuffixes = []string{"password", "passwd", "passphrase", "secret", "token", "apikey"}

// secretPrefixes likewise (passwordhash, passwords).
var secretPrefixes = []string{"password", "passwd"}

// keyPairFirst are the words that, followed by "key", name a secret:
// api_key, AccessKey, private-key, and Azure's AccountKey (storage).
var keyPairFirst = []string{"api", "access", "private", "secret", "encryption", "signing", "master", "auth", "account"}

// urlParamWords are secret only as URL query parameter names (pre-signed
// URL signatures).
var urlParamWords = []string{"sig", "signature"}

// qualifiers, as the last word of a key, name a property of a secret
// rather than the secret.
var qualifiers = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		file files path paths dir directory folder location loc
		env var vars variable name names label
		length len count min max minimum maximum size limit
		type types kind field fields param params parameter
		policy policies url urls uri uris endpoint host hostname port
		enabled enable disabled required optional
		expiry expires expiration expire ttl timeout lifetime duration age interval
		prefix suffix format fmt hint regex pattern mode method methods
		provider source version rotation refresh algorithm alg algo scheme
		scope scopes strategy store backend model class module plugin handler
		validator validators generator parser description desc help message msg
		text title placeholder error errors status state flag flags stdin
		user username login email account cmd command script helper program
		ref through thru reset changed
		panic prompt warning warn usage doc docs comment note log id ids
	`) {
		qualifiers[w] = true
	}
}

// flagNegations start the names of boolean command-line flags
// (--no-auth, --skip-tls-auth): what follows them is not their value.
var flagNegations = []string{"no", "skip", "disable", "enable", "with", "without", "use", "allow", "require"}

const maxKeyWords = 16

// keyWords splits key into words; it returns how many it stored in w.
func keyWords(key string, w *[maxKeyWords]string) int {
	n := 0
	start := -1
	for i := 0; i <= len(key); i++ {
		var c byte
		if i < len(key) {
			c = key[i]
		}
		if i == len(key) || !isAlnum(c) {
			if start >= 0 {
				if n == maxKeyWords {
					return n
				}
				w[n] = key[start:i]
				n++
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		// camelCase: fooBar -> foo Bar, APIKey -> API Key, v2Token -> v2 Token.
		p := key[i-1]
		if isUpper(c) && (isLower(p) || isDigit(p) ||
			(isUpper(p) && i+1 < len(key) && isLower(key[i+1]))) {
			if n == maxKeyWords {
				return n
			}
			w[n] = key[start:i]
			n++
			start = i
		}
	}
	return n
}

func inFold(w string, list []string) bool {
	for _, x := range list {
		if strings.EqualFold(w, x) {
			return true
		}
	}
	return false
}

func isSecretWord(w string) bool {
	if inFold(w, secretWords) {
		return true
	}
	for _, x := range secretSuffixes {
		if hasSuffixFold(w, x) {
			return true
		}
	}
	for _, x := range secretPrefixes {
		if hasPrefixFold(w, x) {
			return true
		}
	}
	return false
}

// hasRoot is a cheap filter run on every key: could key contain a secret
// word at all? It looks for the stems the full classification needs.
func hasRoot(key string) bool {
	for i := 0; i < len(key); i++ {
		switch key[i] | 0x20 {
		case 'p':
			if foldAt(key, i, "pass") || foldAt(key, i, "pwd") || foldAt(key, i, "private") {
				return true
			}
		case 's':
			if foldAt(key, i, "secret") || foldAt(key, i, "sig") {
				return true
			}
		case 't':
			if foldAt(key, i, "token") {
				return true
			}
		case 'k':
			if foldAt(key, i, "key") {
				return true
			}
		case 'a':
			if foldAt(key, i, "auth") {
				return true
			}
		case 'c':
			if foldAt(key, i, "cred") {
				return true
			}
		case 'd':
			if foldAt(key, i, "docker") {
				return true
			}
		}
	}
	return false
}

// keyClass is the outcome of classifying a key.
type keyClass uint8

const (
	keyPlain     keyClass = iota // not a secret
	keySecret                    // a secret-named key
	keyAWSSecret                 // an AWS secret access key
)

// classifyKey decides whether key names a secret. urlParam widens the
// vocabulary to signature parameters of pre-signed URLs; flag narrows it by
// skipping boolean flags (--no-auth).
func classifyKey(key string, urlParam, flag bool) keyClass {
	if key == "" || len(key) > 128 || !hasRoot(key) {
		return keyPlain
	}
	// The shell's working-directory variables are not passwords.
	if key == "PWD" || key == "OLDPWD" {
		return keyPlain
	}
	var w [maxKeyWords]string
	n := keyWords(key, &w)
	if n == 0 {
		return keyPlain
	}
	if flag && inFold(w[0], flagNegations) && n > 1 {
		return keyPlain
	}
	secret := false
	aws, awsSecret := false, false
	for i := 0; i < n; i++ {
		switch {
		case isSecretWord(w[i]), i == n-1 && inFold(w[i], lastSecretWords):
			secret = true
		case urlParam && inFold(w[i], urlParamWords):
			secret = true
		case i+1 < n && strings.EqualFold(w[i+1], "key") && inFold(w[i], keyPairFirst):
			secret = true
		}
		if strings.EqualFold(w[i], "aws") {
			aws = true
		}
		if strings.EqualFold(w[i], "secret") && (aws || (i+2 < n && strings.EqualFold(w[i+1], "access") && strings.EqualFold(w[i+2], "key"))) {
			awsSecret = true
		}
	}
	if !secret {
		return keyPlain
	}
	if last := w[n-1]; len(last) <= 16 && !isSecretWord(last) {
		var buf [16]byte
		for i := 0; i < len(last); i++ {
			buf[i] = last[i] | 0x20 // words are alphanumeric: this lower-cases
		}
		if qualifiers[string(buf[:len(last)])] {
			return keyPlain
		}
	}
	if awsSecret {
		return keyAWSSecret
	}
	return keySecret
}

// Value filters: a secret-named key whose value is one of these keeps it.

// nonSecretWords are literal values that are never secrets.
var nonSecretWords = []string{
	"true", "false", "yes", "no", "on", "off", "null", "nil", "none", "undefined",
	"redacted", "masked", "read", "write",
}

// typeNames are bare values that, after a key, declare a type (TypeScript,
// Python annotations, API docs) rather than give a value.
var typeNames = []string{
	"str", "string", "int", "integer", "bool", "boolean", "bytes", "byte",
	"float", "number", "any", "object", "optional", "secretstr",
}

// nonSecret reports whether the value v (quotes removed) is clearly not a
// secret: empty, already masked, a placeholder or template, a reference to a
// variable, a boolean or null, a short number, or a start that means code or
// structure rather than a literal.
func nonSecret(v string) bool {
	v = strings.Trim(v, " \t")
	if v == "" || v == Mask {
		return true
	}
	if isPlaceholderRun(v) {
		return true
	}
	switch v[0] {
	case '/':
		// A comment (case X: // note), a path (the secret is in the file)
		// or a regular expression; base64 may start with '/' too.
		if len(v) > 1 && (v[1] == '/' || v[1] == '*') || isPathLike(v) {
			return true
		}
	case '^', '~':
		// Version constraints: "basic-auth": "~2.0.1".
		if len(v) > 1 && isDigit(v[1]) {
			return true
		}
	case '{', '[', '(', '<', '>', '|', '!', '*', '&', '\\':
		// Objects, lists, templates ({{ .Values.x }}), <placeholders>, YAML
		// block scalars, tags, aliases and anchors; C dereferences and
		// address-of; tuples and casts.
		return true
	case '$':
		// ${VAR}, $(cmd), $VAR, $1, $env:VAR; bcrypt hashes ($2b$...) stay
		// secret.
		r := v[1:]
		if r == "" || strings.IndexByte("{(*$[", r[0]) >= 0 || allOf(r, isDigit) || isIdentStart(r[0]) {
			return true // $VAR, $VAR (see .env)
		}
		if hasPrefixFold(r, "env:") && isIdent(r[4:]) {
			return true
		}
	case '%':
		// printf verbs (%s, %08x, %-10lu) and Python %(name)s.
		if v[1:] == "" || v[1] == '(' || printfVerbLen(v) > 0 {
			return true
		}
	}
	if isShortNumber(v) || isURL(v) || isFormat(v) {
		return true
	}
	return inFold(v, nonSecretWords) || isSecretName(v)
}

// isPathLike reports absolute paths and /regexps/: two or more slashes,
// no base64 padding or '+', and few capitals (random base64 has many).
func isPathLike(v string) bool {
	slashes, upper := 0, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '/':
			slashes++
		case c == '+' || c == '=':
			return false
		case isUpper(c):
			upper++
		}
	}
	return slashes >= 2 && upper < 3
}

// isPlaceholderRun reports a run of one filler character: ***, ..., xxxx.
func isPlaceholderRun(v string) bool {
	return v != "" && sameByte(v) && (strings.IndexByte("*.#-_?", v[0]) >= 0 || (len(v) >= 3 && v[0]|0x20 == 'x'))
}

// isURL reports values that are URLs: their passwords, if any, are
// scanURLs' business; the rest of a URL is no secret.
func isURL(v string) bool {
	i := strings.Index(v[:min(len(v), 24)], "://")
	if i <= 0 || i > 16 {
		return false
	}
	for j := 0; j < i; j++ {
		if !isSchemeChar(v[j]) {
			return false
		}
	}
	return isLetter(v[0])
}

// isFormat reports format strings ("-u %s:%s", "Token {}"): templates of
// a secret, not the secret.
func isFormat(v string) bool {
	return strings.Contains(v, "%s") || strings.Contains(v, "%v") || strings.Contains(v, "{}") || strings.Contains(v, "{0}")
}

// isSecretName reports values that name a secret rather than hold one: a
// header, field, variable or config key made of several words and no
// digits ("X-Auth-Token", "user_password", "encodeUserPassword",
// "js.fetch:credentials"). A single word such as "password" is masked: it
// may well be the password.
func isSecretName(v string) bool {
	if len(v) > 64 || !allOf(v, func(c byte) bool { return isLetter(c) || c == '_' || c == '-' || c == '.' || c == ':' }) {
		return false
	}
	var w [maxKeyWords]string
	if keyWords(v, &w) < 2 {
		return false
	}
	return classifyKey(v, false, false) != keyPlain
}

func sameByte(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

func isIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}

// isShortNumber accepts numbers that are settings rather than secrets:
// integers of up to five digits, decimals and version-like numbers, small
// hex constants. Longer integers (PINs, numeric tokens) are masked.
func isShortNumber(v string) bool {
	if v[0] == '-' || v[0] == '+' {
		v = v[1:]
	}
	if v == "" {
		return false
	}
	if len(v) > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
		h := v[2:]
		return len(h) <= 8 && allOf(h, func(c byte) bool { return isDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'f') })
	}
	digits, dots := 0, 0
	for i := 0; i < len(v); i++ {
		switch {
		case isDigit(v[i]):
			digits++
		case v[i] == '.':
			dots++
		default:
			return false
		}
	}
	if digits == 0 {
		return false
	}
	return dots > 0 || digits <= 5
}

// looksLikeProse reports whether an unquoted value of several words reads
// as text (a commit subject "auth: fix expired token refresh", a comment)
// rather than a passphrase: two or more words made only of letters, or
// three or more of which at most a third are not.
func looksLikeProse(v string) bool {
	words, odd := 0, 0
	for i := 0; i < len(v) && words < 12; { // a dozen words tell
		for i < len(v) && isSpace(v[i]) {
			i++
		}
		if i >= len(v) {
			break
		}
		j := i
		for j < len(v) && !isSpace(v[j]) {
			j++
		}
		words++
		// The mask counts as a word: what was prose stays prose once a
		// secret inside it is masked.
		if w := v[i:j]; !strings.Contains(w, Mask) && !isWordy(w) {
			odd++
		}
		i = j
	}
	return (words >= 2 && odd == 0) || (words >= 3 && odd*3 <= words)
}

// isWordy accepts a word of letters (any non-ASCII byte counts as one),
// with inner apostrophes or hyphens and trailing punctuation.
func isWordy(w string) bool {
	for len(w) > 0 && strings.IndexByte(".,;:!?)", w[len(w)-1]) >= 0 {
		w = w[:len(w)-1]
	}
	if len(w) > 0 && w[0] == '(' {
		w = w[1:]
	}
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if isLetter(c) || c >= 0x80 || ((c == '\'' || c == '-') && i > 0 && i < len(w)-1) {
			continue
		}
		return false
	}
	return true
}

// schemeLen returns the length of an authorization scheme word and the
// blanks after it at the start of v ("Bearer ", "Basic "), or 0.
func schemeLen(v string) int {
	for _, sch := range authSchemes {
		if hasPrefixFold(v, sch.name) && len(v) > len(sch.name) && isSpace(v[len(sch.name)]) {
			k := len(sch.name)
			for k < len(v) && isSpace(v[k]) {
				k++
			}
			return k
		}
	}
	return 0
}

// printfVerbLen returns the length of the printf conversion at the start of
// v ("%s", "%08x", "%-10.3f", "%lu"), or 0.
func printfVerbLen(v string) int {
	i := 1
	for i < len(v) && strings.IndexByte("-+ #0", v[i]) >= 0 {
		i++
	}
	for i < len(v) && (isDigit(v[i]) || v[i] == '.' || v[i] == '*') {
		i++
	}
	for i < len(v) && strings.IndexByte("hlLjz", v[i]) >= 0 {
		i++
	}
	if i < len(v) && strings.IndexByte("diouxXeEfFgGcspnvqwT%", v[i]) >= 0 {
		return i + 1
	}
	return 0
}
