package ollamatest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ollama/ollama/fs/ggml"
)

// Token types of a GGUF vocabulary (tokenizer.ggml.token_type), as llama.cpp
// and Ollama read them.
const (
	tokenNormal  int32 = 1
	tokenUnknown int32 = 2
	tokenControl int32 = 3
	tokenByte    int32 = 6
)

// spmSpace is how SentencePiece vocabularies spell a leading space; Ollama's
// WordPiece tokenizer uses it to mark the start of a word too.
const spmSpace = "▁"

// Vocab is a tokenizer vocabulary as a GGUF file stores it: a token's id is
// its index.
type Vocab struct {
	Tokens []string
	Types  []int32
	Scores []float32
}

// Validate reports what would make a server reject or crash on the
// vocabulary. A duplicate token is the one that matters most: llama.cpp
// asserts that every token maps to a distinct id, and that assertion aborts
// the whole `ollama serve` process, not just the request.
func (v Vocab) Validate() error {
	if len(v.Tokens) == 0 {
		return errors.New("vocabulary is empty")
	}
	if len(v.Types) != len(v.Tokens) || len(v.Scores) != len(v.Tokens) {
		return fmt.Errorf("vocabulary has %d tokens, %d types and %d scores", len(v.Tokens), len(v.Types), len(v.Scores))
	}
	seen := make(map[string]int, len(v.Tokens))
	var errs []error
	for i, tok := range v.Tokens {
		switch {
		case tok == "":
			errs = append(errs, fmt.Errorf("token %d is empty", i))
		case !utf8.ValidString(tok):
			errs = append(errs, fmt.Errorf("token %d (%q) is not valid UTF-8", i, tok))
		}
		if j, ok := seen[tok]; ok {
			errs = append(errs, fmt.Errorf("token %q appears twice, as ids %d and %d", tok, j, i))
			continue
		}
		seen[tok] = i
	}
	return errors.Join(errs...)
}

// requireTokens reports which of want the vocabulary lacks.
func (v Vocab) requireTokens(want ...string) error {
	have := make(map[string]bool, len(v.Tokens))
	for _, t := range v.Tokens {
		have[t] = true
	}
	var missing []string
	for _, w := range want {
		if !have[w] {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("vocabulary lacks %q", missing)
	}
	return nil
}

// add appends a token with its type; scores fall with each normal token so
// longer, earlier pieces win SentencePiece merges.
func (v *Vocab) add(tok string, typ int32) {
	v.Tokens = append(v.Tokens, tok)
	v.Types = append(v.Types, typ)
	score := float32(0)
	if typ == tokenNormal {
		score = -float32(len(v.Tokens))
	}
	v.Scores = append(v.Scores, score)
}

// words are whole-word tokens of both vocabularies: common English and code,
// and the words of the tests' repositories, so texts take a realistic number
// of tokens rather than one per character.
var words = strings.Fields(`
	the and for with that this from not are was but have has had will when what
	after before save saved write writes read reads returns return none null nil
	error errors fail failed timeout slow api user users order orders request
	response config prod env mongo mongodb url db shop journal false true add
	update fix remove speed up document service app entry point print hi file
	func package import go main test if else err string int struct type var
	const def class self http get post put delete json yaml index commit diff
	change changes deploy cache query time data value key version build run
`)

// LlamaVocab is a SentencePiece-style ("llama") vocabulary for the chat
// model: <unk>, <s>, </s>, the 256 byte tokens <0x00>…<0xFF> that let any
// text be encoded, every printable ASCII character, and common words with and
// without a leading space. About 560 tokens.
func LlamaVocab() Vocab {
	var v Vocab
	v.add("<unk>", tokenUnknown)
	v.add("<s>", tokenControl)
	v.add("</s>", tokenControl)
	for b := range 256 {
		v.add(fmt.Sprintf("<0x%02X>", b), tokenByte)
	}
	v.add(spmSpace, tokenNormal)
	for c := byte('!'); c <= '~'; c++ {
		v.add(string(c), tokenNormal)
	}
	for _, w := range words {
		v.add(spmSpace+w, tokenNormal)
		v.add(w, tokenNormal)
	}
	// Pieces of JSON, so schema-constrained replies take fewer tokens.
	for _, p := range []string{`{"`, `":`, `",`, `"}`, `":"`, `","`, `"]`, `}]`, `},{`, spmSpace + `"`} {
		v.add(p, tokenNormal)
	}
	return v
}

// BertVocab is a WordPiece ("bert") vocabulary for the embedding model:
// [PAD], [UNK], [CLS], [SEP], [MASK], every printable ASCII and Latin-1
// character both as a word start (▁x) and as a continuation (x), and common
// words.
// Ollama lower-cases before lookup, so it holds no upper-case letters.
func BertVocab() Vocab {
	var v Vocab
	for _, s := range []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"} {
		v.add(s, tokenControl)
	}
	for c := byte('!'); c <= '~'; c++ {
		if c >= 'A' && c <= 'Z' {
			continue
		}
		v.add(spmSpace+string(c), tokenNormal)
		v.add(string(c), tokenNormal)
	}
	// Latin-1 letters and signs, and common typography, so everyday
	// European text has no [UNK]: Ollama's truncation of an over-long input
	// turns tokens back into text and encodes it again, and a literal
	// "[UNK]" comes back as several tokens, over the context.
	for r := rune(0xA1); r <= 0xFF; r++ {
		if unicode.IsUpper(r) || r == 0xAD {
			continue
		}
		v.add(spmSpace+string(r), tokenNormal)
		v.add(string(r), tokenNormal)
	}
	for _, r := range "–—‘’“”…•→←─│├└►€" {
		v.add(spmSpace+string(r), tokenNormal)
		v.add(string(r), tokenNormal)
	}
	for _, w := range words {
		v.add(spmSpace+w, tokenNormal)
		v.add(w, tokenNormal)
	}
	return v
}

// Sizes of the generated models: big enough to exercise every layer type,
// small enough to load in milliseconds and run at thousands of tokens a
// second on one thread.
const (
	// EmbedDim is the dimension of the embedding model's vectors.
	EmbedDim = 64
	// nEmbd is the hidden size of both models.
	nEmbd   = 64
	nHead   = 4
	nFF     = 128
	nLayer  = 2
	chatCtx = 8192 // analyst asks for num_ctx 8192; a smaller model would be clamped
	// EmbedCtx is the embedding model's context in tokens (nomic-embed-text's).
	EmbedCtx = 2048
)

// tensors accumulates F32 tensors of random weights from a fixed seed, so the
// same model file comes out every time.
type tensors struct {
	rng *rand.Rand
	ts  []*ggml.Tensor
}

func newTensors(seed uint64) *tensors {
	return &tensors{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// add appends a tensor; shape is in GGML order (the fastest-varying
// dimension first, so a linear layer from n to m is {n, m}). fill returns the
// value of element i.
func (t *tensors) add(name string, fill func(i int) float32, shape ...uint64) {
	n := uint64(1)
	for _, d := range shape {
		n *= d
	}
	buf := make([]byte, 4*n)
	for i := range int(n) {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(fill(i)))
	}
	t.ts = append(t.ts, &ggml.Tensor{Name: name, Kind: 0 /* F32 */, Shape: shape, WriterTo: bytes.NewReader(buf)})
}

// addF16 is add with the values stored as F16.
func (t *tensors) addF16(name string, fill func(i int) float32, shape ...uint64) {
	n := uint64(1)
	for _, d := range shape {
		n *= d
	}
	buf := make([]byte, 2*n)
	for i := range int(n) {
		binary.LittleEndian.PutUint16(buf[2*i:], toF16(fill(i)))
	}
	t.ts = append(t.ts, &ggml.Tensor{Name: name, Kind: 1 /* F16 */, Shape: shape, WriterTo: bytes.NewReader(buf)})
}

// toF16 converts f to IEEE 754 half precision, rounding to nearest even;
// values too large become infinities, too small zeros or subnormals.
func toF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case b&0x7fffffff == 0:
		return sign
	case exp >= 0x1f: // overflow, infinity or NaN
		if b&0x7f800000 == 0x7f800000 && mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp <= 0: // subnormal or zero
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		h := mant >> shift
		rem := mant & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, which is still correct
	}
	return sign | uint16(h)
}

// random is N(0, 0.02²), the usual initialisation of transformer weights.
func (t *tensors) random(int) float32 { return float32(t.rng.NormFloat64() * 0.02) }

func ones(int) float32  { return 1 }
func zeros(int) float32 { return 0 }

// WriteChatModel writes a tiny random-weight llama model to path. Ollama
// v0.17.4 runs the llama architecture on its llama.cpp runner. It answers
// with gibberish, in whatever shape a format schema forces.
func WriteChatModel(path string) error {
	v := LlamaVocab()
	if err := v.Validate(); err != nil {
		return fmt.Errorf("chat model vocabulary: %w", err)
	}
	// llama.cpp looks up the newline as the byte token <0x0A> and needs <unk>.
	if err := v.requireTokens("<unk>", "<s>", "</s>", "<0x0A>", "<0xFF>"); err != nil {
		return fmt.Errorf("chat model vocabulary: %w", err)
	}
	nVocab := uint64(len(v.Tokens))
	kv := ggml.KV{
		"general.architecture":                   "llama",
		"general.name":                           "analyst-test-chat",
		"general.file_type":                      uint32(0),
		"llama.context_length":                   uint32(chatCtx),
		"llama.embedding_length":                 uint32(nEmbd),
		"llama.block_count":                      uint32(nLayer),
		"llama.feed_forward_length":              uint32(nFF),
		"llama.attention.head_count":             uint32(nHead),
		"llama.attention.head_count_kv":          uint32(nHead),
		"llama.attention.layer_norm_rms_epsilon": float32(1e-5),
		"llama.rope.dimension_count":             uint32(nEmbd / nHead),
		"llama.rope.freq_base":                   float32(10000),
		"llama.vocab_size":                       uint32(nVocab),
		"tokenizer.ggml.model":                   "llama",
		"tokenizer.ggml.tokens":                  v.Tokens,
		"tokenizer.ggml.token_type":              v.Types,
		"tokenizer.ggml.scores":                  v.Scores,
		"tokenizer.ggml.unknown_token_id":        uint32(0),
		"tokenizer.ggml.bos_token_id":            uint32(1),
		"tokenizer.ggml.eos_token_id":            uint32(2),
		"tokenizer.ggml.add_bos_token":           true,
		"tokenizer.ggml.add_eos_token":           false,
	}
	t := newTensors(1)
	t.add("token_embd.weight", t.random, nEmbd, nVocab)
	t.add("output_norm.weight", ones, nEmbd)
	t.add("output.weight", t.random, nEmbd, nVocab)
	for i := range nLayer {
		b := fmt.Sprintf("blk.%d.", i)
		t.add(b+"attn_norm.weight", ones, nEmbd)
		t.add(b+"attn_q.weight", t.random, nEmbd, nEmbd)
		t.add(b+"attn_k.weight", t.random, nEmbd, nEmbd)
		t.add(b+"attn_v.weight", t.random, nEmbd, nEmbd)
		t.add(b+"attn_output.weight", t.random, nEmbd, nEmbd)
		t.add(b+"ffn_norm.weight", ones, nEmbd)
		t.add(b+"ffn_gate.weight", t.random, nEmbd, nFF)
		t.add(b+"ffn_up.weight", t.random, nEmbd, nFF)
		t.add(b+"ffn_down.weight", t.random, nFF, nEmbd)
	}
	return writeGGUF(path, kv, t.ts)
}

// EmbedShape is the size of a generated bert embedding model.
type EmbedShape struct {
	Width  int // hidden size, and the dimension of the vectors
	Layers int // encoder blocks
	Heads  int // attention heads
	FF     int // feed-forward width
	Ctx    int // context in tokens
	// F16 stores the weight matrices as F16 rather than F32 (norms and
	// biases stay F32), halving the file as real models do.
	F16 bool
}

// BertBase is shaped like bert-base (768 wide, 12 layers, 12 heads, a
// 3,072-wide feed-forward, 512 tokens of context), with F16 weights: large
// enough that a CPU server, not its client, sets the pace. Its file is about
// 170 MB (the vocabulary is the small generated one).
var BertBase = EmbedShape{Width: 768, Layers: 12, Heads: 12, FF: 3072, Ctx: 512, F16: true}

// tinyEmbed is the shape WriteEmbedModel writes.
var tinyEmbed = EmbedShape{Width: nEmbd, Layers: nLayer, Heads: nHead, FF: nFF, Ctx: EmbedCtx}

// WriteEmbedModel writes a tiny random-weight bert model with mean pooling to
// path. Ollama v0.17.4 runs bert on its own Go engine and, because the file
// has a pooling type, reports the capability "embedding" and serves
// /api/embed with it (vectors of EmbedDim, L2-normalised), while /api/chat
// refuses it.
func WriteEmbedModel(path string) error {
	return WriteEmbedModelShape(path, tinyEmbed)
}

// WriteEmbedModelShape writes a random-weight bert model with mean pooling
// of the given shape to path, with the vocabulary of WriteEmbedModel. Its
// vectors have s.Width dimensions.
func WriteEmbedModelShape(path string, s EmbedShape) error {
	if s.Width <= 0 || s.Layers <= 0 || s.Heads <= 0 || s.FF <= 0 || s.Ctx <= 0 || s.Width%s.Heads != 0 {
		return fmt.Errorf("embedding model shape %+v: every size must be positive and the width a multiple of the heads", s)
	}
	v := BertVocab()
	if err := v.Validate(); err != nil {
		return fmt.Errorf("embedding model vocabulary: %w", err)
	}
	if err := v.requireTokens("[UNK]", "[CLS]", "[SEP]"); err != nil {
		return fmt.Errorf("embedding model vocabulary: %w", err)
	}
	nVocab := uint64(len(v.Tokens))
	width, ff, ctx := uint64(s.Width), uint64(s.FF), uint64(s.Ctx)
	fileType := uint32(0) // all F32
	if s.F16 {
		fileType = 1 // mostly F16
	}
	kv := ggml.KV{
		"general.architecture":              "bert",
		"general.name":                      "analyst-test-embed",
		"general.file_type":                 fileType,
		"bert.context_length":               uint32(s.Ctx),
		"bert.embedding_length":             uint32(s.Width),
		"bert.block_count":                  uint32(s.Layers),
		"bert.feed_forward_length":          uint32(s.FF),
		"bert.attention.head_count":         uint32(s.Heads),
		"bert.attention.layer_norm_epsilon": float32(1e-12),
		"bert.attention.causal":             false,
		"bert.pooling_type":                 uint32(1), // mean
		"tokenizer.ggml.model":              "bert",
		"tokenizer.ggml.tokens":             v.Tokens,
		"tokenizer.ggml.token_type":         v.Types,
		"tokenizer.ggml.scores":             v.Scores,
		"tokenizer.ggml.padding_token_id":   uint32(0),
		"tokenizer.ggml.unknown_token_id":   uint32(1),
		"tokenizer.ggml.cls_token_id":       uint32(2),
		"tokenizer.ggml.separator_token_id": uint32(3),
		"tokenizer.ggml.mask_token_id":      uint32(4),
		"tokenizer.ggml.token_type_count":   uint32(2),
		"tokenizer.ggml.add_bos_token":      true,
		"tokenizer.ggml.add_eos_token":      true,
	}
	t := newTensors(2)
	// Matrices in F16 when asked; vectors (norms, biases) always F32, and
	// so is token_types: Ollama adds a view of it to F32 activations, which
	// ggml cannot do with F16 (the runner aborts).
	matrix := t.add
	if s.F16 {
		matrix = t.addF16
	}
	matrix("token_embd.weight", t.random, width, nVocab)
	t.add("token_types.weight", t.random, width, 2)
	matrix("position_embd.weight", t.random, width, ctx)
	t.add("token_embd_norm.weight", ones, width)
	t.add("token_embd_norm.bias", zeros, width)
	for i := range s.Layers {
		b := fmt.Sprintf("blk.%d.", i)
		for _, m := range []string{"attn_q", "attn_k", "attn_v", "attn_output"} {
			matrix(b+m+".weight", t.random, width, width)
			t.add(b+m+".bias", zeros, width)
		}
		t.add(b+"attn_output_norm.weight", ones, width)
		t.add(b+"attn_output_norm.bias", zeros, width)
		matrix(b+"ffn_up.weight", t.random, width, ff)
		t.add(b+"ffn_up.bias", zeros, ff)
		matrix(b+"ffn_down.weight", t.random, ff, width)
		t.add(b+"ffn_down.bias", zeros, width)
		t.add(b+"layer_output_norm.weight", ones, width)
		t.add(b+"layer_output_norm.bias", zeros, width)
	}
	return writeGGUF(path, kv, t.ts)
}

func writeGGUF(path string, kv ggml.KV, ts []*ggml.Tensor) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := ggml.WriteGGUF(f, kv, ts); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
