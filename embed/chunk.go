package embed

import (
	"strings"
	"unicode/utf8"
)

// Texts are cut to a model's context here, never by the server: Ollama's own
// truncation has been reported ineffective (it refuses the input instead),
// and when it does work it cuts silently.
//
// Token counts are estimated, not computed (the server's tokenizer is a
// request away and slow on some input). The estimate is one token per byte:
// WordPiece tokenizers (BERT, nomic-bert) make at most one token per
// character, and byte-fallback tokenizers at most one per byte, so a piece of
// n bytes never holds more than n tokens and the special tokens around it.
// English prose is nearer four bytes a token, so real models see pieces well
// under their context; code, hashes and non-ASCII text come closer.

const (
	// longWord is the length in bytes above which a run of non-space
	// characters (minified code, base64, a long hash) is broken up before
	// sending: the server's tokenizer slows down sharply on long unbroken
	// words (a 4,000-character one took 32 s).
	longWord = 100
	// wordPiece is the length of the pieces a long word is broken into.
	wordPiece = 32
	// unknownContext is the context assumed when the server does not say
	// (every GGUF model states one; a proxy or an old server may not pass it
	// on): the default model's, nomic-embed-text's 2,048 tokens.
	unknownContext = 2048
)

// chunkBytes is how many bytes of text go in one input for a model with a
// context of ctx tokens and a task prefix of prefix bytes: one token a byte,
// less an eighth of the context and a few tokens as a margin.
func chunkBytes(ctx, prefix int) int {
	if ctx <= 0 {
		ctx = unknownContext
	}
	n := ctx - ctx/8 - 16 - prefix
	return max(n, 64)
}

// breakLongWords returns s with every run of more than longWord bytes
// without white space split by spaces into pieces of at most wordPiece bytes
// (at character boundaries). It returns s itself when nothing is that long.
func breakLongWords(s string) string {
	if len(s) <= longWord || !hasLongWord(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/wordPiece)
	for i := 0; i < len(s); {
		if isSpace(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := i
		for end < len(s) && !isSpace(s[end]) {
			end++
		}
		word := s[i:end]
		i = end
		if len(word) <= longWord {
			b.WriteString(word)
			continue
		}
		for len(word) > 0 {
			n := min(wordPiece, len(word))
			for n < len(word) && n > 0 && !utf8.RuneStart(word[n]) {
				n--
			}
			if n == 0 { // no character boundary in reach: not UTF-8
				n = min(wordPiece, len(word))
			}
			b.WriteString(word[:n])
			word = word[n:]
			if len(word) > 0 {
				b.WriteByte(' ')
			}
		}
	}
	return b.String()
}

// hasLongWord reports whether s has a run of more than longWord bytes
// without white space.
func hasLongWord(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) {
			run = 0
			continue
		}
		run++
		if run > longWord {
			return true
		}
	}
	return false
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'
}

// chunk splits s into at most maxChunks pieces of at most size bytes, cut at
// a line break or a space near the end of each piece where there is one, and
// always at a character boundary. Text beyond maxChunks pieces is dropped.
// An empty s is one empty piece.
func chunk(s string, size, maxChunks int) []string {
	if len(s) <= size {
		return []string{s}
	}
	var out []string
	for len(s) > 0 && len(out) < maxChunks {
		if len(s) <= size {
			out = append(out, s)
			break
		}
		cut := cutAt(s, size)
		out = append(out, s[:cut])
		s = strings.TrimLeft(s[cut:], " \t\r\n")
	}
	return out
}

// cutAt returns where to end a piece of at most size bytes of s (len(s) >
// size): after the last line break in its second half, else after the last
// space there, else at the last character boundary.
func cutAt(s string, size int) int {
	head := s[:size]
	if i := strings.LastIndexByte(head, '\n'); i >= size/2 {
		return i + 1
	}
	if i := strings.LastIndexByte(head, ' '); i >= size/2 {
		return i + 1
	}
	cut := size
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if cut == 0 { // not UTF-8 at all: cut anywhere
		cut = size
	}
	return cut
}
