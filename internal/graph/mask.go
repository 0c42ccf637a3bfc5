package graph

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// jwtPattern matches a JSON Web Token (access tokens, federated tokens, client assertions).
var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// secretFieldKeys are log field names whose values are never written.
var secretFieldKeys = []string{
	"temporary_access_pass", "temporaryAccessPass", "client_secret", "client_certificate", "client_certificate_password",
	"oidc_token", "oidc_request_token", "access_token", "authorization", "Authorization", "password",
}

// MaskSecrets returns a context whose tflog output masks secret fields and anything shaped like a token,
// in messages and field values alike. It is defence in depth: no code here logs a secret on purpose.
func MaskSecrets(ctx context.Context) context.Context {
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, secretFieldKeys...)
	ctx = tflog.MaskAllFieldValuesRegexes(ctx, jwtPattern)
	return tflog.MaskMessageRegexes(ctx, jwtPattern)
}
