package redact

import "strings"

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

// cmdAnchors are the words, by first byte, at least one of which starts a
// word on a line for a command rule to match it. scanWords, which visits
// every word start anyway, hands such words to noteCommandWord, which splits
// their line into words and applies the rules, once per line.
var cmdAnchors = func() (t [256][]string) {
	for _, a := range cmdAnchorWords {
		t[a[0]] = append(t[a[0]], a)
	}
	return t
}()

var cmdAnchorWords = []string{
	"mysql", "mariadb", "machine", "login", "sshpass", "redis-cli", "valkey-cli", "curl",
	"config", "git", "password", "Password", "PASSWORD", "identified", "IDENTIFIED",
}

// cmdPairs marks the first two bytes of the anchors: most words are turned
// away by one lookup.
var cmdPairs = func() *[1 << 16]bool {
	var t [1 << 16]bool
	for _, a := range cmdAnchorWords {
		t[uint16(a[0])<<8|uint16(a[1])] = true
	}
	return &t
}()

// mayBeCommandWord reports whether the word at i may start with an anchor.
func mayBeCommandWord(s string, i int) bool {
	return i+1 < len(s) && cmdPairs[uint16(s[i])<<8|uint16(s[i+1])]
}

// noteCommandWord applies the command rules to the line of the word
// starting at i if the word starts with an anchor, once per line.
func (sc *scanner) noteCommandWord(i int) {
	if i < sc.cmdLineEnd {
		return // this line is done
	}
	s := sc.s
	for _, a := range cmdAnchors[s[i]] {
		if strings.HasPrefix(s[i:], a) {
			ls := strings.LastIndexByte(s[:i], '\n') + 1
			le := strings.IndexByte(s[i:], '\n')
			if le < 0 {
				le = len(s)
			} else {
				le += i
			}
			sc.cmdLineEnd = le
			if sc.netrc == 0 {
				sc.netrc = 1
				if strings.Contains(s, "machine ") && (strings.Contains(s, "login ") || strings.Contains(s, "password ")) {
					sc.netrc = 2
				}
			}
			sc.commandLine(ls, le, sc.netrc == 2)
			return
		}
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
