package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Sealer keeps secrets the desk must be able to read back (a second factor's TOTP key) out
// of the database's plain text: AES-256-GCM under a key the operator keeps apart from the
// database and its backups. Each value is bound to what it belongs to (the additional data),
// so a sealed value copied onto another row does not open there.
type Sealer struct{ aead cipher.AEAD }

// sealedPrefix marks a sealed value; a value without it was stored in the clear.
const sealedPrefix = "sealed:v1:"

// ErrNoKey says a sealed value was met without the key to open it.
var ErrNoKey = errors.New("this value is sealed with the desk's secret key (KEPT_SECRET_KEY), which is not set")

// ParseKey reads a 256-bit key written in base64 (standard or URL alphabet, padded or not) or
// in hex.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("the secret key must be 32 random bytes in base64 or hex, e.g. from: openssl rand -base64 32")
}

// NewSealer makes a sealer for a 256-bit key.
func NewSealer(key []byte) (*Sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal seals a value for what it belongs to; a nil sealer keeps it as it is.
func (s *Sealer) Seal(plain, belongsTo string) (string, error) {
	if s == nil {
		return plain, nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(belongsTo))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open reads back a stored value: a sealed one with the key, one stored in the clear as it is.
func (s *Sealer) Open(stored, belongsTo string) (string, error) {
	rest, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		return stored, nil
	}
	if s == nil {
		return "", ErrNoKey
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("a sealed value is damaged")
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(belongsTo))
	if err != nil {
		return "", errors.New("a sealed value does not open with this secret key (was KEPT_SECRET_KEY changed?)")
	}
	return string(plain), nil
}
