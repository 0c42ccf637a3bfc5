package acctest

import (
	"os"

	"github.com/entra-tap/terraform-provider-entra/internal/auth"
	"github.com/entra-tap/terraform-provider-entra/internal/graph"
)

// GraphClient is the provider's Graph client signed in to this tenant as its default app, the way the
// provider is configured in the tests: for packages that test the provider's internals against the emulator.
func (tn *Tenant) GraphClient() *graph.Client {
	tn.t.Helper()
	cred, err := auth.NewCredential(auth.Config{
		TenantID: tn.TenantID, ClientID: tn.ClientID, ClientSecret: tn.ClientSecret,
		AuthorityHost: os.Getenv("ARM_AUTHORITY_HOST"), DisableInstanceDiscovery: true,
	})
	if err != nil {
		tn.t.Fatalf("acctest: credential: %v", err)
	}
	client, err := graph.New(graph.Options{Endpoint: os.Getenv("ARM_MSGRAPH_ENDPOINT"), Credential: cred, UserAgent: "terraform-provider-entra/test"})
	if err != nil {
		tn.t.Fatalf("acctest: graph client: %v", err)
	}
	return client
}
