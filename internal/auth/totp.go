package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// A second factor: time-based one-time passwords (TOTP, RFC 6238) as authenticator apps make
// them: HMAC-SHA1 over the 30-second step (RFC 4226's HOTP), six digits. The apps all take
// these defaults, so the otpauth:// URI names them without asking the agent to choose.

// TOTPStep is how long one code is good for.
const TOTPStep = 30 * time.Second

// totpDigits is how many digits a code has.
const totpDigits = 6

// base32NoPad is how authenticator apps write secrets: RFC 4648 base32 without padding.
var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a random 160-bit secret (RFC 4226's recommended length) in base32.
func NewTOTPSecret() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("second factor secret: %w", err)
	}
	return base32NoPad.EncodeToString(b), nil
}

// TOTPStepAt is the number of the time step t falls in.
func TOTPStepAt(t time.Time) int64 { return t.Unix() / int64(TOTPStep/time.Second) }

// HOTP is the code of a secret (base32) for one counter value (RFC 4226, section 5.3).
func HOTP(secret string, counter int64) (string, error) {
	key, err := base32NoPad.DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return "", fmt.Errorf("second factor secret: %w", err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", totpDigits, bin%1_000_000), nil
}

// TOTPMatch finds the step whose code the agent typed: the step of now or the one before or
// after it (a phone's clock a little off, a code typed as it turned over). It reports the
// step, so the caller can refuse a step already used. Spaces in the code are ignored.
func TOTPMatch(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != totpDigits {
		return 0, false
	}
	at := TOTPStepAt(now)
	for _, s := range []int64{at - 1, at, at + 1} {
		want, err := HOTP(secret, s)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPURI is the otpauth:// address an authenticator app reads (from a QR code or pasted):
// the issuer and the account name it shows, and the secret.
func TOTPURI(issuer, account, secret string) string {
	label := url.PathEscape(issuer + ":" + account)
	q := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// NewRecoveryCode returns a one-time recovery code (128 random bits, in base32 groups of
// four for reading aloud or typing) and the digest to store of it. Like a token secret, it has
// nothing to guess, so a fast hash is right.
func NewRecoveryCode() (code string, digest []byte, err error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("recovery code: %w", err)
	}
	raw := strings.ToLower(base32NoPad.EncodeToString(b)) // 26 characters
	var groups []string
	for i := 0; i < len(raw); i += 4 {
		groups = append(groups, raw[i:min(i+4, len(raw))])
	}
	code = strings.Join(groups, "-")
	return code, RecoveryDigest(code), nil
}

// RecoveryDigest is what is stored of a recovery code, however it was typed: case, spaces
// and dashes do not count.
func RecoveryDigest(code string) []byte {
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		if r != '-' && r != ' ' && r != '\t' {
			b.WriteRune(r)
		}
	}
	return Digest(b.String())
}

// LooksLikeTOTP says whether what was typed is a six-digit code rather than a recovery code.
func LooksLikeTOTP(code string) bool {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != totpDigits {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
