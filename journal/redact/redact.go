// Package redact masks secrets in free text before the journal stores, embeds
// or prints it. It owns the rules for what counts as a secret and the Finding
// record of what was masked; callers (capture of commits, notes, config
// changes, shell commands) run every free-text field through String.
//
// Only the secret value is replaced by Mask; keys, user names, hosts, quotes
// and line structure stay, so a masked diff still reads as a diff and still
// tells which setting changed. Detection is by three families of rules:
//
//   - formats that are secrets wherever they appear: GitHub, GitLab, Slack,
//     Stripe, npm, PyPI, Hugging Face, OpenAI, Anthropic and SendGrid tokens,
//     AWS access key ids, Google API keys, JWTs, PEM private key blocks (also
//     base64-encoded, as in Kubernetes secrets) and webhook URLs;
//   - structure: passwords in URL userinfo and Go MySQL DSNs, secret-named URL
//     query parameters, Authorization headers;
//   - assignments whose key names a secret (password, token, api_key, ...) in
//     env files, shell, YAML, JSON, INI/TOML, XML, command-line flags and
//     source code, with the value masked unless it is clearly not a secret.
//
// The rules are tuned for unified diffs (lines starting with '+', '-' or ' ')
// and run in time linear in the input with no allocation when nothing
// matches. Masking is idempotent: String(String(x)) == String(x).
//
// Choices on the ambiguous cases, made to mask real secrets first and to
// keep code and prose readable second:
//
//   - A token recognised by its format is masked whole, prefix included.
//     A PEM body becomes one "***" line between the kept BEGIN and END
//     lines, also when a diff changes some of its lines.
//   - Weak literal values are masked: POSTGRES_PASSWORD=changeme,
//     password: password. They are often the real credential.
//   - Not masked, as clearly no secret: empty values, the mask itself, runs
//     of one filler character (xxx, ...), ${VAR}, $VAR, $(cmd), {{ tmpl }},
//     <placeholder>, printf verbs and format strings, true/false/null/none,
//     read/write, numbers of up to five digits (longer ones may be PINs),
//     paths (/run/secrets/db), URLs (their passwords are masked by the URL
//     rule) and version constraints (^4.0.0).
//   - A key whose last word qualifies the secret names something else:
//     password_file, token_count, passwordMinLength, auth_url, token_type,
//     secretName, UserSecretsId are left alone. "auth" counts only as the
//     last word (basic_auth, AUTH) so that auth_server is no secret.
//   - In code, a right-hand side that is an expression is no literal: calls,
//     selectors, indexes, operators, Go := with anything but a quoted
//     string, identifiers in indented or declaration lines (pass = p,
//     var key = testKey), and variables named after the secret
//     (self.token = token). A top-level "password = word" is read as INI
//     and masked.
//   - An unquoted value that reads as prose (two or more words of letters,
//     or mostly such words) is left alone: commit subjects such as
//     "auth: fix expired token refresh". A passphrase written unquoted in
//     YAML is missed; quoted, it is masked.
//   - A value that is itself the name of a secret, several words and no
//     digits ("X-Auth-Token", "user_password"), is a reference, not a secret.
//   - Unquoted KEY=value ends at the first blank, as in the shell;
//     key: value and key = value run to the end of the line, less comments.
//   - Command lines pass secrets as separate words (mysql -pSECRET, docker
//     login -p SECRET, curl -u name:SECRET, .netrc's password SECRET, SQL's
//     IDENTIFIED BY 'secret', aws configure set KEY VALUE): see command.go.
//   - Not handled: comparisons (password == "x").
package redact

import (
	"cmp"
	"slices"
	"strings"
)

// Version numbers the rules. Raise it with any change that makes String
// mask something it did not mask before: a journal records the version its
// entries were masked with, and one written by an earlier version is masked
// again (and its old copies scrubbed) when it is next opened.
//
// Version 2: account keys (Azure storage's AccountKey, account_key).
// Version 3: secrets passed as separate words on command lines, in .netrc
// and in SQL (see command.go).
const Version = 3

// Mask replaces every secret value. It is never itself treated as a secret,
// which makes String idempotent.
const Mask = "***"

// Finding says what was masked: a kind label and how many values of that kind
// were replaced. Kinds are short stable labels such as "url-password",
// "github-token", "aws-access-key", "private-key", "jwt", "bearer" and
// "assignment"; Kinds lists them all.
type Finding struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// kind is the internal form of Finding.Kind. The constants are in the
// alphabetical order of their names, so findings come out sorted without a
// sort.
type kind uint8

const (
	kindNone kind = iota
	kindAnthropic
	kindAssignment
	kindAWSAccessKey
	kindAWSSecretKey
	kindBasicAuth
	kindBearer
	kindGitHub
	kindGitLab
	kindGoogleAPIKey
	kindHuggingFace
	kindJWT
	kindNPM
	kindOpenAI
	kindPrivateKey
	kindPyPI
	kindSendGrid
	kindSlack
	kindStripe
	kindURLParam
	kindURLPassword
	kindWebhook
	numKinds
)

var kindNames = [numKinds]string{
	kindNone:         "",
	kindAnthropic:    "anthropic-key",
	kindAssignment:   "assignment",
	kindAWSAccessKey: "aws-access-key",
	kindAWSSecretKey: "aws-secret-key",
	kindBasicAuth:    "basic-auth",
	kindBearer:       "bearer",
	kindGitHub:       "github-token",
	kindGitLab:       "gitlab-token",
	kindGoogleAPIKey: "google-api-key",
	kindHuggingFace:  "huggingface-token",
	kindJWT:          "jwt",
	kindNPM:          "npm-token",
	kindOpenAI:       "openai-key",
	kindPrivateKey:   "private-key",
	kindPyPI:         "pypi-token",
	kindSendGrid:     "sendgrid-key",
	kindSlack:        "slack-token",
	kindStripe:       "stripe-key",
	kindURLParam:     "url-param",
	kindURLPassword:  "url-password",
	kindWebhook:      "webhook-url",
}

// kindPriority decides the kind reported when several rules mask overlapping
// text: a recognised format says more than "some secret-named key".
var kindPriority = [numKinds]uint8{
	kindAssignment:   1,
	kindURLParam:     2,
	kindURLPassword:  2,
	kindAWSSecretKey: 2,
	kindBearer:       2,
	kindBasicAuth:    2,
	kindAnthropic:    3,
	kindAWSAccessKey: 3,
	kindGitHub:       3,
	kindGitLab:       3,
	kindGoogleAPIKey: 3,
	kindHuggingFace:  3,
	kindJWT:          3,
	kindNPM:          3,
	kindOpenAI:       3,
	kindPrivateKey:   3,
	kindPyPI:         3,
	kindSendGrid:     3,
	kindSlack:        3,
	kindStripe:       3,
	kindWebhook:      3,
}

// Kinds returns every kind label String can report, sorted.
func Kinds() []string {
	out := make([]string, 0, numKinds-1)
	for k := kindNone + 1; k < numKinds; k++ {
		out = append(out, kindNames[k])
	}
	return out
}

// String masks the secrets in s and reports what it masked, sorted by Kind
// with one Finding per kind. When nothing matched it returns s itself (no
// copy, no allocation) and nil.
func String(s string) (string, []Finding) {
	if len(s) < 4 {
		return s, nil
	}
	sc := scan(s)
	if len(sc.spans) == 0 {
		return s, nil
	}
	out, found := sc.apply()
	// In contrived text a value's extent can depend on a byte that was
	// inside another secret, so masking may expose a match that was not
	// there before. Rescanning until nothing more is found keeps String
	// idempotent; on real text the first rescan finds nothing.
	for range maxRescans {
		sc = scan(out)
		if len(sc.spans) == 0 {
			break
		}
		var more []Finding
		out, more = sc.apply()
		found = Merge(found, more)
	}
	return out, found
}

// maxRescans bounds the rescans of String.
const maxRescans = 4

// scan runs every rule over s.
func scan(s string) scanner {
	sc := scanner{s: s}
	sc.scanPEM()
	sc.scanBase64PEM()
	sc.scanWords()
	sc.scanWebhooks()
	sc.scanURLs()
	sc.scanDSN()
	sc.scanAuthorization()
	sc.scanAssignments()
	sc.scanFlags()
	sc.scanXML()
	return sc
}

// Merge adds b's counts into a and returns the result sorted by Kind with one
// Finding per kind. Neither argument is modified; when b adds nothing, a is
// returned as it is.
func Merge(a, b []Finding) []Finding {
	if len(b) == 0 {
		return a
	}
	out := make([]Finding, 0, len(a)+len(b))
	add := func(f Finding) {
		for i := range out {
			if out[i].Kind == f.Kind {
				out[i].Count += f.Count
				return
			}
		}
		out = append(out, f)
	}
	for _, f := range a {
		add(f)
	}
	for _, f := range b {
		add(f)
	}
	slices.SortFunc(out, func(x, y Finding) int { return strings.Compare(x.Kind, y.Kind) })
	return out
}

// span is one stretch of s to replace by Mask.
type span struct {
	start, end int
	kind       kind
}

// scanner collects the spans the rules find in s.
type scanner struct {
	s     string
	spans []span
	// skipTo is where the assignment pass resumes after masking a value
	// too long to look at byte by byte twice.
	skipTo int
	// cmdLineEnd ends the last line the command rules looked at; netrc is
	// 0 until asked, then 2 if the text reads as a .netrc file, else 1.
	cmdLineEnd int
	netrc      uint8
}

func (sc *scanner) add(start, end int, k kind) {
	if start < 0 || end > len(sc.s) || start >= end {
		return
	}
	if sc.s[start:end] == Mask {
		return
	}
	sc.spans = append(sc.spans, span{start, end, k})
}

// apply merges overlapping spans (the one finding takes the most specific
// kind among them) and builds the masked string.
func (sc *scanner) apply() (string, []Finding) {
	s := sc.s
	spans := sc.spans
	slices.SortFunc(spans, func(a, b span) int {
		if c := cmp.Compare(a.start, b.start); c != 0 {
			return c
		}
		return cmp.Compare(b.end, a.end)
	})
	var counts [numKinds]int
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i := 0; i < len(spans); {
		cur := spans[i]
		i++
		for i < len(spans) && spans[i].start < cur.end {
			if spans[i].end > cur.end {
				cur.end = spans[i].end
			}
			if kindPriority[spans[i].kind] > kindPriority[cur.kind] {
				cur.kind = spans[i].kind
			}
			i++
		}
		b.WriteString(s[last:cur.start])
		b.WriteString(Mask)
		last = cur.end
		counts[cur.kind]++
	}
	b.WriteString(s[last:])
	var found []Finding
	for k := kindNone + 1; k < numKinds; k++ {
		if counts[k] > 0 {
			found = append(found, Finding{Kind: kindNames[k], Count: counts[k]})
		}
	}
	return b.String(), found
}
