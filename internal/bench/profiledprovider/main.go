// Command profiledprovider is the provider with a CPU profile written on exit, for finding where the
// provider spends its time in benchmark runs (BENCH_CPUPROFILE names the file; each process adds its pid).
// It is benchmark tooling, not the shipped binary.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/entra-tap/terraform-provider-entra/internal/provider"
)

func main() {
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if path := os.Getenv("BENCH_HEAPPROFILE"); path != "" {
		// The process is killed at the end of a run, so the heap is written every second.
		go func() {
			for range time.Tick(time.Second) {
				if f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid())); err == nil {
					_ = pprof.Lookup("heap").WriteTo(f, 0)
					_ = f.Close()
				}
			}
		}()
	}
	err := providerserver.Serve(context.Background(), provider.New("bench"), providerserver.ServeOpts{Address: "registry.terraform.io/entra-tap/entra"})
	if err != nil {
		log.Print(err)
	}
}
