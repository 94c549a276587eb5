package redact

import (
	"fmt"
	"strings"
	"testing"
)

// diffHunks are pieces of the diffs a journal of a C networking project
// (iproute2-like) and its configuration sees: argument parsing full of
// "key" and "auth" words, '=' and ':' on most lines, YAML and shell.
var diffHunks = []string{
	`diff --git a/ip/ipxfrm.c b/ip/ipxfrm.c
index %[1]s..%[2]s 100644
--- a/ip/ipxfrm.c
+++ b/ip/ipxfrm.c
@@ -%[3]d,14 +%[3]d,16 @@ static int xfrm_algo_parse(struct xfrm_algo *alg, int type, char *name,
 	int len;
 	int slen = strlen(key);
 
-	if (strncmp(key, "0x", 2) == 0) {
+	if (strncmp(key, "0x", 2) == 0 && slen > 2) {
 		/*
 		 * XXX: fix me!!
 		 */
 		__u8 val = 0;
 		char *p = (char *)key;
 		int i;
 
-		for (i = -(slen%%2), j = 0; j < len; i += 2, j++) {
+		for (i = -(slen %% 2), j = 0; j < len; i += 2, j++) {
 			char vbuf[3];
 			__u8 val;
 
 			vbuf[0] = i >= 0 ? p[i] : '0';
 			vbuf[1] = p[i + 1];
 			vbuf[2] = '\0';
`,
	`@@ -%[3]d,9 +%[3]d,11 @@ static int xfrm_state_modify(int cmd, unsigned int flags, int argc, char **argv)
 		} else if (strcmp(*argv, "auth") == 0 ||
 			   strcmp(*argv, "auth-trunc") == 0 ||
 			   strcmp(*argv, "auth-aead") == 0) {
 			struct xfrm_algo *alg;
-			int auth_len;
+			int auth_len = 0;
+			char *token = NULL;
 
 			NEXT_ARG();
 			auth = *argv;
 			if (get_u32(&icvlen, *argv, 0))
 				invarg("\"ALGO-ICV-LEN\" value is invalid", *argv);
 			alg = (struct xfrm_algo *)buf.alg;
 			alg->alg_key_len = len * 8;
`,
	`diff --git a/tc/f_flower.c b/tc/f_flower.c
index %[1]s..%[2]s 100644
--- a/tc/f_flower.c
+++ b/tc/f_flower.c
@@ -%[3]d,7 +%[3]d,8 @@ static int flower_parse_opt(struct filter_util *qu, char *handle,
 	if (matches(*argv, "enc_key_id") == 0) {
 		NEXT_ARG();
-		ret = flower_parse_key_id(*argv, TCA_FLOWER_KEY_ENC_KEY_ID, n);
+		ret = flower_parse_key_id(*argv,
+					  TCA_FLOWER_KEY_ENC_KEY_ID, n);
 		if (ret < 0) {
 			fprintf(stderr, "Illegal \"enc_key_id\"\n");
 			return -1;
 		}
 	} else if (matches(*argv, "enc_dst_port") == 0) {
 		__u16 port = 0;
 		open_json_object("keys");
 		print_uint(PRINT_ANY, "key_id", "key_id %%u ", rta_getattr_be32(tb[TCA_FLOWER_KEY_ENC_KEY_ID]));
`,
	`diff --git a/man/man8/ip-macsec.8 b/man/man8/ip-macsec.8
--- a/man/man8/ip-macsec.8
+++ b/man/man8/ip-macsec.8
@@ -%[3]d,6 +%[3]d,7 @@
 .BI "ip macsec add " DEV " rx port " PORT " address " <lladdr>
 .BR "sa { " 0..3 " } [ " pn
 .IR PN " ] [ " on " | " off " ] " key " <id> <key>"
+.BI encrypt " on|off"
 
 .SH EXAMPLES
 .PP
 # ip macsec add macsec0 tx sa 0 pn 1024 on key 01 81818181818181818181818181818181
`,
	`diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -%[3]d,12 +%[3]d,14 @@ jobs:
   build:
     runs-on: ubuntu-latest
     env:
       CC: gcc
       CFLAGS: -O2 -Wall
+      GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}
     steps:
       - uses: actions/checkout@v4
         with:
           fetch-depth: 0
       - name: configure
         run: ./configure --prefix=/usr --libdir=/usr/lib64
       - name: build
         run: make -j$(nproc) V=1 CCOPTS="-O2 -g"
`,
	`diff --git a/lib/json_print.c b/lib/json_print.c
--- a/lib/json_print.c
+++ b/lib/json_print.c
@@ -%[3]d,8 +%[3]d,8 @@ void print_color_string(enum output_type type,
 {
 	int ret = 0;
 
-	if (_IS_JSON_CONTEXT(type)) {
+	if (_IS_JSON_CONTEXT(type) && key) {
 		if (key && !value)
 			jsonw_name(_jw, key);
 		else if (!key && value)
 			jsonw_string(_jw, value);
 		else
 			jsonw_string_field(_jw, key, value);
 	} else if (_IS_FP_CONTEXT(type)) {
 		ret = color_fprintf(stdout, color, fmt, value);
 	}
`,
	`diff --git a/Makefile b/Makefile
--- a/Makefile
+++ b/Makefile
@@ -%[3]d,6 +%[3]d,7 @@ DESTDIR ?=
 PREFIX ?= /usr
 LIBDIR ?= $(PREFIX)/lib
 SBINDIR ?= /sbin
+CONFDIR ?= /etc/iproute2
 DATADIR ?= $(PREFIX)/share
 HDRDIR ?= $(PREFIX)/include/iproute2
 DOCDIR ?= $(DATADIR)/doc/iproute2
 ARPDDIR ?= /var/lib/arpd
`,
}

// secretHunks are the few secrets a realistic history holds.
var secretHunks = []string{
	"@@ -1,3 +1,4 @@\n DB_USER=app\n+DB_PASSWORD=hunter2\n DB_HOST=db\n",
	"@@ -10,2 +10,2 @@\n-  url: postgres://app:oldpass@db/shop\n+  url: postgres://app:newpass@db/shop\n",
	"@@ -4,1 +4,1 @@\n-export GITHUB_TOKEN=" + ghp + "\n+export GITHUB_TOKEN=\n",
}

// benchDiff returns a diff of about size bytes with the given number of
// secrets spread through it.
func benchDiff(size, secrets int) string {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		h := diffHunks[i%len(diffHunks)]
		fmt.Fprintf(&b, h, fake(fmt.Sprint("a", i), 12, hexDigits), fake(fmt.Sprint("b", i), 12, hexDigits), 100+i*7)
		if secrets > 0 && i%(size/len(h)/secrets+1) == 3 {
			b.WriteString(secretHunks[i%len(secretHunks)])
		}
	}
	return b.String()
}

func BenchmarkString(b *testing.B) {
	for _, bc := range []struct {
		name    string
		secrets int
	}{{"200KB-diff-no-secrets", 0}, {"200KB-diff-few-secrets", 5}} {
		in := benchDiff(200<<10, bc.secrets)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				String(in)
			}
		})
	}
}

// TestBenchDiff keeps the benchmark input honest: the clean diff has no
// findings, the other only its planted secrets.
func TestBenchDiff(t *testing.T) {
	if _, found := String(benchDiff(200<<10, 0)); found != nil {
		t.Errorf("clean benchmark diff has findings %v", found)
	}
	in := benchDiff(200<<10, 5)
	out, found := String(in)
	if found == nil || strings.Contains(out, "hunter2") || strings.Contains(out, "newpass") || strings.Contains(out, ghp) {
		t.Errorf("planted secrets not masked: %v", found)
	}
}
