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
//     lock files (see defaultExcludeGlobs), unless a class sets
//     default_excludes = false. A test that connects with w=0 does not lower
//     production durability;
//   - lines longer than 4096 bytes (minified or generated content).
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
// A catalogue file is a list of [[class]] tables (unknown keys are errors):
//
//	[[class]]
//	id       = "timeout-lowered"           # required, stable, [a-z0-9][a-z0-9._-]*
//	reason   = "timeout lowered: ..."      # required, short sentence shown to users
//	symptoms = ["timeout", "504", ...]     # required, words/phrases indexed with the change
//
//	# Literal pre-filter (strongly recommended): a diff line is only tried
//	# against this class if it contains one of these substrings. Matching is
//	# case-insensitive and ignores spaces, tabs and quotes on both sides, so
//	# "w=0" also finds `w = 0`, `"w": 0` is found by "w:0". Every line any
//	# pattern of the class can match MUST contain one of them. Without
//	# require, every diff line is tried (slow). Notes are short and bypass the
//	# pre-filter.
//	require = ["timeout", "deadline"]
//
//	# RE2 patterns, case-insensitive unless case_sensitive = true (use (?-i:...)
//	# for one case-sensitive part). A named group "net" makes the net-change
//	# comparison use that group instead of the whole match.
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
//	# Which files count. Globs without "/" match the base name; "**" spans
//	# directories; {a,b} alternates; matching is case-sensitive.
//	paths            = ["*.yaml", "deploy/**"]  # if set, only these files
//	path_regex       = '...'                    # alternative/additional to paths
//	exclude_paths    = ["*.down.sql"]
//	default_excludes = true                     # skip tests/docs/vendor/locks
//	case_sensitive   = false
//
//	# Sections: in a file, after a line (added, removed, context or hunk
//	# header) matching skip_from, lines are ignored until one matches
//	# skip_until. Used for the "down" half of migrations.
//	skip_from  = ['def downgrade']
//	skip_until = ['def upgrade']
//
//	# Numeric direction: a number moved the risky way. The pattern must have a
//	# (?P<value>...) group and may have (?P<key>...) and (?P<unit>...) groups
//	# (names may repeat across alternatives). Matches on removed and added
//	# lines are paired by key (case-insensitive), first within the same hunk,
//	# then within the same file; only a pair that moved in `direction` matches.
//	[[class.numeric]]
//	pattern           = '(?P<key>\w*timeout\w*)\s*[:=]\s*(?P<value>\d+\s*[a-z]*)'
//	direction         = "decrease"     # or "increase"
//	unit              = "duration"     # number (default) | duration | bytes | cpu | rate
//	zero_is_unlimited = true           # 0 or negative means "no limit"
//	absent            = 0              # optional: value assumed when an added key has no removed counterpart
//	ignore_keys       = '^settimeout$' # optional: keys to skip
//
//	# Dropped dimension: within a hunk, a removed line matching `line` had an
//	# `item` that no added line matching `line` still has (and at least one
//	# such added line exists, i.e. the line was edited, not deleted).
//	[[class.dropped]]
//	line = 'cache[_-]?key'
//	item = 'user|tenant|locale'
//
// Units: duration understands ns, us, ms, s, m, h, d (and long forms, Go's
// "5 * time.Second", Ruby's "5.minutes"); a bare number takes the unit the key
// name implies (…Ms, …Seconds, …Minutes), else seconds. bytes understands
// k/M/G/T (decimal), Ki/Mi/Gi/Ti (binary) and an optional B; cpu understands
// cores and millicores ("500m"); rate understands "10r/s", "100/min",
// "1000/day", rps and rpm. number compares plain numbers.
//
// A class matches a change when any of its triggers fires (added, removed,
// numeric, dropped, notes — checked in that order, each in diff order) and no
// unless_change veto applies. Evidence is the triggering line, trimmed and
// clipped to 160 characters around the match, with passwords in URIs masked;
// numeric evidence ends with "(was <old value>)" and dropped evidence with
// "(dropped <item>)".
//
// # Speed
//
// All require literals of all classes are compiled into one Aho–Corasick
// automaton over lower-cased bytes that skips spaces and quotes. Each diff
// line is scanned once; a class's regexps only run on the lines that contain
// one of its literals, so a 200 KB diff costs one linear scan plus regexps on
// a handful of lines.
package catalog
