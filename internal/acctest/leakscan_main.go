package acctest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// runWithLeakScan runs the acceptance tests with TF_LOG=TRACE for the CLI and the provider, keeps every
// working directory (state files, saved plans, configurations), captures the test output, and then looks
// in all of it for every pass, token and secret the emulator issued. Any hit fails the run.
func runWithLeakScan(m *testing.M) int {
	dir, err := os.MkdirTemp("", "entra-leakscan-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	if os.Getenv("ENTRA_LEAK_SCAN_KEEP") == "" {
		defer func() { _ = os.RemoveAll(dir) }()
	} else {
		fmt.Fprintln(os.Stderr, "leak scan: keeping", dir)
	}
	workDir := filepath.Join(dir, "work")
	if err := os.MkdirAll(workDir, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	for k, v := range map[string]string{
		"TF_LOG":                     "TRACE",
		"TF_ACC_LOG":                 "TRACE",
		"TF_ACC_LOG_PATH":            filepath.Join(dir, "terraform-trace.log"),
		"TF_ACC_PERSIST_WORKING_DIR": "1",
		"TF_ACC_TEMP_DIR":            workDir,
	} {
		if err := os.Setenv(k, v); err != nil {
			fmt.Fprintln(os.Stderr, "acctest:", err)
			return 1
		}
	}

	output, restore, err := captureOutput()
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	code := m.Run()
	captured := restore()
	_ = output

	issued, err := shared.control.AllIssuedSecrets(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest: reading the issued secrets:", err)
		return 1
	}
	// Passes of tenants whose tests store them in state on purpose are allowed in state, plans and
	// `show -json`, never in logs or output.
	var everywhere, outsideState []Secret
	kinds := map[string]int{}
	for _, s := range issued {
		secret := Secret{Kind: s.Kind, Value: s.Value}
		kinds[s.Kind]++
		outsideState = append(outsideState, secret)
		_, stateful := tenantsWithPassesInState.Load(s.TenantID)
		if allowedInState := stateful && s.Kind == "temporaryAccessPass"; !allowedInState {
			everywhere = append(everywhere, secret)
		}
	}
	leaks, scanned, err := ScanForLeaks(everywhere, []string{workDir}, map[string][]byte{"show -json of plans and states": shown.Bytes()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	logLeaks, logScanned, err := ScanForLeaks(outsideState, []string{filepath.Join(dir, "terraform-trace.log")}, map[string][]byte{"test output": captured})
	if err != nil {
		fmt.Fprintln(os.Stderr, "acctest:", err)
		return 1
	}
	leaks, scanned = append(leaks, logLeaks...), scanned+logScanned
	secrets := outsideState
	summary := fmt.Sprintf("leak scan (%s): %d secrets issued by the emulator %v, %d MiB of trace logs, state, plans and test output scanned, %d leaks\n",
		CLIName(), len(secrets), kinds, scanned>>20, len(leaks))
	fmt.Print(summary)
	Report(summary)
	for _, l := range leaks {
		fmt.Printf("leak scan: a %s was found in %s\n", l.Kind, l.Where)
	}
	if len(leaks) > 0 {
		return 1
	}
	return code
}

// captureOutput tees everything the tests print to stdout and stderr into memory.
func captureOutput() (*bytes.Buffer, func() []byte, error) {
	var buf bytes.Buffer
	type stream struct {
		target **os.File
		orig   *os.File
		w      *os.File
		done   chan struct{}
	}
	var streams []*stream
	for _, target := range []**os.File{&os.Stdout, &os.Stderr} {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, nil, err
		}
		st := &stream{target: target, orig: *target, w: w, done: make(chan struct{})}
		*target = w
		go func() {
			defer close(st.done)
			_, _ = io.Copy(io.MultiWriter(st.orig, &lockedWriter{buf: &buf}), r)
		}()
		streams = append(streams, st)
	}
	restore := func() []byte {
		for _, st := range streams {
			*st.target = st.orig
			_ = st.w.Close()
			<-st.done
		}
		return buf.Bytes()
	}
	return &buf, restore, nil
}

// lockedWriter serialises the two copy goroutines writing into one buffer.
type lockedWriter struct {
	buf *bytes.Buffer
}

var captureMu = make(chan struct{}, 1)

func (w *lockedWriter) Write(p []byte) (int, error) {
	captureMu <- struct{}{}
	defer func() { <-captureMu }()
	return w.buf.Write(p)
}

// Report appends a line of figures to $ENTRA_TEST_REPORT, which scripts/test.sh prints at the end: go test
// shows a passing package's output only with -v, and these figures belong in the CI log.
func Report(line string) {
	path := os.Getenv("ENTRA_TEST_REPORT")
	if path == "" {
		return
	}
	reportMu.Lock()
	defer reportMu.Unlock()
	if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		_, _ = f.WriteString(strings.TrimRight(line, "\n") + "\n")
		_ = f.Close()
	}
}

var reportMu sync.Mutex
