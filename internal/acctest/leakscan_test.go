package acctest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestScanForLeaksFindsEveryEncoding(t *testing.T) {
	dir := t.TempDir()
	pass := "Ab3&x+Z!9q"
	token := "eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4In0.c2lnbmF0dXJl"
	files := map[string]string{
		"state.json":  `{"value":"Ab3\u0026x+Z!9q"}`,
		"trace.log":   "2026-11-25T10:00:00 [TRACE] Authorization: Bearer " + token,
		"query.txt":   "?pass=Ab3%26x%2BZ%219q",
		"clean.txt":   "nothing to see here, not even Ab3&x+Z",
		"escaped.hcl": `value = "Ab3&x+Z!9q"`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("tfstate")
	_, _ = w.Write([]byte(`{"temporary_access_pass":"` + pass + `"}`))
	_ = zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "tfplan"), zipped.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	leaks, _, err := ScanForLeaks([]Secret{{"temporaryAccessPass", pass}, {"accessToken", token}, {"tooShort", "abc"}}, []string{dir},
		map[string][]byte{"test output": []byte("ok")})
	if err != nil {
		t.Fatal(err)
	}
	where := map[string]string{}
	for _, l := range leaks {
		where[filepath.Base(l.Where)] = l.Kind
	}
	want := map[string]string{"state.json": "temporaryAccessPass", "trace.log": "accessToken", "query.txt": "temporaryAccessPass", "escaped.hcl": "temporaryAccessPass", "tfplan!tfstate": "temporaryAccessPass"}
	for file, kind := range want {
		if where[file] != kind {
			t.Errorf("%s: found %q, want %q", file, where[file], kind)
		}
	}
	if _, ok := where["clean.txt"]; ok {
		t.Error("a prefix of a secret is not a leak")
	}
}

// The leak scan reads every log and state of a run: it must keep up with tens of megabytes.
func BenchmarkScanForLeaks(b *testing.B) {
	secrets := make([]Secret, 0, 500)
	for i := range 500 {
		secrets = append(secrets, Secret{Kind: "temporaryAccessPass", Value: fmt.Sprintf("Pass%04d&x+Z!", i)})
	}
	s := newScanner(secrets)
	data := bytes.Repeat([]byte(`2026-11-25T10:00:00.000Z [DEBUG] entra: Microsoft Graph request: method=GET path=/v1.0/users/abc status=200 `), 10000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if kinds := s.scan(data); len(kinds) != 0 {
			b.Fatal(kinds)
		}
	}
}
