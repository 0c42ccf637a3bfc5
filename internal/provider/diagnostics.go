package provider

import (
	"errors"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/entra-tap/terraform-provider-entra/internal/auth"
	"github.com/entra-tap/terraform-provider-entra/internal/graph"
)

// addGraphError turns an error from the Graph layer into a diagnostic that says what to do.
func addGraphError(diags *diag.Diagnostics, summary string, err error) {
	var authErr *auth.Error
	if errors.As(err, &authErr) {
		diags.AddError("Could not sign in to Microsoft Entra ID", err.Error())
		return
	}
	gerr, ok := graph.AsError(err)
	if !ok {
		diags.AddError(summary, err.Error())
		return
	}
	// err, not gerr: wrappers add what the provider knows (e.g. why a removal was postponed).
	detail := err.Error()
	switch {
	case gerr.StatusCode == http.StatusForbidden:
		detail += "\n\nThe identity the provider signs in as lacks a permission for this. Grant it " + gerr.Permission +
			", then have an administrator grant admin consent. Role and permission changes can take a few minutes to apply."
	case gerr.StatusCode == http.StatusUnauthorized:
		detail += "\n\nMicrosoft Graph rejected the access token. Check that tenant_id is the tenant you mean and that msgraph_endpoint matches the cloud of authority_host (tokens from one cloud are not valid in another)."
	case errors.Is(gerr, graph.ErrThrottled):
		detail += "\n\nMicrosoft Graph kept throttling or was unavailable until the operation's timeout. Retry later, run with a lower -parallelism, or raise the timeouts."
	}
	diags.AddError(summary, detail)
}
