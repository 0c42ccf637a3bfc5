package auth

import (
	"strings"
	"testing"
)

func TestLookupEnvironment(t *testing.T) {
	tests := []struct{ name, authority, graph string }{
		{"", "https://login.microsoftonline.com/", "https://graph.microsoft.com"},
		{"public", "https://login.microsoftonline.com/", "https://graph.microsoft.com"},
		{"Global", "https://login.microsoftonline.com/", "https://graph.microsoft.com"},
		{"usgovernment", "https://login.microsoftonline.us/", "https://graph.microsoft.us"},
		{"usgovernmentl4", "https://login.microsoftonline.us/", "https://graph.microsoft.us"},
		{"dod", "https://login.microsoftonline.us/", "https://dod-graph.microsoft.us"},
		{"USGovernmentL5", "https://login.microsoftonline.us/", "https://dod-graph.microsoft.us"},
		{"china", "https://login.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn"},
	}
	for _, tt := range tests {
		env, err := LookupEnvironment(tt.name)
		if err != nil {
			t.Fatalf("%q: %v", tt.name, err)
		}
		if env.AuthorityHost != tt.authority || env.GraphEndpoint != tt.graph {
			t.Errorf("%q: got %s and %s, want %s and %s", tt.name, env.AuthorityHost, env.GraphEndpoint, tt.authority, tt.graph)
		}
	}
	if _, err := LookupEnvironment("germany"); err == nil || !strings.Contains(err.Error(), "usgovernment") {
		t.Errorf("an unknown cloud must list the valid ones, got %v", err)
	}
}

func TestNormalizeHTTPSURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://graph.microsoft.us/":    "https://graph.microsoft.us",
		"https://127.0.0.1:8443":         "https://127.0.0.1:8443",
		" https://login.example.local/ ": "https://login.example.local",
	} {
		if got, err := NormalizeHTTPSURL(in); err != nil || got != want {
			t.Errorf("NormalizeHTTPSURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"http://graph.microsoft.com", "graph.microsoft.com", "https://graph.microsoft.com?x=1", "https://"} {
		if _, err := NormalizeHTTPSURL(bad); err == nil {
			t.Errorf("NormalizeHTTPSURL(%q) must fail", bad)
		}
	}
}
