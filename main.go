package main

import (
	"context"
	"flag"
	"log"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/entra-tap/terraform-provider-entra/internal/provider"
)

// version is set by goreleaser through -ldflags "-X main.version=...".
var version = "dev"

// providerAddress is the provider's registry address. Configurations that must work on both Terraform and
// OpenTofu name it in full, because OpenTofu expands a short source to its own registry.
const providerAddress = "registry.terraform.io/entra-tap/entra"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()
	provider.TuneProcess()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: providerAddress,
		Debug:   debug,
	})
	// Terraform has stopped the provider (it allows two seconds before killing it): revoke the passes handed
	// to an ephemeral resource whose consumers it never confirmed, so that nobody keeps a pass nobody received.
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	for _, line := range provider.Shutdown(ctx) {
		log.Print("[WARN] " + line)
	}
	cancel()
	if err != nil {
		log.Fatal(err.Error())
	}
}
