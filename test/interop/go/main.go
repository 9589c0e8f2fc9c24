// Interop checks between kura's TypeScript log core and Go's
// golang.org/x/mod/sumdb/note and sumdb/tlog (standard library + x/mod only).
//
// Usage (JSON on stdin/stdout):
//
//	kura-interop verify    < kura.json   checks kura-signed notes and kura proofs with Go
//	kura-interop generate  > go.json     Go signs notes and builds proofs for kura to check
package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ---------------------------------------------------------------- verify

type verifyInput struct {
	Vkey        string   `json:"vkey"`
	Skey        string   `json:"skey"`
	Checkpoints []string `json:"checkpoints"`
	Inclusion   []struct {
		Checkpoint int      `json:"checkpoint"`
		Index      int64    `json:"index"`
		Record     string   `json:"record"` // base64 entry bytes
		Proof      []string `json:"proof"`
	} `json:"inclusion"`
	Consistency []struct {
		Old   int      `json:"old"`
		New   int      `json:"new"`
		Proof []string `json:"proof"`
	} `json:"consistency"`
}

type checkpointResult struct {
	OK        bool   `json:"ok"`
	Err       string `json:"err,omitempty"`
	Origin    string `json:"origin,omitempty"`
	Size      int64  `json:"size"`
	Root      string `json:"root,omitempty"`
	Sigs      int    `json:"sigs"`
	ParseTree bool   `json:"parseTree"`
	Resigned  bool   `json:"resignedIdentical"`
}

type checkResult struct {
	OK  bool   `json:"ok"`
	Err string `json:"err,omitempty"`
}

type verifyOutput struct {
	VerifierOK  bool               `json:"verifierOk"`
	SignerOK    bool               `json:"signerOk"`
	Checkpoints []checkpointResult `json:"checkpoints"`
	Inclusion   []checkResult      `json:"inclusion"`
	Consistency []checkResult      `json:"consistency"`
}

// parseCheckpoint parses a C2SP checkpoint body strictly (origin, size, root, optional extensions).
func parseCheckpoint(text string) (origin string, tree tlog.Tree, err error) {
	if !strings.HasSuffix(text, "\n") {
		return "", tree, errors.New("no final newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return "", tree, errors.New("too few lines")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return "", tree, errors.New("bad size")
	}
	h, err := tlog.ParseHash(lines[2])
	if err != nil || base64.StdEncoding.EncodeToString(h[:]) != lines[2] {
		return "", tree, errors.New("bad root hash")
	}
	return lines[0], tlog.Tree{N: n, Hash: h}, nil
}

func parseProof(list []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

func verify() error {
	var in verifyInput
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		return err
	}
	var out verifyOutput
	v, err := note.NewVerifier(in.Vkey)
	if err != nil {
		return fmt.Errorf("kura verifier key rejected by Go: %v", err)
	}
	out.VerifierOK = true
	var signer note.Signer
	if in.Skey != "" {
		signer, err = note.NewSigner(in.Skey)
		if err != nil {
			return fmt.Errorf("kura signer key rejected by Go: %v", err)
		}
		out.SignerOK = true
	}
	verifiers := note.VerifierList(v)
	trees := make([]*tlog.Tree, len(in.Checkpoints))
	for i, msg := range in.Checkpoints {
		var r checkpointResult
		n, err := note.Open([]byte(msg), verifiers)
		if err != nil {
			r.Err = err.Error()
			out.Checkpoints = append(out.Checkpoints, r)
			continue
		}
		r.Sigs = len(n.Sigs)
		origin, tree, err := parseCheckpoint(n.Text)
		if err != nil {
			r.Err = err.Error()
			out.Checkpoints = append(out.Checkpoints, r)
			continue
		}
		if origin == "go.sum database tree" {
			t2, err := tlog.ParseTree([]byte(n.Text))
			r.ParseTree = err == nil && t2 == tree
		}
		if signer != nil {
			again, err := note.Sign(&note.Note{Text: n.Text}, signer)
			r.Resigned = err == nil && string(again) == msg
		}
		r.OK, r.Origin, r.Size, r.Root = true, origin, tree.N, tree.Hash.String()
		trees[i] = &tree
		out.Checkpoints = append(out.Checkpoints, r)
	}
	for _, c := range in.Inclusion {
		var r checkResult
		data, err1 := base64.StdEncoding.DecodeString(c.Record)
		proof, err2 := parseProof(c.Proof)
		switch {
		case err1 != nil || err2 != nil:
			r.Err = "bad input"
		case c.Checkpoint < 0 || c.Checkpoint >= len(trees) || trees[c.Checkpoint] == nil:
			r.Err = "checkpoint not verified"
		default:
			t := trees[c.Checkpoint]
			if err := tlog.CheckRecord(proof, t.N, t.Hash, c.Index, tlog.RecordHash(data)); err != nil {
				r.Err = err.Error()
			} else {
				r.OK = true
			}
		}
		out.Inclusion = append(out.Inclusion, r)
	}
	for _, c := range in.Consistency {
		var r checkResult
		proof, err := parseProof(c.Proof)
		switch {
		case err != nil:
			r.Err = "bad input"
		case c.Old < 0 || c.Old >= len(trees) || c.New < 0 || c.New >= len(trees) || trees[c.Old] == nil || trees[c.New] == nil:
			r.Err = "checkpoint not verified"
		default:
			o, n := trees[c.Old], trees[c.New]
			if err := tlog.CheckTree(proof, n.N, n.Hash, o.N, o.Hash); err != nil {
				r.Err = err.Error()
			} else {
				r.OK = true
			}
		}
		out.Consistency = append(out.Consistency, r)
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// ---------------------------------------------------------------- generate

type generated struct {
	Skey         string `json:"skey"`
	Vkey         string `json:"vkey"`
	Origin       string `json:"origin"`
	Records      int    `json:"records"`
	RecordFormat string `json:"recordFormat"`
	Text         string `json:"text"`
	TextNote     string `json:"textNote"`
	Checkpoints  []struct {
		Size int64  `json:"size"`
		Root string `json:"root"`
		Note string `json:"note"`
	} `json:"checkpoints"`
	Inclusion []struct {
		Index int64       `json:"index"`
		Size  int64       `json:"size"`
		Proof []tlog.Hash `json:"proof"`
	} `json:"inclusion"`
	Consistency []struct {
		Size1 int64       `json:"size1"`
		Size2 int64       `json:"size2"`
		Proof []tlog.Hash `json:"proof"`
	} `json:"consistency"`
}

// memStorage is an in-memory tlog hash storage (stored hashes in tlog's index order).
type memStorage []tlog.Hash

func (s *memStorage) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*s)) {
			return nil, fmt.Errorf("hash %d not stored", x)
		}
		out[i] = (*s)[x]
	}
	return out, nil
}

func generate() error {
	const origin = "go.example/kura-interop"
	const records = 1000
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return err
	}
	out := generated{Skey: skey, Vkey: vkey, Origin: origin, Records: records, RecordFormat: "go record %d"}

	// A plain note, for kura's note parser (text with an empty line and non-ASCII).
	out.Text = "kura interop — plain note\n\nsecond paragraph\n"
	msg, err := note.Sign(&note.Note{Text: out.Text}, signer)
	if err != nil {
		return err
	}
	out.TextNote = string(msg)

	var storage memStorage
	roots := map[int64]tlog.Hash{}
	for i := int64(0); i < records; i++ {
		hashes, err := tlog.StoredHashes(i, []byte(fmt.Sprintf(out.RecordFormat, i)), &storage)
		if err != nil {
			return err
		}
		storage = append(storage, hashes...)
	}
	for _, n := range []int64{1, 255, 256, 257, 700, records} {
		h, err := tlog.TreeHash(n, &storage)
		if err != nil {
			return err
		}
		roots[n] = h
		text := fmt.Sprintf("%s\n%d\n%s\n", origin, n, h)
		msg, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			return err
		}
		out.Checkpoints = append(out.Checkpoints, struct {
			Size int64  `json:"size"`
			Root string `json:"root"`
			Note string `json:"note"`
		}{n, h.String(), string(msg)})
	}
	for _, c := range [][2]int64{{0, records}, {255, records}, {256, 257}, {699, 700}, {records - 1, records}, {0, 1}} {
		p, err := tlog.ProveRecord(c[1], c[0], &storage)
		if err != nil {
			return err
		}
		out.Inclusion = append(out.Inclusion, struct {
			Index int64       `json:"index"`
			Size  int64       `json:"size"`
			Proof []tlog.Hash `json:"proof"`
		}{c[0], c[1], p})
	}
	for _, c := range [][2]int64{{1, records}, {255, 256}, {256, 700}, {257, records}, {700, records}, {records, records}} {
		p, err := tlog.ProveTree(c[1], c[0], &storage)
		if err != nil {
			return err
		}
		out.Consistency = append(out.Consistency, struct {
			Size1 int64       `json:"size1"`
			Size2 int64       `json:"size2"`
			Proof []tlog.Hash `json:"proof"`
		}{c[0], c[1], p})
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

func main() {
	var err error
	switch {
	case len(os.Args) == 2 && os.Args[1] == "verify":
		err = verify()
	case len(os.Args) == 2 && os.Args[1] == "generate":
		err = generate()
	default:
		err = errors.New("usage: kura-interop verify|generate")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kura-interop:", err)
		os.Exit(1)
	}
}
