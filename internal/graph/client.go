// Package graph is the provider's only door to Microsoft Graph. Resources call its methods with plain Go
// types; the msgraph-sdk-go models, the HTTP pipeline, retries and error translation all stay in here.
package graph

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	kiotaauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
)

// Options configures a Client.
type Options struct {
	// Endpoint is the Graph root for the cloud, for example https://graph.microsoft.com (no version segment).
	Endpoint string
	// Credential supplies bearer tokens for the scope <Endpoint>/.default.
	Credential azcore.TokenCredential
	// UserAgent identifies the provider and its version in every request.
	UserAgent string
	// Retry tunes the handling of throttling and transient failures; the zero value means DefaultRetryPolicy.
	Retry RetryPolicy
	// Reachability tunes how an endpoint that gives no answer is detected; the zero value means
	// DefaultReachability.
	Reachability Reachability
	// Transport replaces the HTTP transport under the middleware (nil: a clone of http.DefaultTransport with
	// the timeouts of Reachability).
	Transport http.RoundTripper
}

// Client calls Microsoft Graph v1.0.
type Client struct {
	sdk      *msgraphsdk.GraphServiceClient
	endpoint string
	health   *endpointHealth
	clock    *graphClock
	cred     azcore.TokenCredential
	scope    string
}

// New builds a client. No request is made until the first call.
func New(opts Options) (*Client, error) {
	if opts.Credential == nil {
		return nil, errors.New("graph: no credential")
	}
	endpoint, err := url.Parse(strings.TrimRight(opts.Endpoint, "/"))
	if err != nil || endpoint.Scheme != "https" || endpoint.Host == "" {
		return nil, fmt.Errorf("graph: endpoint %q must be an absolute https:// URL", opts.Endpoint)
	}
	root := endpoint.String()

	reach := opts.Reachability.withDefaults()
	health := newEndpointHealth(root, reach)
	clock := &graphClock{now: time.Now}
	scope := root + "/.default"
	cred := &stickyCredential{inner: opts.Credential, probeAfter: reach.ProbeAfter, now: time.Now}

	// Tokens are only attached for hosts on this list; the configured endpoint is the one we trust.
	authProvider, err := kiotaauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(
		cred, []string{scope}, []string{endpoint.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}

	retry := opts.Retry.withDefaults()
	clientOptions := msgraphsdk.GetDefaultClientOptions()
	middleware := []khttp.Middleware{
		msgraphcore.NewGraphTelemetryHandler(&clientOptions),
		khttp.NewUrlReplaceHandler(true, msgraphcore.ReplacementPairs),
		khttp.NewUserAgentHandlerWithOptions(&khttp.UserAgentHandlerOptions{Enabled: true, ProductName: userAgentProduct(opts.UserAgent), ProductVersion: userAgentVersion(opts.UserAgent)}),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewRedirectHandler(),
		userKeyMiddleware{},
		// No CompressionHandler: Graph accepts plain JSON, and gzipping bodies of a few hundred bytes cost
		// 40% of the provider's CPU per pass in the benchmarks.
		nonJSONErrorMiddleware{},
		newRetryMiddleware(retry, health),
		clockMiddleware{clock: clock},
		logMiddleware{},
	}
	transport := opts.Transport
	if transport == nil {
		transport = defaultTransport(reach)
	}
	httpClient := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(transport, middleware...),
		// Redirects are followed by the middleware; the per-attempt limit comes from contexts.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       0,
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(authProvider, nil, nil, httpClient)
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	adapter.SetBaseUrl(root + "/v1.0")
	return &Client{sdk: msgraphsdk.NewGraphServiceClient(adapter), endpoint: root, health: health, clock: clock, cred: cred, scope: scope}, nil
}

// defaultTransport is Kiota's default transport (a clone of http.DefaultTransport, HTTP/2, proxy from the
// environment) with bounded connects, TLS handshakes and waits for an answer, so that a dead endpoint is
// noticed in seconds rather than after the operating system's TCP timeout.
func defaultTransport(r Reachability) http.RoundTripper {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return khttp.GetDefaultTransport()
	}
	t := base.Clone()
	t.ForceAttemptHTTP2 = true
	t.DisableCompression = false
	t.DialContext = (&net.Dialer{Timeout: r.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = r.ConnectTimeout
	t.ResponseHeaderTimeout = r.AnswerTimeout
	return t
}

// Endpoint returns the Graph root this client talks to.
func (c *Client) Endpoint() string { return c.endpoint }

func userAgentProduct(ua string) string {
	name, _, _ := strings.Cut(ua, "/")
	if name == "" {
		return "terraform-provider-entra"
	}
	return name
}

func userAgentVersion(ua string) string {
	_, version, ok := strings.Cut(ua, "/")
	if !ok || version == "" {
		return "dev"
	}
	return version
}
