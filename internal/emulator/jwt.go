package emulator

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// signingKey signs the JWTs the emulator issues (ES256).
type signingKey struct {
	kid string
	key *ecdsa.PrivateKey
}

func newSigningKey() (*signingKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("emulator: signing key: %w", err)
	}
	return &signingKey{kid: newGUID(), key: k}, nil
}

var b64 = base64.RawURLEncoding

func (k *signingKey) sign(claims map[string]any) (string, error) {
	header, err := json.Marshal(map[string]any{"alg": "ES256", "typ": "JWT", "kid": k.kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k.key, digest[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig), nil
}

// verify checks an ES256 signature made by this key.
func (k *signingKey) verify(t *jwtToken) bool {
	if t.alg() != "ES256" || len(t.signature) != 64 {
		return false
	}
	if kid, _ := t.header["kid"].(string); kid != k.kid {
		return false
	}
	digest := sha256.Sum256([]byte(t.signingInput))
	r := new(big.Int).SetBytes(t.signature[:32])
	s := new(big.Int).SetBytes(t.signature[32:])
	return ecdsa.Verify(&k.key.PublicKey, digest[:], r, s)
}

// jwk is the public key in JWKS form, for jwks_uri.
func (k *signingKey) jwk() map[string]any {
	// Bytes is the uncompressed point 0x04 || X || Y; a valid P-256 key never fails here.
	point, err := k.key.PublicKey.Bytes()
	if err != nil || len(point) != 65 {
		return map[string]any{"kid": k.kid}
	}
	return map[string]any{"kty": "EC", "use": "sig", "alg": "ES256", "kid": k.kid, "crv": "P-256",
		"x": b64.EncodeToString(point[1:33]), "y": b64.EncodeToString(point[33:])}
}

// jwtToken is a parsed, not yet verified, compact JWS.
type jwtToken struct {
	header       map[string]any
	claims       map[string]any
	signingInput string
	signature    []byte
}

var errMalformedJWT = errors.New("malformed JWT")

// parseJWT splits and decodes a compact JWT. Errors never quote the token.
func parseJWT(raw string) (*jwtToken, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errMalformedJWT
	}
	t := &jwtToken{signingInput: parts[0] + "." + parts[1]}
	if err := decodeSegment(parts[0], &t.header); err != nil {
		return nil, errMalformedJWT
	}
	if err := decodeSegment(parts[1], &t.claims); err != nil {
		return nil, errMalformedJWT
	}
	sig, err := b64.DecodeString(strings.TrimRight(parts[2], "="))
	if err != nil {
		return nil, errMalformedJWT
	}
	t.signature = sig
	return t, nil
}

func decodeSegment(seg string, v any) error {
	data, err := b64.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}

func (t *jwtToken) alg() string { s, _ := t.header["alg"].(string); return s }

func (t *jwtToken) str(claim string) string { s, _ := t.claims[claim].(string); return s }

// num reads a NumericDate claim.
func (t *jwtToken) num(claim string) (int64, bool) {
	switch v := t.claims[claim].(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, true
		}
		if f, err := v.Float64(); err == nil {
			return int64(f), true
		}
	}
	return 0, false
}

// audiences reads "aud", which may be a string or an array of strings.
func (t *jwtToken) audiences() []string {
	switch v := t.claims["aud"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, a := range v {
			if s, ok := a.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// verifyRSA checks an RS256 or PS256 signature (client assertions signed with a certificate's key).
func (t *jwtToken) verifyRSA(pub *rsa.PublicKey) error {
	digest := sha256.Sum256([]byte(t.signingInput))
	switch t.alg() {
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], t.signature)
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], t.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	default:
		return fmt.Errorf("unsupported signing algorithm %q", t.alg())
	}
}
