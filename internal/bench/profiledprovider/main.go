// Command profiledprovider is the provider with a CPU profile written on exit, for finding where the provider
// spends its time in benchmark runs (BENCH_CPUPROFILE names the file; each process adds its pid). Every RPC runs
// with pprof labels "rpc" (the protocol method) and "type" (the resource, data source or ephemeral resource
// type, or "provider"), so that `go tool pprof -tags` splits the CPU by resource type; work a request starts in
// the background (a shared Graph read) carries the labels of the request that started it. BENCH_HEAPPROFILE
// writes a heap profile every second. It is benchmark tooling, not the shipped binary.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

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
		go func() {
			for range time.Tick(time.Second) {
				if f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid())); err == nil {
					_ = pprof.Lookup("heap").WriteTo(f, 0)
					_ = f.Close()
				}
			}
		}()
	}
	provider.TuneProcess()
	server := providerserver.NewProtocol6(provider.New("bench")())
	err := tf6server.Serve("registry.terraform.io/entra-tap/entra", func() tfprotov6.ProviderServer { return labelled{server()} })
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	for _, line := range provider.Shutdown(ctx) {
		log.Print("[WARN] " + line)
	}
	cancel()
	if err != nil {
		log.Print(err)
	}
}

// labelled runs each RPC under pprof labels naming it and its type.
type labelled struct{ tfprotov6.ProviderServer }

func do[Req, Resp any](ctx context.Context, rpc, typ string, f func(context.Context, Req) (Resp, error), req Req) (resp Resp, err error) {
	pprof.Do(ctx, pprof.Labels("rpc", rpc, "type", typ), func(ctx context.Context) { resp, err = f(ctx, req) })
	return resp, err
}

func (l labelled) ConfigureProvider(ctx context.Context, r *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return do(ctx, "ConfigureProvider", "provider", l.ProviderServer.ConfigureProvider, r)
}

func (l labelled) GetProviderSchema(ctx context.Context, r *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return do(ctx, "GetProviderSchema", "provider", l.ProviderServer.GetProviderSchema, r)
}

func (l labelled) ValidateResourceConfig(ctx context.Context, r *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return do(ctx, "ValidateResourceConfig", r.TypeName, l.ProviderServer.ValidateResourceConfig, r)
}

func (l labelled) UpgradeResourceState(ctx context.Context, r *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return do(ctx, "UpgradeResourceState", r.TypeName, l.ProviderServer.UpgradeResourceState, r)
}

func (l labelled) ReadResource(ctx context.Context, r *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return do(ctx, "ReadResource", r.TypeName, l.ProviderServer.ReadResource, r)
}

func (l labelled) PlanResourceChange(ctx context.Context, r *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return do(ctx, "PlanResourceChange", r.TypeName, l.ProviderServer.PlanResourceChange, r)
}

func (l labelled) ApplyResourceChange(ctx context.Context, r *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return do(ctx, "ApplyResourceChange", r.TypeName, l.ProviderServer.ApplyResourceChange, r)
}

func (l labelled) ValidateEphemeralResourceConfig(ctx context.Context, r *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return do(ctx, "ValidateEphemeralResourceConfig", "ephemeral."+r.TypeName, l.ProviderServer.ValidateEphemeralResourceConfig, r)
}

func (l labelled) OpenEphemeralResource(ctx context.Context, r *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return do(ctx, "OpenEphemeralResource", "ephemeral."+r.TypeName, l.ProviderServer.OpenEphemeralResource, r)
}

func (l labelled) CloseEphemeralResource(ctx context.Context, r *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return do(ctx, "CloseEphemeralResource", "ephemeral."+r.TypeName, l.ProviderServer.CloseEphemeralResource, r)
}

func (l labelled) ReadDataSource(ctx context.Context, r *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return do(ctx, "ReadDataSource", "data."+r.TypeName, l.ProviderServer.ReadDataSource, r)
}
