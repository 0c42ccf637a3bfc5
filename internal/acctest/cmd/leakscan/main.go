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

	"github.com/entra-tap/terraform-provider-entra/internal/acctest"
	"github.com/entra-tap/terraform-provider-entra/internal/emulator/control"
)

func main() {
	emulatorURL := flag.String("emulator", os.Getenv("ENTRA_EMULATOR_URL"), "emulator URL (default $ENTRA_EMULATOR_URL)")
	caFile := flag.String("ca", os.Getenv("ENTRA_EMULATOR_CA_FILE"), "emulator CA file (default $ENTRA_EMULATOR_CA_FILE)")
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
	secrets := make([]acctest.Secret, 0, len(issued))
	kinds := map[string]int{}
	for _, s := range issued {
		secrets = append(secrets, acctest.Secret{Kind: s.Kind, Value: s.Value})
		kinds[s.Kind]++
	}
	leaks, scanned, err := acctest.ScanForLeaks(secrets, flag.Args(), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leakscan:", err)
		os.Exit(2)
	}
	fmt.Printf("leak scan: %d secrets issued %v, %d KiB scanned, %d leaks\n", len(secrets), kinds, scanned>>10, len(leaks))
	for _, l := range leaks {
		fmt.Printf("leak scan: a %s was found in %s\n", l.Kind, l.Where)
	}
	if len(leaks) > 0 {
		os.Exit(1)
	}
}
