package mail

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIM signs the desk's outgoing mail so receivers can check it came from the desk's domain.
type DKIM struct {
	domain, selector string
	key              crypto.Signer
}

// NewDKIM reads a PEM private key (PKCS#8, or PKCS#1 RSA) for signing as selector._domainkey.domain.
func NewDKIM(keyPEM []byte, domain, selector string) (*DKIM, error) {
	if domain == "" || selector == "" {
		return nil, errors.New("DKIM needs a domain and a selector")
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("DKIM key: no PEM block found")
	}
	var key any
	var err error
	if key, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		if key, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return nil, fmt.Errorf("DKIM key: neither PKCS#8 nor PKCS#1: %w", err)
		}
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("DKIM key: %T cannot sign", key)
	}
	return &DKIM{domain: strings.ToLower(domain), selector: selector, key: signer}, nil
}

// Sign returns raw with a DKIM-Signature header over the fields a reader relies on.
func (d *DKIM) Sign(raw []byte) ([]byte, error) {
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{
		Domain: d.domain, Selector: d.selector, Signer: d.key,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-Id", "In-Reply-To", "References", "Reply-To", "Mime-Version", "Content-Type", "Auto-Submitted"},
	})
	if err != nil {
		return nil, fmt.Errorf("DKIM sign: %w", err)
	}
	return out.Bytes(), nil
}
