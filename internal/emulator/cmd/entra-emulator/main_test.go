package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer lets the test read what run writes from another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunWritesAndRemovesEnvFile(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "sub", "env")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"-env-file", envFile, "-state-dir", filepath.Join(dir, "state"), "-tenant-id", "0a0b0c0d-0000-4000-8000-000000000001", "-v"}, &stdout, &stderr)
	}()

	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stdout.String(), envFile) {
		if time.Now().After(deadline) {
			t.Fatalf("no env file path on stdout; stderr: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "https://127.0.0.1:") || lines[1] != envFile {
		t.Fatalf("stdout %q", stdout.String())
	}
	data, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	env := string(data)
	for _, want := range []string{
		"export ARM_TENANT_ID='0a0b0c0d-0000-4000-8000-000000000001'\n",
		"export ARM_CLIENT_SECRET='",
		"export ARM_USE_CLI='false'\n",
		"export ARM_ENVIRONMENT='public'\n",
		"export ARM_MSGRAPH_ENDPOINT='" + lines[0] + "'\n",
		"export ARM_AUTHORITY_HOST='" + lines[0] + "/'\n",
		"export ARM_DISABLE_INSTANCE_DISCOVERY='true'\n",
		"export SSL_CERT_FILE='" + filepath.Join(dir, "state", "ca-bundle.pem") + "'\n",
		"export ENTRA_EMULATOR_URL='" + lines[0] + "'\n",
		"export ENTRA_EMULATOR_CA_FILE='" + filepath.Join(dir, "state", "ca.pem") + "'\n",
		"export ENTRA_EMULATOR_KEYVAULT_URL='" + lines[0] + "/_keyvault'\n",
	} {
		if !strings.Contains(env, want) {
			t.Errorf("env file lacks %q:\n%s", want, env)
		}
	}
	if info, _ := os.Stat(envFile); info.Mode().Perm() != 0o600 {
		t.Errorf("env file mode %v", info.Mode().Perm())
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	if _, err := os.Stat(envFile); !os.IsNotExist(err) {
		t.Error("env file not removed on shutdown")
	}
	secretLine := env[strings.Index(env, "ARM_CLIENT_SECRET='")+len("ARM_CLIENT_SECRET='"):]
	secret := secretLine[:strings.Index(secretLine, "'")]
	if strings.Contains(stderr.String(), secret) {
		t.Error("the client secret reached stderr")
	}
}
