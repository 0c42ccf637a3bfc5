package auth

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

// Environment is a Microsoft cloud: where tokens come from and where Microsoft Graph lives.
type Environment struct {
	Name          string
	AuthorityHost string
	GraphEndpoint string
}

// The national clouds, from https://learn.microsoft.com/graph/deployments.
var environments = map[string]Environment{
	"public":       {Name: "public", AuthorityHost: cloud.AzurePublic.ActiveDirectoryAuthorityHost, GraphEndpoint: "https://graph.microsoft.com"},
	"usgovernment": {Name: "usgovernment", AuthorityHost: cloud.AzureGovernment.ActiveDirectoryAuthorityHost, GraphEndpoint: "https://graph.microsoft.us"},
	"dod":          {Name: "dod", AuthorityHost: cloud.AzureGovernment.ActiveDirectoryAuthorityHost, GraphEndpoint: "https://dod-graph.microsoft.us"},
	"china":        {Name: "china", AuthorityHost: cloud.AzureChina.ActiveDirectoryAuthorityHost, GraphEndpoint: "https://microsoftgraph.chinacloudapi.cn"},
}

// Aliases accepted by the azuread provider, so existing ARM_ENVIRONMENT values keep working.
var environmentAliases = map[string]string{
	"global":          "public",
	"usgovernmentl4":  "usgovernment",
	"usgovernmentl5":  "dod",
	"azurechinacloud": "china",
}

// EnvironmentNames lists every accepted environment name, canonical names and aliases, sorted.
func EnvironmentNames() []string {
	names := make([]string, 0, len(environments)+len(environmentAliases))
	for name := range environments {
		names = append(names, name)
	}
	for alias := range environmentAliases {
		names = append(names, alias)
	}
	sort.Strings(names)
	return names
}

// LookupEnvironment resolves a cloud name (case-insensitive, aliases allowed); an empty name means public.
func LookupEnvironment(name string) (Environment, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if key == "" {
		key = "public"
	}
	if canonical, ok := environmentAliases[key]; ok {
		key = canonical
	}
	env, ok := environments[key]
	if !ok {
		return Environment{}, fmt.Errorf("unknown environment %q: use one of %s", name, strings.Join(EnvironmentNames(), ", "))
	}
	return env, nil
}

// NormalizeHTTPSURL checks that raw is an absolute https URL without query or fragment and returns it
// without a trailing slash. Tokens and Graph calls are only ever sent over TLS.
func NormalizeHTTPSURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%q must be an absolute https:// URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q must not have a query or fragment", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}
