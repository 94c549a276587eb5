package ollamatest

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ollama/ollama/fs/ggml"
)

func TestVocabValidate(t *testing.T) {
	ok := Vocab{Tokens: []string{"<unk>", "a", "▁a"}, Types: []int32{2, 1, 1}, Scores: []float32{0, -1, -2}}
	tests := []struct {
		name  string
		vocab Vocab
		want  string // substring of the error; empty for none
	}{
		{"valid", ok, ""},
		{"duplicate", Vocab{Tokens: []string{"a", "b", "a"}, Types: []int32{1, 1, 1}, Scores: []float32{0, 0, 0}}, `"a" appears twice, as ids 0 and 2`},
		{"empty token", Vocab{Tokens: []string{"a", ""}, Types: []int32{1, 1}, Scores: []float32{0, 0}}, "token 1 is empty"},
		{"invalid utf-8", Vocab{Tokens: []string{"\xff"}, Types: []int32{1}, Scores: []float32{0}}, "not valid UTF-8"},
		{"lengths differ", Vocab{Tokens: []string{"a", "b"}, Types: []int32{1}, Scores: []float32{0, 0}}, "2 tokens, 1 types and 2 scores"},
		{"empty", Vocab{}, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.vocab.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// The generated vocabularies are what the server loads: a duplicate there
// would abort `ollama serve` itself.
func TestGeneratedVocabularies(t *testing.T) {
	for name, v := range map[string]Vocab{"llama": LlamaVocab(), "bert": BertVocab()} {
		if err := v.Validate(); err != nil {
			t.Errorf("%s vocabulary: %v", name, err)
		}
		if n := len(v.Tokens); n < 200 || n > 1000 {
			t.Errorf("%s vocabulary has %d tokens, want a few hundred", name, n)
		}
	}
	// llama.cpp needs every byte token, spelled <0xXX> in upper case.
	if err := LlamaVocab().requireTokens("<0x00>", "<0x0A>", "<0xAB>", "<0xFF>"); err != nil {
		t.Error(err)
	}
	// Ollama's WordPiece lower-cases before lookup: upper case would never match.
	for _, tok := range BertVocab().Tokens {
		if !strings.HasPrefix(tok, "[") && strings.ToLower(tok) != tok {
			t.Errorf("bert vocabulary holds upper-case %q", tok)
		}
	}
}

// The model files decode with Ollama's own GGUF reader and say what the
// server decides by: the architecture, and a pooling type for the embedder.
func TestWriteModels(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		file    string
		write   func(string) error
		arch    string
		pooling bool
		tensors int
	}{
		{"chat.gguf", WriteChatModel, "llama", false, 3 + 9*nLayer},
		{"embed.gguf", WriteEmbedModel, "bert", true, 5 + 16*nLayer},
	}
	for _, tt := range tests {
		t.Run(tt.arch, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			if err := tt.write(path); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			g, err := ggml.Decode(f, -1)
			if err != nil {
				t.Fatalf("decoding %s: %v", tt.file, err)
			}
			kv := g.KV()
			if kv.Architecture() != tt.arch {
				t.Errorf("architecture %q, want %q", kv.Architecture(), tt.arch)
			}
			if _, ok := kv[tt.arch+".pooling_type"]; ok != tt.pooling {
				t.Errorf("pooling_type present: %v, want %v", ok, tt.pooling)
			}
			if kv.EmbeddingLength() != nEmbd || kv.BlockCount() != nLayer {
				t.Errorf("embedding length %d, blocks %d", kv.EmbeddingLength(), kv.BlockCount())
			}
			if n := len(g.Tensors().Items()); n != tt.tensors {
				t.Errorf("%d tensors, want %d", n, tt.tensors)
			}
			v := Vocab{Tokens: kv.Strings("tokenizer.ggml.tokens"), Types: kv.Ints("tokenizer.ggml.token_type"), Scores: kv.Floats("tokenizer.ggml.scores")}
			if err := v.Validate(); err != nil {
				t.Errorf("vocabulary as written: %v", err)
			}
		})
	}
	// The same seed writes the same bytes: models keep their digest, and a
	// failure seen once can be seen again.
	again := filepath.Join(dir, "again.gguf")
	if err := WriteChatModel(again); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "chat.gguf"))
	b, _ := os.ReadFile(again)
	if string(a) != string(b) {
		t.Error("two chat models written with the same seed differ")
	}
}

func TestToF16(t *testing.T) {
	tests := []struct {
		in   float32
		want uint16
	}{
		{0, 0x0000},
		{float32(math.Copysign(0, -1)), 0x8000},
		{1, 0x3c00},
		{-2, 0xc000},
		{0.1, 0x2e66},
		{65504, 0x7bff},        // the largest half
		{70000, 0x7c00},        // too large: infinity
		{6e-8, 0x0001},         // the smallest subnormal
		{6.1035156e-5, 0x0400}, // the smallest normal
		{1e-9, 0x0000},         // too small: zero
		{1 + 1.0/2048, 0x3c00}, // a tie rounds to even
		{1 + 3.0/2048, 0x3c02},
	}
	for _, tt := range tests {
		if got := toF16(tt.in); got != tt.want {
			t.Errorf("toF16(%g) = %#04x, want %#04x", tt.in, got, tt.want)
		}
	}
}

// A shaped model decodes with its own sizes, matrices in F16 and vectors
// in F32.
func TestWriteEmbedModelShape(t *testing.T) {
	s := EmbedShape{Width: 96, Layers: 3, Heads: 6, FF: 192, Ctx: 256, F16: true}
	path := filepath.Join(t.TempDir(), "shaped.gguf")
	if err := WriteEmbedModelShape(path, s); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := ggml.Decode(f, -1)
	if err != nil {
		t.Fatal(err)
	}
	kv := g.KV()
	if kv.EmbeddingLength() != 96 || kv.BlockCount() != 3 || kv.ContextLength() != 256 || kv.Uint("attention.head_count") != 6 {
		t.Errorf("embedding length %d, blocks %d, context %d, heads %d", kv.EmbeddingLength(), kv.BlockCount(), kv.ContextLength(), kv.Uint("attention.head_count"))
	}
	items := g.Tensors().Items()
	if len(items) != 5+16*3 {
		t.Errorf("%d tensors, want %d", len(items), 5+16*3)
	}
	for _, tn := range items {
		want := uint32(0) // F32
		if len(tn.Shape) == 2 && tn.Name != "token_types.weight" {
			want = 1 // F16
		}
		if tn.Kind != want {
			t.Errorf("tensor %s %v has kind %d, want %d", tn.Name, tn.Shape, tn.Kind, want)
		}
	}
	if err := WriteEmbedModelShape(path, EmbedShape{Width: 100, Layers: 1, Heads: 3, FF: 8, Ctx: 8}); err == nil {
		t.Error("a width that is not a multiple of the heads was accepted")
	}
}
