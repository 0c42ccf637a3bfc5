package emulator

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// caCommonNamePrefix marks the emulator's CAs, so a bundle built from an older emulator's bundle
// (SSL_CERT_FILE still pointing at it) does not pile up stale CAs.
const caCommonNamePrefix = "Entra Emulator Local CA"

// systemBundleFallback is read when SSL_CERT_FILE is unset or unreadable.
const systemBundleFallback = "/etc/ssl/certs/ca-certificates.crt"

// setupTLS generates a fresh CA and a leaf for 127.0.0.1, ::1 and localhost, and writes ca.pem and
// ca-bundle.pem into the state dir.
func (e *Emulator) setupTLS() (*tls.Config, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("emulator: CA key: %w", err)
	}
	caSerial := newSerial()
	caTemplate := &x509.Certificate{
		SerialNumber: caSerial,
		Subject: pkix.Name{
			CommonName:   fmt.Sprintf("%s %x", caCommonNamePrefix, caSerial.Bytes()[:4]),
			Organization: []string{"terraform-provider-entra emulator"},
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("emulator: CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("emulator: CA certificate: %w", err)
	}

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("emulator: leaf key: %w", err)
	}
	leafTemplate := &x509.Certificate{
		SerialNumber: newSerial(),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		DNSNames:     append([]string{"localhost"}, e.opts.ExtraHosts...),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTemplate, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("emulator: leaf certificate: %w", err)
	}

	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	e.caFile = filepath.Join(e.stateDir, "ca.pem")
	e.bundleFile = filepath.Join(e.stateDir, "ca-bundle.pem")
	// The system roots are read before ca-bundle.pem is rewritten: SSL_CERT_FILE may name that very file.
	bundle := append(append([]byte{}, caPEM...), withoutEmulatorCAs(systemRoots())...)
	if err := os.WriteFile(e.caFile, caPEM, 0o644); err != nil {
		return nil, fmt.Errorf("emulator: write %s: %w", e.caFile, err)
	}
	if err := os.WriteFile(e.bundleFile, bundle, 0o644); err != nil {
		return nil, fmt.Errorf("emulator: write %s: %w", e.bundleFile, err)
	}

	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{{
			Certificate: [][]byte{leafDER, caDER},
			PrivateKey:  leafKey,
		}},
		NextProtos: []string{"h2", "http/1.1"},
	}, nil
}

func newSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n.Add(n, big.NewInt(1<<32)) // at least 4 bytes, for the CA's name suffix
}

// systemRoots returns the PEM the process would otherwise trust: SSL_CERT_FILE, else the Debian bundle.
func systemRoots() []byte {
	for _, p := range []string{os.Getenv("SSL_CERT_FILE"), systemBundleFallback} {
		if p == "" {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			return b
		}
	}
	return nil
}

// withoutEmulatorCAs drops certificates issued to earlier emulator CAs and keeps every other certificate.
func withoutEmulatorCAs(data []byte) []byte {
	var out bytes.Buffer
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil && strings.HasPrefix(c.Subject.CommonName, caCommonNamePrefix) {
			continue
		}
		_ = pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}) // a bytes.Buffer does not fail
	}
	return out.Bytes()
}
