// Package auth holds how people prove who they are: API tokens (random secrets kept only as
// a SHA-256 digest) and agent passwords (argon2id).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

const tokenPrefix = "kept_"

// NewSecret returns a random 256-bit token secret and the digest to store for it.
func NewSecret() (secret string, digest []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("token secret: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, Digest(secret), nil
}

// Digest is what is stored of a token secret. A fast hash is right here: the secret is
// 256 random bits, so there is nothing to guess, and every API request checks one.
func Digest(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// FormatToken is the token a client sends: the row id lets the desk find the digest
// without comparing secrets in a query.
func FormatToken(id int64, secret string) string {
	return tokenPrefix + strconv.FormatInt(id, 10) + "_" + secret
}

// ErrBadToken says a bearer token is malformed.
var ErrBadToken = errors.New("malformed token")

// ParseToken splits a token into its id and secret.
func ParseToken(token string) (int64, string, error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return 0, "", ErrBadToken
	}
	idStr, secret, ok := strings.Cut(rest, "_")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if !ok || err != nil || id <= 0 || len(secret) != 43 {
		return 0, "", ErrBadToken
	}
	return id, secret, nil
}

// SecretMatches compares a presented secret with a stored digest in constant time.
func SecretMatches(secret string, digest []byte) bool {
	return subtle.ConstantTimeCompare(Digest(secret), digest) == 1
}

// Argon2id parameters (RFC 9106's second recommended option, lighter on memory).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash of the password in the PHC string format.
func HashPassword(password string) (string, error) {
	if len(password) < 10 {
		return "", errors.New("a password needs at least 10 characters")
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches an argon2id hash made by HashPassword.
func CheckPassword(password, hash string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
