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
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	abstractions "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	kiotaauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/directoryobjects"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/policies"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
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

// Client calls Microsoft Graph v1.0 through msgraph-sdk-go's request builders and request adapter. It does
// not build the root GraphServiceClient: its methods reach every request builder of the whole Graph API, and
// the provider's few are reachable from their own packages (users, policies, groups, directoryobjects).
// Answers are decoded with encoding/json into the few fields the provider reads, except the policy and the pass
// creation's body, which use the SDK's models: the user, group and directory object models reach almost every
// Graph model through their navigation properties, and linking them made the binary five times larger.
type Client struct {
	adapter abstractions.RequestAdapter
	// pathParameters hold the base URL, as the root client hands them to its request builders.
	pathParameters map[string]string
	retry          RetryPolicy
	// noBatch is set once Graph (or a proxy in front of it) refuses $batch: requests then go one by one.
	noBatch  atomic.Bool
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
	registerSerializers.Do(func() {
		// What the root client registers when it is built; JSON is all Graph speaks to this provider.
		abstractions.RegisterDefaultSerializer(func() absser.SerializationWriterFactory { return jsonserialization.NewJsonSerializationWriterFactory() })
		abstractions.RegisterDefaultDeserializer(func() absser.ParseNodeFactory { return jsonserialization.NewJsonParseNodeFactory() })
	})
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(authProvider, nil, nil, httpClient)
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	adapter.SetBaseUrl(root + "/v1.0")
	return &Client{adapter: adapter, pathParameters: map[string]string{"baseurl": adapter.GetBaseUrl()}, retry: retry,
		endpoint: root, health: health, clock: clock, cred: cred, scope: scope}, nil
}

var registerSerializers sync.Once

// The request builders the provider uses, built as the root client builds them.
func (c *Client) users() *users.UsersRequestBuilder {
	return users.NewUsersRequestBuilderInternal(c.pathParameters, c.adapter)
}

func (c *Client) user(idOrUPN string) *users.UserItemRequestBuilder {
	return c.users().ByUserId(idOrUPN)
}

func (c *Client) groups() *groups.GroupsRequestBuilder {
	return groups.NewGroupsRequestBuilderInternal(c.pathParameters, c.adapter)
}

func (c *Client) directoryObjects() *directoryobjects.DirectoryObjectsRequestBuilder {
	return directoryobjects.NewDirectoryObjectsRequestBuilderInternal(c.pathParameters, c.adapter)
}

func (c *Client) policies() *policies.PoliciesRequestBuilder {
	return policies.NewPoliciesRequestBuilderInternal(c.pathParameters, c.adapter)
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
