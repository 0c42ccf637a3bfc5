package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
)

// addFindings reports the engine's findings on the arguments they concern.
func addFindings(diags *diag.Diagnostics, findings []issuance.Finding) {
	for _, f := range findings {
		if f.Warning {
			diags.AddAttributeWarning(path.Root(f.Attribute), f.Summary, f.Detail)
			continue
		}
		diags.AddAttributeError(path.Root(f.Attribute), f.Summary, f.Detail)
	}
}

// issueSummaries title a failed issuance by the step that failed.
var issueSummaries = map[string]string{
	issuance.StepIssue:   "Could not issue the Temporary Access Pass",
	issuance.StepDeliver: "Could not deliver the Temporary Access Pass",
	issuance.StepRemove:  "Could not remove the user's authentication methods",
}

// addIssueError reports a failed issuance. The engine's error already says what exists and what does not;
// addGraphError adds what to do about Graph's part of it.
func addIssueError(diags *diag.Diagnostics, err error) {
	summary := issueSummaries[issuance.StepIssue]
	if ierr, ok := err.(*issuance.Error); ok {
		summary = issueSummaries[ierr.Step]
	}
	addGraphError(diags, summary, err)
}
