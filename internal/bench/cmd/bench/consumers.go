package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/entra-tap/terraform-provider-entra/internal/acctest/consumers"
)

// consumerNamespace is the registry namespace the write-only consumers are served under, as in the tests.
const consumerNamespace = "entra-tap"

// serveConsumers serves the write-only consumers (the azurerm_key_vault_secret stand-in among them) in this
// process, as internal/acctest/faultrun.go does for the fault tests, and returns their TF_REATTACH_PROVIDERS
// value. Their CPU is this process's, together with the emulator's.
func serveConsumers(ctx context.Context) (string, error) {
	type addr struct{ Network, String string }
	type reattach struct {
		Protocol        string
		ProtocolVersion int
		Pid             int
		Test            bool
		Addr            addr
	}
	// The consumers are served in debug mode, which logs every RPC at TRACE to this process's stderr unless told
	// otherwise.
	for _, v := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"} {
		if err := os.Setenv(v, "OFF"); err != nil {
			return "", err
		}
	}
	all := map[string]reattach{}
	for name, factory := range consumers.Factories() {
		server, err := factory()
		if err != nil {
			return "", err
		}
		configs := make(chan *plugin.ReattachConfig, 1)
		closed := make(chan struct{})
		address := "registry.terraform.io/" + consumerNamespace + "/" + name
		go func() {
			_ = tf6server.Serve(address, func() tfprotov6.ProviderServer { return server }, tf6server.WithDebug(ctx, configs, closed))
		}()
		select {
		case c := <-configs:
			all[address] = reattach{Protocol: string(c.Protocol), ProtocolVersion: c.ProtocolVersion, Pid: c.Pid, Test: c.Test,
				Addr: addr{Network: c.Addr.Network(), String: c.Addr.String()}}
		case <-time.After(10 * time.Second):
			return "", fmt.Errorf("the %s consumer did not start", name)
		}
	}
	b, err := json.Marshal(all)
	return string(b), err
}
