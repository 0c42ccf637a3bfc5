package emulator

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"
)

// newGUID returns a random (version 4) GUID in lowercase, as Graph writes object ids.
func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// isGUID reports whether s has the 8-4-4-4-12 hex shape.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// randIndex returns a uniform index in [0, n) from crypto/rand (rejection sampling, no modulo bias).
func randIndex(n int) int {
	limit := ^uint32(0) - ^uint32(0)%uint32(n)
	var b [4]byte
	for {
		rand.Read(b[:])
		if v := binary.LittleEndian.Uint32(b[:]); v < limit {
			return int(v % uint32(n))
		}
	}
}

func randomFrom(alphabet string, n int) string {
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[randIndex(len(alphabet))]
	}
	return string(out)
}

// Entra client secrets are 40 characters of letters, digits and "~._-".
func newClientSecret() string {
	return randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-", 40)
}

const (
	tapUpper   = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	tapLower   = "abcdefghijkmnopqrstuvwxyz"
	tapDigits  = "23456789"
	tapSymbols = "+!#@%&*"
)

// newTAPValue returns a pass of exactly length characters with at least one upper-case letter,
// lower-case letter, digit and symbol (documented passes such as "+drkzqAD" and "TAPRocks!" mix them).
func newTAPValue(length int) string {
	all := tapUpper + tapLower + tapDigits + tapSymbols
	out := []byte{
		tapUpper[randIndex(len(tapUpper))],
		tapLower[randIndex(len(tapLower))],
		tapDigits[randIndex(len(tapDigits))],
		tapSymbols[randIndex(len(tapSymbols))],
	}
	for len(out) < length {
		out = append(out, all[randIndex(len(all))])
	}
	for i := len(out) - 1; i > 0; i-- {
		j := randIndex(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return string(out[:length])
}
