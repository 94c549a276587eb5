package redact

import (
	"slices"
	"strings"
)

// Command lines and the like: secrets passed as separate words, which the
// assignment rules (KEY=value, --flag value) do not see.
//
//   - mysql and its tools: -pSECRET (a bare -p prompts, and -P is a port);
//   - `docker login` and the other registry logins, sshpass: -p SECRET;
//     redis-cli: -a SECRET;
//   - curl: -u / --user NAME:SECRET;
//   - .netrc: password SECRET, on a line with machine or login, or on a
//     line of its own in text that has them;
//   - SQL: PASSWORD 'secret', IDENTIFIED BY 'secret';
//   - `aws configure set KEY VALUE`, `git config KEY VALUE` and the like:
//     a secret-named KEY after set or config.
//
// The value is masked as a flag's value is: up to the next blank, or the
// quoted string; placeholders and variables ($DB_PASS) stay.

// maxCmdWords bounds the words looked at on one line.
const maxCmdWords = 64

// cmdAnchors are substrings at least one of which a line must hold for a
// command rule to match it. Only lines holding one are split into words,
// found by a fast search for each anchor over the whole text.
var cmdAnchors = []string{
	"mysql", "mariadb", "login", "sshpass", "-cli", "curl",
	"assword", "ASSWORD", "dentified", "DENTIFIED", "onfigure set ", "config set ", "git config ",
}

func (sc *scanner) scanCommands() {
	s := sc.s
	var lines []int // starts of the lines to look at
	for _, a := range cmdAnchors {
		for off := 0; off < len(s); {
			i := strings.Index(s[off:], a)
			if i < 0 {
				break
			}
			i += off
			ls := strings.LastIndexByte(s[:i], '\n') + 1
			lines = append(lines, ls)
			le := strings.IndexByte(s[i:], '\n')
			if le < 0 {
				break
			}
			off = i + le + 1 // one hit per line is enough
		}
	}
	if len(lines) == 0 {
		return
	}
	slices.Sort(lines)
	lines = slices.Compact(lines)
	netrc := strings.Contains(s, "machine ") && (strings.Contains(s, "login ") || strings.Contains(s, "password "))
	for _, ls := range lines {
		le := strings.IndexByte(s[ls:], '\n')
		if le < 0 {
			le = len(s)
		} else {
			le += ls
		}
		sc.commandLine(ls, le, netrc)
	}
}

// word is one blank-separated word of a line, as offsets into the text.
type word struct{ a, e int }

// commandLine applies the command rules to the line s[ls:le].
func (sc *scanner) commandLine(ls, le int, netrc bool) {
	s := sc.s
	var buf [maxCmdWords]word
	words := buf[:0]
	for i := ls; i < le && len(words) < maxCmdWords; {
		for i < le && (isSpace(s[i]) || s[i] == '\r') {
			i++
		}
		a := i
		for i < le && !isSpace(s[i]) && s[i] != '\r' {
			i++
		}
		if i > a {
			words = append(words, word{a, i})
		}
	}
	// A diff line's marker is not a word of its own.
	if len(words) > 0 && ls < le && (s[ls] == '+' || s[ls] == '-') && words[0].a == ls {
		if words[0].e == ls+1 {
			words = words[1:]
		} else {
			words[0].a++
		}
	}
	w := func(k int) string { return s[words[k].a:words[k].e] }
	next := func(k int) (int, bool) {
		if k+1 >= len(words) {
			return 0, false
		}
		return words[k+1].a, true
	}
	flag := func(at int, k keyRef) { sc.value(at, formFlag, k, kindAssignment) }

	var mysql, login, sshpass, redis, curl, identified, machine bool
	for k := range words {
		t := w(k)
		base := t[strings.LastIndexByte(t, '/')+1:]
		switch base {
		case "mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlcheck", "mysqlpump", "mysqlsh",
			"mariadb", "mariadb-dump", "mariadb-admin":
			mysql = true
		case "sshpass":
			sshpass = true
		case "redis-cli", "valkey-cli":
			redis = true
		case "curl":
			curl = true
		}
		switch {
		case t == "login" && k > 0:
			login = true
		case t == "machine":
			machine = true
		case strings.EqualFold(t, "identified"):
			identified = true
		}
		kr := keyRef{words[k].a, words[k].e, false}
		switch {
		case mysql && len(t) > 2 && t[0] == '-' && t[1] == 'p':
			flag(words[k].a+2, kr)
		case (login || sshpass) && t == "-p", redis && t == "-a":
			if at, ok := next(k); ok {
				flag(at, kr)
			}
		case curl && (t == "-u" || t == "--user"):
			if k+1 < len(words) {
				v := w(k + 1)
				if c := strings.IndexByte(v, ':'); c > 0 && c+1 < len(v) {
					flag(words[k+1].a+c+1, kr)
				}
			}
		case t == "password" && (machine || login || netrc && k == 0 && len(words) == 2):
			if at, ok := next(k); ok {
				flag(at, kr)
			}
		case strings.EqualFold(t, "password"), identified && strings.EqualFold(t, "by"):
			// SQL: the literal after it, quoted.
			if at, ok := next(k); ok && isQuote(s[at]) {
				flag(at, kr)
			}
		case (t == "set" || t == "config" || t == "--global" || t == "--local") && k+2 < len(words):
			key := w(k + 1)
			if cls := classifyKey(key, false, false); cls != keyPlain {
				kd := kindAssignment
				if cls == keyAWSSecret {
					kd = kindAWSSecretKey
				}
				sc.value(words[k+2].a, formFlag, keyRef{words[k+1].a, words[k+1].e, false}, kd)
			}
		}
	}
}
