package auth

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"
)

// RFC 6238, appendix B: the SHA-1 test vectors (eight digits there; the last six here).
func TestTOTPMatchesRFC6238(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	for _, v := range []struct {
		unix int64
		code string
	}{{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"}, {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}} {
		got, err := HOTP(secret, TOTPStepAt(time.Unix(v.unix, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if want := v.code[2:]; got != want {
			t.Errorf("at %d: %s, want %s", v.unix, got, want)
		}
	}
}

func TestTOTPWindow(t *testing.T) {
	secret, err := NewTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 9, 0, 10, 0, time.UTC)
	code, _ := HOTP(secret, TOTPStepAt(now))
	if s, ok := TOTPMatch(secret, code[:3]+" "+code[3:], now); !ok || s != TOTPStepAt(now) {
		t.Errorf("the code of now: %d %v", s, ok)
	}
	if _, ok := TOTPMatch(secret, code, now.Add(TOTPStep)); !ok {
		t.Error("the code of the step before is refused")
	}
	if _, ok := TOTPMatch(secret, code, now.Add(2*TOTPStep)); ok {
		t.Error("a code of two steps ago is taken")
	}
	if _, ok := TOTPMatch(secret, "12345", now); ok {
		t.Error("five digits taken")
	}
	uri := TOTPURI("Kept", "ann@example.com", secret)
	if !strings.HasPrefix(uri, "otpauth://totp/Kept:ann@example.com?") || !strings.Contains(uri, "secret="+secret) {
		t.Errorf("uri %s", uri)
	}
}

func TestRecoveryCodes(t *testing.T) {
	code, digest, err := NewRecoveryCode()
	if err != nil {
		t.Fatal(err)
	}
	if string(RecoveryDigest(strings.ToUpper(strings.ReplaceAll(code, "-", " ")))) != string(digest) {
		t.Error("a code typed in capitals with spaces does not match")
	}
	if LooksLikeTOTP(code) || !LooksLikeTOTP("123 456") {
		t.Error("LooksLikeTOTP")
	}
}

func TestSealer(t *testing.T) {
	key, err := ParseKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal("JBSWY3DPEHPK3PXP", "agent 1")
	if err != nil || !strings.HasPrefix(sealed, "sealed:v1:") || strings.Contains(sealed, "JBSWY3DPEHPK3PXP") {
		t.Fatalf("sealed %q %v", sealed, err)
	}
	if got, err := s.Open(sealed, "agent 1"); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Errorf("open: %q %v", got, err)
	}
	if _, err := s.Open(sealed, "agent 2"); err == nil {
		t.Error("a value copied to another agent opens")
	}
	var none *Sealer
	if _, err := none.Open(sealed, "agent 1"); err != ErrNoKey {
		t.Errorf("without the key: %v", err)
	}
	if got, _ := none.Open("JBSWY3DPEHPK3PXP", "agent 1"); got != "JBSWY3DPEHPK3PXP" {
		t.Error("a value in the clear does not read")
	}
	if _, err := ParseKey("too short"); err == nil {
		t.Error("a short key taken")
	}
}
