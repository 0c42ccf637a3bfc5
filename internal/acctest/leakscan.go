package acctest

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Secret is a value that must never appear in logs, state, plans or output.
type Secret struct {
	Kind  string
	Value string
}

// Leak is a secret found where it must not be. It never carries the secret itself.
type Leak struct {
	Kind  string
	Where string
}

// scanner finds any of many secrets, in several encodings, in large files in one pass: every 8-byte
// window is looked up in a table of secret prefixes, and only candidates are compared in full.
type scanner struct {
	byPrefix map[uint64][]needle
}

type needle struct {
	text []byte
	kind string
}

// minSecretLength skips values too short to be secrets (they would match by chance).
const minSecretLength = 8

func newScanner(secrets []Secret) *scanner {
	s := &scanner{byPrefix: map[uint64][]needle{}}
	for _, sec := range secrets {
		if len(sec.Value) < minSecretLength {
			continue
		}
		for _, form := range encodings(sec.Value) {
			key := binary.LittleEndian.Uint64([]byte(form[:8]))
			s.byPrefix[key] = append(s.byPrefix[key], needle{text: []byte(form), kind: sec.Kind})
		}
	}
	return s
}

// encodings are the forms a secret takes when written by the tools involved: as is, inside JSON
// (Go escapes &, <, > and quotes), and URL-encoded.
func encodings(v string) []string {
	forms := map[string]bool{v: true}
	if b, err := json.Marshal(v); err == nil {
		forms[string(b[1:len(b)-1])] = true
	}
	forms[url.QueryEscape(v)] = true
	forms[strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`)] = true
	out := make([]string, 0, len(forms))
	for f := range forms {
		if len(f) >= minSecretLength {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// scan returns the kinds of secret found in data.
func (s *scanner) scan(data []byte) []string {
	var kinds []string
	found := map[string]bool{}
	for i := 0; i+8 <= len(data); i++ {
		cands, ok := s.byPrefix[binary.LittleEndian.Uint64(data[i:i+8])]
		if !ok {
			continue
		}
		for _, c := range cands {
			if bytes.HasPrefix(data[i:], c.text) && !found[c.kind] {
				found[c.kind] = true
				kinds = append(kinds, c.kind)
			}
		}
	}
	return kinds
}

// ScanForLeaks looks for every secret in every file under the roots and in the extra named blobs.
func ScanForLeaks(secrets []Secret, roots []string, blobs map[string][]byte) ([]Leak, int64, error) {
	s := newScanner(secrets)
	var leaks []Leak
	var scanned int64
	record := func(where string, data []byte) {
		scanned += int64(len(data))
		for _, kind := range s.scan(data) {
			leaks = append(leaks, Leak{Kind: kind, Where: where})
		}
	}
	for name, data := range blobs {
		record(name, data)
	}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			record(path, data)
			// A saved plan is a zip archive: its state, plan and configuration are compressed inside.
			if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
				return scanZip(path, data, record)
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			return nil, scanned, fmt.Errorf("scanning %s: %w", root, err)
		}
	}
	return leaks, scanned, nil
}

func scanZip(path string, data []byte, record func(string, []byte)) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		// It only looked like a zip; its raw bytes were scanned already.
		return nil //nolint:nilerr
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s!%s: %w", path, f.Name, err)
		}
		content, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			return fmt.Errorf("%s!%s: %w", path, f.Name, err)
		}
		record(path+"!"+f.Name, content)
	}
	return nil
}
