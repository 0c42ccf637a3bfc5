// Command leakscan looks for every secret the emulator issued (passes, tokens, client secrets) in files
// and directories: logs, state files, saved plans (zip archives are opened), captured CLI output.
//
//	leakscan -emulator https://127.0.0.1:PORT -ca ca.pem PATH...
//
// It prints how many secrets and bytes it checked and where a secret was found (never the secret), and
// exits 1 on any leak.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

func main() {
	emulatorURL := flag.String("emulator", os.Getenv("ENTRA_EMULATOR_URL"), "emulator URL (default $ENTRA_EMULATOR_URL)")
	caFile := flag.String("ca", os.Getenv("ENTRA_EMULATOR_CA_FILE"), "emulator CA file (default $ENTRA_EMULATOR_CA_FILE)")
	var stateOnly stringList
	flag.Var(&stateOnly, "state-may-hold", "a file holding a pass that a managed entra_temporary_access_pass keeps in state on purpose: "+
		"it is allowed in *.tfstate* files and saved plans (*.tfplan), nowhere else (repeatable)")
	flag.Parse()
	if *emulatorURL == "" || *caFile == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: leakscan -emulator URL -ca FILE PATH...")
		os.Exit(2)
	}
	hc, err := control.NewHTTPClient(*caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leakscan:", err)
		os.Exit(2)
	}
	issued, err := control.New(*emulatorURL, hc).AllIssuedSecrets(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "leakscan:", err)
		os.Exit(2)
	}
	allowedInState := map[string]bool{}
	for _, f := range stateOnly {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "leakscan:", err)
			os.Exit(2)
		}
		allowedInState[strings.TrimSpace(string(b))] = true
	}
	var secrets, notInState []acctest.Secret
	kinds := map[string]int{}
	for _, s := range issued {
		secrets = append(secrets, acctest.Secret{Kind: s.Kind, Value: s.Value})
		if !allowedInState[s.Value] {
			notInState = append(notInState, acctest.Secret{Kind: s.Kind, Value: s.Value})
		}
		kinds[s.Kind]++
	}
	var stateFiles, otherFiles []string
	for _, p := range flag.Args() {
		base := filepath.Base(p)
		if strings.Contains(base, ".tfstate") || strings.HasSuffix(base, ".tfplan") {
			stateFiles = append(stateFiles, p)
		} else {
			otherFiles = append(otherFiles, p)
		}
	}
	leaks, scanned, err := acctest.ScanForLeaks(notInState, stateFiles, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leakscan:", err)
		os.Exit(2)
	}
	otherLeaks, otherScanned, err := acctest.ScanForLeaks(secrets, otherFiles, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leakscan:", err)
		os.Exit(2)
	}
	leaks, scanned = append(leaks, otherLeaks...), scanned+otherScanned
	fmt.Printf("leak scan: %d secrets issued %v, %d KiB scanned, %d leaks\n", len(secrets), kinds, scanned>>10, len(leaks))
	for _, l := range leaks {
		fmt.Printf("leak scan: a %s was found in %s\n", l.Kind, l.Where)
	}
	if len(leaks) > 0 {
		os.Exit(1)
	}
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
