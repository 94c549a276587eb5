package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

// FuzzString checks the properties every input must have: a value a rule
// detected does not survive, masking is idempotent, input without findings
// comes back as the very same string, and valid UTF-8 stays valid. The seed
// corpus (every table case, plus fragments that stress the parsers) runs as
// an ordinary test.
func FuzzString(f *testing.F) {
	for _, tc := range positives {
		f.Add(tc.in)
	}
	for _, tc := range nearMisses {
		f.Add(tc.in)
	}
	for _, s := range []string{
		"password=", "password: ", `"password":`, `"password": "`, `\"password\":\"`, "password = \"abc",
		"password: ab\"cd", "token: 'abc", "-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----\n",
		"+-----BEGIN RSA PRIVATE KEY-----\n+abc\n", "https://u:p@", "://@:", "a:b@tcp(", "@tcp(",
		"Authorization: Bearer ", "authorization: basic", "--password ", "--password \"", "</password>",
		"<password>x</password", "eyJ.eyJ.", "AKIA", "ghp_", "LS0tLS1CRUdJTi", "value: x", "- name: TOKEN\n  value: ",
		"pässword: geheimnis1", "password: hünter2", "token=\xff\xfe", "password=a\r\npassword=b\r\n",
		"x=password=abc", "password=abc=def", "ghp_" + strings.Repeat("a", 36) + "password=abc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, found := String(in)
		if found == nil {
			if out != in || (len(in) > 0 && unsafe.StringData(out) != unsafe.StringData(in)) {
				t.Fatalf("no findings but output differs: %q -> %q", in, out)
			}
		} else if out == in {
			t.Fatalf("findings %v but output unchanged: %q", found, in)
		}
		for _, f := range found {
			if f.Count <= 0 || f.Kind == "" {
				t.Fatalf("bad finding %v", f)
			}
		}
		again, found2 := String(out)
		if again != out || found2 != nil {
			t.Fatalf("not idempotent:\n in   %q\n once %q\n twice %q (%v)", in, out, again, found2)
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of valid input: %q -> %q", in, out)
		}
		sc := scan(in)
		for _, sp := range sc.spans {
			v := in[sp.start:sp.end]
			if len(v) < 6 || strings.Contains(v, "*") || occurrences(in, v) != 1 {
				continue // too short to tell, or also present where it is no secret
			}
			if strings.Contains(out, v) {
				t.Fatalf("detected %s value %q survives in %q", kindNames[sp.kind], v, out)
			}
		}
	})
}

// occurrences counts the possibly overlapping occurrences of v in s.
func occurrences(s, v string) int {
	n := 0
	for i := 0; ; i++ {
		j := strings.Index(s[i:], v)
		if j < 0 {
			return n
		}
		n++
		i += j
	}
}
