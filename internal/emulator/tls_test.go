package emulator_test

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func readCerts(t *testing.T, path string) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
}

func TestTLSCertificatesAndHTTP2(t *testing.T) {
	t.Parallel()
	ca := readCerts(t, shared.CAFile())
	if len(ca) != 1 || !ca[0].IsCA {
		t.Fatalf("ca.pem must hold exactly the CA, got %d certificates", len(ca))
	}
	bundle := readCerts(t, shared.CABundleFile())
	if len(bundle) < 1 || !bundle[0].Equal(ca[0]) {
		t.Fatal("ca-bundle.pem must start with the emulator CA")
	}
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err == nil && len(bundle) < 2 {
		t.Fatal("ca-bundle.pem must also carry the system roots")
	}

	resp, err := sharedHTTP.Get(shared.URL() + "/_emulator/health")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("negotiated %s, want HTTP/2", resp.Proto)
	}
	leaf := resp.TLS.PeerCertificates[0]
	for _, host := range []string{"127.0.0.1", "localhost", "::1"} {
		if err := leaf.VerifyHostname(host); err != nil {
			t.Errorf("leaf not valid for %s: %v", host, err)
		}
	}
	if !strings.HasPrefix(shared.URL(), "https://127.0.0.1:") || strings.HasSuffix(shared.URL(), "/") {
		t.Errorf("URL() = %q", shared.URL())
	}
}

// TestSSLCertFileTrust runs a child process whose default HTTP client trusts the emulator only through
// SSL_CERT_FILE=ca-bundle.pem, as the provider under test does.
func TestSSLCertFileTrust(t *testing.T) {
	if url := os.Getenv("EMULATOR_TEST_HELPER"); url != "" {
		resp, err := http.Get(url + "/_emulator/health")
		if err != nil {
			t.Fatalf("default client does not trust the emulator: %v", err)
		}
		_ = resp.Body.Close()
		return
	}
	t.Parallel()
	for _, tc := range []struct {
		name     string
		certFile string
		wantOK   bool
	}{
		{"bundle", shared.CABundleFile(), true},
		{"no emulator CA", "/nonexistent/ca.pem", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSSLCertFileTrust$")
			cmd.Env = append(os.Environ(), "EMULATOR_TEST_HELPER="+shared.URL(), "SSL_CERT_FILE="+tc.certFile, "SSL_CERT_DIR=/nonexistent")
			out, err := cmd.CombinedOutput()
			if (err == nil) != tc.wantOK {
				t.Fatalf("child ok=%v, want %v: %s", err == nil, tc.wantOK, out)
			}
		})
	}
}
