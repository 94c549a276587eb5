// Package catalog owns the catalogue of risky change classes that bridges
// incident symptoms and the changes that cause them.
//
// Symptoms rarely share words with their causes: "the API returns None after
// save" says nothing about the "w=0&journal=false" added to a MongoDB URI ten
// hours earlier. A class describes such a family of risky changes in general
// terms: how to recognise the change itself (diff lines, config keys and
// values, commands, note text) and which symptom words that kind of change is
// known to produce. When a class matches a journalled change, the caller
// indexes the class's symptom words with the change and shows its Reason and
// Evidence to the user.
//
// The package owns the matching engine, the built-in catalogue (classes.toml,
// embedded) and the TOML format users may use to add or replace classes. It
// does not own journalling, indexing or ranking.
//
// # What a class is matched against
//
// A Change with a diff is matched line by line against the ADDED lines (lines
// starting with "+" but not "+++") and the REMOVED lines (starting with "-"
// but not "---") of the unified diff. Patterns see the line content without
// its +/- marker. A Change without a diff (a hand-written note) is matched
// against the lines of Title and Body.
//
// Lines that do not describe a behaviour change are not evidence:
//
//   - comment-only lines (starting with #, //, /*, *, --, ; or <!--, but not
//     C preprocessor directives such as #define);
//   - files that are tests, documentation, vendored or generated code, or
//     lock files, patches, Gherkin scenarios and CI pipelines (see
//     defaultExcludeGlobs), unless a class sets default_excludes = false. A
//     test that connects with w=0 does not lower production durability, and
//     a cron line in .github/workflows schedules CI, not production jobs;
//   - lines longer than 4096 bytes (minified or generated content);
//   - for added/removed patterns, function definition lines (a signature
//     like "def fetch(url, retry=None)" declares, it does not configure);
//   - removed lines of a file the diff deletes as a whole (the component
//     goes away with them; call sites elsewhere still count).
//
// Added and removed patterns use "net change" semantics: an added match only
// counts if the same match (compared case-, space-, quote-, "_"- and
// "-"-insensitively) is not also removed somewhere in the same change, and a
// removed match only counts if it is not also added. A URI edited for an
// unrelated reason that keeps its old w=0, or an @Transactional moved from a
// method to its class, is not a new risk.
//
// # TOML schema
//
// A catalogue file is a list of [[class]] tables; unknown keys are errors,
// and every error names the class and the field:
//
//	[[class]]
//	id       = "timeout-lowered"           # required, stable, [a-z0-9][a-z0-9._-]*
//	reason   = "timeout lowered: ..."      # required, short sentence shown to users
//	symptoms = ["timeout", "504", ...]     # required, words/phrases indexed with the change
//
//	# Scan literals: a diff line is only tried against the class if it
//	# contains one of them, compared lower-cased with whitespace and quotes
//	# removed ("w=0" also finds `w = 0`; `"w": 0` is found by "w:0").
//	# "{a,b}" expands. Load proves that every line each diff pattern can
//	# match contains one of them (from the literals the pattern's syntax
//	# requires) and rejects the file otherwise. Without require, the
//	# literals derived from the patterns are used; if some pattern has none,
//	# every line is tried (slow).
//	require = ["timeout", "deadline", "read{,_,-}only{,_,-}{host,url}"]
//
//	# RE2 patterns, case-insensitive unless case_sensitive = true (use
//	# (?-i:...) for a case-sensitive part). They see one line without its
//	# +/- marker. A named group "net" makes the net-change comparison use
//	# that group instead of the whole match.
//	added   = ['...']   # tried on added diff lines
//	removed = ['...']   # tried on removed diff lines
//	notes   = ['...']   # tried on note lines (changes without a diff)
//
//	# Vetoes: a candidate line matching any unless pattern does not count;
//	# if any added line or note line matches an unless_change pattern, the
//	# class does not match the change at all.
//	unless        = ['...']
//	unless_change = ['...']
//
//	# Context: a diff line counts only when its hunk is about something:
//	# the hunk header's context (the enclosing function) or one of the
//	# hunk's lines on the new side matches. A "SELECT 1" counts in a
//	# health handler, not in a database tool.
//	in_hunk = '\bhealth\w*\b'
//	# and the other way round: lines of a hunk that matches do not count
//	# (a requirements file compiled by pip-compile has "# via" lines).
//	unless_hunk = '^\s*#\s*via\b'
//	# unless_change vetoes once this many added lines match it (default 1).
//	unless_change_min = 3
//
//	# Which files count. Globs without "/" match the base name, "**" spans
//	# directories, {a,b} alternates; matching is case-sensitive.
//	paths            = ["*.yaml", "deploy/**"]  # if set, only these files
//	path_regex       = '...'                    # alternative/additional to paths
//	exclude_paths    = ["*.down.sql"]
//	default_excludes = true                     # skip tests/docs/vendor/locks/CI
//	case_sensitive   = false
//
//	# Sections: in a file, after a line (added, removed, context or the text
//	# of a hunk header) matching skip_from, lines are ignored until one
//	# matches skip_until. Used for the "down" half of migrations.
//	skip_from  = ['def downgrade']
//	skip_until = ['def upgrade']
//
//	# Numeric direction: a number moved the risky way.
//	[[class.numeric]]
//	pattern           = '(?P<key>\w*timeout\w*)\s*[:=]\s*(?P<value>\d+\s*[a-z]*)'
//	direction         = "decrease"     # or "increase"
//	unit              = "duration"     # number (default) | duration | bytes | cpu | rate
//	zero_is_unlimited = true           # 0 or a negative value means "no limit"
//	absent            = 0              # optional: old value of a key that was not set before
//	ignore_keys       = '^settimeout$' # optional: keys (as written) to skip
//	ignore_in_block   = '\bhealthcheck\b'  # optional, see below
//	only_in_block     = '...'          # optional, see below
//	factors           = [1000.0, 1024.0]  # optional: only a move by one of these factors
//
//	# Dropped dimension: within a hunk, a removed line matching `line` had an
//	# `item` that no added line matching `line` still has (and at least one
//	# such added line exists, i.e. the line was edited, not deleted). If
//	# `line` has a (?P<net>...) group, lines only pair up with lines whose
//	# group has the same value (the same package, the same key).
//	[[class.dropped]]
//	line = 'cache[_-]?key'
//	item = 'user|tenant|locale'   # a (?P<net>...) group, if any, is what is compared
//
// A numeric pattern must have a (?P<value>...) group and may have
// (?P<key>...) and (?P<unit>...) groups; names may repeat across
// alternatives. Values on removed and added lines are paired by key
// (case-insensitive, punctuation ignored): first all pairs within a hunk,
// then leftovers within the same file. Only a pair that moved in
// `direction` matches; an added key without a removed counterpart is
// compared with `absent` if set, else ignored. The block of a value is the
// keys of its line, its sibling lines (same indentation) and its parent
// line, as far as the hunk shows them, lower-cased, sorted and joined by
// spaces ("interval retries test timeout"); only_in_block and
// ignore_in_block are matched against that string. This tells a docker
// healthcheck's "retries: 3" (a probe threshold) from a client's. With
// factors, a pair that moved in `direction` only matches if the larger
// value is one of the factors (within 1%) times the smaller one; both must
// be positive and finite. A value that jumps exactly 1000× in one edit is
// the mark of a unit mix-up (milliseconds written where seconds are read),
// while tuning a TTL from a minute to a day (1440×) is not.
//
// Units: duration understands ns, us, ms, s, m, h, d, w (and long forms,
// Go's "5 * time.Second", Ruby's "5.minutes"); a bare number takes the unit
// the key implies (…Ms, …Seconds, …Minutes), else seconds. bytes
// understands k/M/G/T (decimal), Ki/Mi/Gi/Ti (binary) and an optional B;
// cpu understands cores and millicores ("500m"); rate understands "10r/s",
// "100/min", "1000/day", rps and rpm; number compares plain numbers.
//
// A class matches a change when any of its triggers fires and no
// unless_change veto applies. Triggers are tried in this order, each in
// diff order: added and note patterns, removed patterns, numeric rules,
// dropped rules; the first one found is the Evidence. Evidence is the
// triggering line with its +/- marker, trimmed and clipped to 160
// characters around the match, with passwords in URIs masked; numeric
// evidence ends with "(was <old value>)" and dropped evidence with
// "(dropped <item>)".
//
// # Speed
//
// All require literals of all classes are compiled into one Aho–Corasick
// automaton over lower-cased bytes that skips whitespace and quotes. Each
// diff line is scanned once and becomes a candidate only for the classes
// whose literals it contains. On a candidate line, each regexp of the class
// runs only if the line also contains one of the literals derived from that
// regexp's syntax tree (notes, which skip the automaton, use this filter
// too; so do skip_from/skip_until markers). Derived sets are compacted to
// shared prefixes (".setscale(0" … ".setscale(9" become ".setscale("). A
// class restricted to some files drops the other files' candidate lines
// before its first pass. A 200 KB diff costs one linear scan plus regexps on
// a handful of lines.
//
// Writing fast classes: prefer require literals that ordinary code lines do
// not contain (":latest", "=={digit}", "visibility"), anchor patterns that
// describe a whole line with ^ (the regexp engine then tries one start
// position), and prefer globs to path_regex (globs are string tests).
package catalog
