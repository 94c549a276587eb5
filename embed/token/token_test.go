package token

import (
	"slices"
	"testing"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"API returns None after save", []string{"api", "return", "non", "sav"}},
		{"saved saving saves", []string{"sav", "sav", "sav"}},
		{"parseHTTPRequest", []string{"pars", "http", "request", "parsehttprequest"}},
		{"max_pool_size=10", []string{"max", "pool", "siz", "max_pool_size", "max_pool_size=10"}},
		{"mongodb://app:***@db/shop?w=0&journal=false", []string{"mongodb", "app", "db", "shop", "w=0", "journal", "journal=false", "fals"}},
		{"fix 1a2b3c4d5e6f and 12345", []string{"fix"}},
		{"src/db/mongo.go:42", []string{"src", "db", "mongo", "go"}},
		{"stopped running", []string{"stop", "run"}},
		{"Über café", []string{"über", "café"}},
		{"", nil},
	}
	for _, tt := range tests {
		got := Terms(nil, tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStemAgrees(t *testing.T) {
	groups := [][]string{
		{"save", "saves", "saved", "saving"},
		{"write", "writes", "writing"},
		{"query", "queries"},
		{"connect", "connects", "connected", "connecting"},
		{"timeout", "timeouts"},
	}
	for _, g := range groups {
		want := Stem(g[0])
		for _, w := range g[1:] {
			if got := Stem(w); got != want {
				t.Errorf("Stem(%q) = %q, Stem(%q) = %q: want equal", w, got, g[0], want)
			}
		}
	}
	for _, w := range []string{"status", "class", "bus", "axis"} {
		if got := Stem(w); got != w && got+"e" != w {
			t.Errorf("Stem(%q) = %q: must keep words ending in s that are not plurals", w, got)
		}
	}
}

func FuzzTerms(f *testing.F) {
	for _, s := range []string{"API returns None", "a=b=c", "x=", "=y", "\xff\xfe", "aB_cD=1.2.3-", "ééé"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, term := range Terms(nil, s) {
			if term == "" {
				t.Fatalf("empty term from %q", s)
			}
		}
	})
}

func BenchmarkTerms(b *testing.B) {
	text := `diff --git a/ip/ipaddress.c b/ip/ipaddress.c
@@ -120,7 +120,7 @@ static int print_linkinfo(struct nlmsghdr *n, void *arg)
-	if (tb[IFLA_MTU]) fprintf(fp, "mtu %u ", rta_getattr_u32(tb[IFLA_MTU]));
+	if (tb[IFLA_MTU] && show_details) print_uint(PRINT_ANY, "mtu", "mtu %u ", rta_getattr_u32(tb[IFLA_MTU]));
`
	sp := NewSplitter()
	b.SetBytes(int64(len(text)))
	var dst []string
	for b.Loop() {
		dst = sp.Append(dst[:0], text)
	}
}
