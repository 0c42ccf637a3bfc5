package auth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// TrustError is a TLS certificate that this machine does not trust, met while signing in.
type TrustError struct {
	Host string // host[:port] of the endpoint
	Err  error  // the verification error from crypto/tls or crypto/x509
}

func (e *TrustError) Error() string {
	return fmt.Sprintf("the TLS certificate of https://%s is not trusted: %v", e.Host, e.Err)
}

func (e *TrustError) Unwrap() error { return e.Err }

// NonRetriable tells azcore's retry policy not to retry: a certificate does not become trusted by asking again.
func (*TrustError) NonRetriable() {}

// advice names the trust settings to check, and the setting that chose the host.
func (e *TrustError) advice(authorityHost string) string {
	var b strings.Builder
	where := "a sign-in endpoint"
	if e.Host != "" {
		where = "https://" + e.Host
	}
	fmt.Fprintf(&b, "This is a TLS trust problem, not a problem with the credential: %s presented a certificate this machine does not trust", where)
	if e.Err != nil {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	b.WriteString(". ")
	if u, err := url.Parse(authorityHost); err == nil && e.Host != "" && strings.EqualFold(u.Host, e.Host) || e.Host == "" {
		b.WriteString("Check that authority_host (ARM_AUTHORITY_HOST, or environment) names the sign-in host you mean")
	} else {
		fmt.Fprintf(&b, "%s is not the sign-in host (authority_host is %s): check the setting that names it (oidc_request_url, or the managed identity endpoint)", e.Host, authorityHost)
	}
	var hostname x509.HostnameError
	var hostnameP *x509.HostnameError
	if errors.As(e.Err, &hostname) || errors.As(e.Err, &hostnameP) {
		b.WriteString("; the certificate is for other names, so the host is probably not the one you mean")
	}
	b.WriteString(", and that the certificate authority that issued its certificate is trusted: add it to the PEM bundle named by " +
		"SSL_CERT_FILE or to a directory listed in SSL_CERT_DIR (Linux and other Unix systems), or to the system trust store. " +
		"Behind a TLS-inspecting proxy, trust the proxy's certificate authority the same way.")
	return b.String()
}

// trustPolicy runs in every sign-in request's azcore pipeline, just before the transport. It recognises a
// certificate verification failure, records it for the error the provider reports, and stops azcore from
// retrying it.
type trustPolicy struct{}

func (trustPolicy) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err == nil {
		return resp, nil
	}
	verr := trustFailure(err)
	if verr == nil {
		return resp, err
	}
	te := &TrustError{Host: req.Raw().URL.Host, Err: verr}
	if l := attemptLogFrom(req.Raw().Context()); l != nil {
		l.setTrust(te)
	}
	return resp, te
}

// trustFailure returns the certificate verification error inside err, if there is one.
func trustFailure(err error) error {
	var (
		verify    *tls.CertificateVerificationError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		hostnameP *x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &verify):
		return verify.Err
	case errors.As(err, &authority):
		return authority
	case errors.As(err, &hostname):
		return hostname
	case errors.As(err, &hostnameP):
		return hostnameP
	case errors.As(err, &invalid):
		return invalid
	}
	return nil
}

// looksLikeTrustFailure recognises the text of a verification error that reached us only as a string
// (azidentity keeps the message of some errors, not the errors themselves).
func looksLikeTrustFailure(msg string) bool {
	return strings.Contains(msg, "x509: ") || strings.Contains(msg, "tls: failed to verify certificate")
}
