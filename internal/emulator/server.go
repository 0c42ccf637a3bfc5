// Package emulator is a local, stateful HTTPS emulator of the Microsoft Graph endpoints and the Entra
// token endpoint that terraform-provider-entra uses. It is written from ../shared/graph-spec.md alone and
// must never import the provider's own packages, msgraph-sdk-go or azidentity: the provider's tests compare
// two independent readings of the spec. See CONTRACT.md for the API and README.md for the emulator choices.
package emulator

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Options configures Start. The zero value is valid.
type Options struct {
	Addr     string        // listen address, default "127.0.0.1:0" (random port)
	StateDir string        // where ca.pem / ca-bundle.pem are written; default: a new temp dir
	TenantID string        // id of the default tenant; default: random GUID
	Latency  time.Duration // added to every Graph and token request of every tenant (bench); default 0
	// ExtraHosts are further DNS names the TLS certificate is valid for, for a client that cannot be pointed at
	// another endpoint and reaches the emulator through an HTTP CONNECT proxy (the bench runs a peer provider
	// hardwired to graph.microsoft.com that way).
	ExtraHosts []string
	Logf       func(format string, args ...any)
}

// TenantCredentials is what a client needs to sign in to one emulated tenant with the default app.
type TenantCredentials struct {
	TenantID     string `json:"tenantId"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	Domain       string `json:"domain"`
}

// Emulator is one running instance: one HTTPS listener, many tenants.
type Emulator struct {
	opts         Options
	url          string
	srv          *http.Server
	stateDir     string
	ownsStateDir bool
	caFile       string
	bundleFile   string

	tokenKey      *signingKey // signs access tokens
	federationKey *signingKey // signs tokens of the emulator's own OIDC federation issuer

	defaultClientID     string
	defaultClientSecret string
	githubRequestToken  string
	msiHeader           string
	defaultTenantID     string

	secrets secretStore
	vaults  vaultRegistry // Key Vault names are global, like their DNS names (keyvault.go)

	tenantsMu sync.RWMutex
	tenants   map[string]*tenant // by lowercase id
	domains   map[string]*tenant // by lowercase domain

	closeOnce sync.Once
	closeErr  error
}

// Start listens, generates the CA and keys, creates the default tenant and serves in the background.
func Start(opts Options) (*Emulator, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	e := &Emulator{
		opts:                opts,
		tenants:             map[string]*tenant{},
		domains:             map[string]*tenant{},
		defaultClientID:     newGUID(),
		defaultClientSecret: newClientSecret(),
		githubRequestToken:  newClientSecret(),
		msiHeader:           newClientSecret(),
	}
	e.secrets.add("", secretClientSecret, e.defaultClientSecret)
	e.secrets.add("", secretRequestToken, e.githubRequestToken)
	e.secrets.add("", secretRequestToken, e.msiHeader)

	if err := e.prepareStateDir(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		e.removeStateDir()
		return nil, fmt.Errorf("emulator: listen on %s: %w", opts.Addr, err)
	}
	fail := func(err error) (*Emulator, error) {
		_ = ln.Close()
		e.removeStateDir()
		return nil, err
	}
	e.url = "https://" + loopbackHostPort(ln.Addr())

	tlsConfig, err := e.setupTLS()
	if err != nil {
		return fail(err)
	}
	if e.tokenKey, err = newSigningKey(); err != nil {
		return fail(err)
	}
	if e.federationKey, err = newSigningKey(); err != nil {
		return fail(err)
	}
	t, err := e.createTenant(opts.TenantID, "")
	if err != nil {
		return fail(fmt.Errorf("emulator: default tenant: %w", err))
	}
	e.defaultTenantID = t.id

	e.srv = &http.Server{
		Handler:           e,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(serverErrorWriter{e}, "", 0),
		// Benchmarks send 1000 parallel requests; one HTTP/2 connection should carry them.
		HTTP2: &http.HTTP2Config{MaxConcurrentStreams: 2000},
	}
	go func() {
		if err := e.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.logf("emulator: serve: %v", err)
		}
	}()
	return e, nil
}

// URL is the base URL, "https://127.0.0.1:PORT", without a trailing slash.
func (e *Emulator) URL() string { return e.url }

// CAFile is the PEM file holding only the emulator's CA certificate.
func (e *Emulator) CAFile() string { return e.caFile }

// CABundleFile holds the emulator CA plus the system roots: what SSL_CERT_FILE should point at.
func (e *Emulator) CABundleFile() string { return e.bundleFile }

// DefaultTenant returns the credentials of the tenant created at start.
func (e *Emulator) DefaultTenant() TenantCredentials {
	if t := e.tenant(e.defaultTenantID); t != nil {
		return e.credentials(t)
	}
	return TenantCredentials{TenantID: e.defaultTenantID, ClientID: e.defaultClientID, ClientSecret: e.defaultClientSecret}
}

// Close stops the listener, drops open connections and removes a state dir that Start created.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() {
		e.closeErr = e.srv.Close()
		e.removeStateDir()
	})
	return e.closeErr
}

func (e *Emulator) credentials(t *tenant) TenantCredentials {
	return TenantCredentials{TenantID: t.id, ClientID: e.defaultClientID, ClientSecret: e.defaultClientSecret, Domain: t.domain}
}

// ServeHTTP splits the single listener into the Graph, control and token surfaces.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/_emulator" || strings.HasPrefix(p, "/_emulator/"):
		e.serveControl(w, r)
	case isGraphPath(p):
		e.serveGraph(w, r)
	case isKeyVaultPath(p):
		e.serveKeyVault(w, r)
	default:
		e.serveTokenSide(w, r)
	}
}

func (e *Emulator) logf(format string, args ...any) {
	if e.opts.Logf != nil {
		e.opts.Logf(format, args...)
	}
}

func (e *Emulator) prepareStateDir() error {
	if e.opts.StateDir == "" {
		dir, err := os.MkdirTemp("", "entra-emulator-")
		if err != nil {
			return fmt.Errorf("emulator: state dir: %w", err)
		}
		e.stateDir, e.ownsStateDir = dir, true
		return nil
	}
	if err := os.MkdirAll(e.opts.StateDir, 0o755); err != nil {
		return fmt.Errorf("emulator: state dir: %w", err)
	}
	e.stateDir = e.opts.StateDir
	return nil
}

func (e *Emulator) removeStateDir() {
	if e.ownsStateDir {
		_ = os.RemoveAll(e.stateDir) // best effort: a leftover temp dir is harmless
	}
}

// loopbackHostPort turns the listener address into the host:port clients should use.
func loopbackHostPort(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

// serverErrorWriter forwards net/http's own complaints (TLS handshake failures from clients that do not
// trust the CA, mostly) to Logf instead of stderr. They never contain request bodies or headers.
type serverErrorWriter struct{ e *Emulator }

func (w serverErrorWriter) Write(p []byte) (int, error) {
	w.e.logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = serverErrorWriter{}
