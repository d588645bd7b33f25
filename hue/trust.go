package hue

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"embed"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// The Hue root certificates, as Signify publishes them ("using https" on its
// developer site): the Philips Hue root-bridge root (firmware before 1.60)
// and the Signify Hue Root CA 01 that replaced it. Both are public.
//
//go:embed roots/*.pem
var rootFiles embed.FS

// HueRoots is a pool of the two Hue root certificates.
func HueRoots() *x509.CertPool {
	pool := x509.NewCertPool()
	names, _ := rootFiles.ReadDir("roots")
	for _, n := range names {
		pem, _ := rootFiles.ReadFile("roots/" + n.Name())
		pool.AppendCertsFromPEM(pem)
	}
	return pool
}

// roots is the Hue roots plus the PEM certificates in caFile, if any: a
// bridge emulator's test CA, or a bridge behind a CA of the user's own.
func roots(caFile string) (*x509.CertPool, error) {
	pool := HueRoots()
	if caFile == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("bridge.ca_file: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("bridge.ca_file %s holds no PEM certificate", caFile)
	}
	return pool, nil
}

// CertProblem says why a bridge's certificate was refused.
type CertProblem int

// What can be wrong with a bridge's certificate.
const (
	// CertSelfSigned: older firmware signs its own certificate; only a pin
	// (bridge.cert_sha256, recorded by pair) can vouch for it.
	CertSelfSigned CertProblem = iota + 1
	// CertUntrusted: issued by someone other than the Hue roots.
	CertUntrusted
	// CertWrongBridge: issued for another bridge id than the one answering.
	CertWrongBridge
)

// CertError is a bridge certificate that was refused, with what to do.
type CertError struct {
	Problem CertProblem
	Detail  string // the verifier's reason, or the two bridge ids
}

func (e *CertError) Error() string {
	switch e.Problem {
	case CertSelfSigned:
		return "the bridge shows a self-signed certificate, as bridges with firmware before 1.60 do: " +
			"run `huegate pair --host <bridge>` once to pin it (bridge.cert_sha256), or update the bridge in the Hue app"
	case CertWrongBridge:
		return "the bridge's certificate is for another bridge (" + e.Detail + "): " +
			"something other than your bridge may be answering at this address; check bridge.host"
	default:
		return "the bridge's certificate is not issued by the Hue root CA (" + e.Detail + "): " +
			"this may not be a Hue bridge, or something is in between; check bridge.host " +
			"(a bridge behind a CA of your own: set bridge.ca_file)"
	}
}

// Unwrap makes every refused certificate an ErrCertUnverified: final, not
// worth a retry, and the value kept until the user acts.
func (e *CertError) Unwrap() error { return ErrCertUnverified }

// ClockError is a certificate outside its validity by this machine's
// clock: Hue bridge certificates run from 2017 (or 2025) to 2038 (or 2050),
// so the clock is the likely fault (a board without a real-time clock
// before NTP has set it). It is worth a retry, not a final refusal: the
// handshake fails, so nothing is sent meanwhile.
type ClockError struct {
	NotBefore, NotAfter, Now time.Time
}

func (e *ClockError) Error() string {
	const day = "2006-01-02"
	return "the bridge's certificate is valid from " + e.NotBefore.UTC().Format(day) + " to " +
		e.NotAfter.UTC().Format(day) + " but this machine's clock says " + e.Now.UTC().Format(day) +
		": check the clock (NTP); huegate keeps trying"
}

// trust checks a bridge's certificate on every https connection: the pin
// when there is one (trust on first use, for self-signed bridges), else
// the chain up to the Hue roots and, once the bridge has said its id, the
// common name against that id. Bridge certificates carry no IP address, so
// the usual host name check cannot apply.
type trust struct {
	roots *x509.CertPool
	pin   []byte

	mu       sync.Mutex
	bridgeID string // lower case; "" until the bridge's /api/config was matched to its certificate
}

func (t *trust) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by VerifyConnection below
		VerifyConnection:   t.verify,
	}
}

func (t *trust) verify(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return &CertError{Problem: CertUntrusted, Detail: "no certificate shown"}
	}
	leaf := cs.PeerCertificates[0]
	if t.pin != nil {
		if !equalBytes(fingerprint(leaf.Raw), t.pin) {
			return ErrCertChanged
		}
		return nil
	}
	if err := t.verifyChain(cs.PeerCertificates); err != nil {
		return err
	}
	if id := t.identity(); id != "" && !strings.EqualFold(strings.TrimSpace(leaf.Subject.CommonName), id) {
		return &CertError{Problem: CertWrongBridge, Detail: "certificate for " + commonName(leaf) + ", expected " + id}
	}
	return nil
}

func (t *trust) verifyChain(certs []*x509.Certificate) error {
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{
		Roots:         t.roots,
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	_, err := leaf.Verify(opts)
	if err == nil {
		return nil
	}
	if selfSigned(leaf) {
		return &CertError{Problem: CertSelfSigned, Detail: err.Error()}
	}
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) && invalid.Reason == x509.Expired {
		// Only the time is wrong if the chain holds at a time within it.
		opts.CurrentTime = invalid.Cert.NotBefore.Add(time.Second)
		_, again := leaf.Verify(opts)
		if again == nil {
			return &ClockError{NotBefore: invalid.Cert.NotBefore, NotAfter: invalid.Cert.NotAfter, Now: time.Now()}
		}
		err = again
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return &CertError{Problem: CertUntrusted, Detail: "issued by " + printableName(leaf.Issuer.CommonName)}
	}
	return &CertError{Problem: CertUntrusted, Detail: err.Error()}
}

func (t *trust) identity() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bridgeID
}

// identify records the bridge id once a certificate was matched to it.
func (t *trust) identify(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bridgeID = strings.ToLower(id)
}

// checkIdentity compares the certificate's common name with the bridge id
// the bridge gave over the same connection, and remembers the id so every
// later connection must show it too.
func (t *trust) checkIdentity(state *tls.ConnectionState, bridgeID string) error {
	if t.pin != nil || state == nil {
		return nil
	}
	if len(state.PeerCertificates) == 0 {
		return &CertError{Problem: CertUntrusted, Detail: "no certificate shown"}
	}
	leaf := state.PeerCertificates[0]
	if bridgeID == "" || !strings.EqualFold(strings.TrimSpace(leaf.Subject.CommonName), bridgeID) {
		return &CertError{Problem: CertWrongBridge, Detail: "certificate for " + commonName(leaf) +
			", but the bridge says it is " + orUnknown(printableName(bridgeID))}
	}
	t.identify(bridgeID)
	return nil
}

// selfSigned: issued by itself and signed with its own key. (Not
// CheckSignatureFrom, which also wants the issuer to be a CA, and old
// bridges' certificates are not.)
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

func commonName(c *x509.Certificate) string {
	return orUnknown(printableName(c.Subject.CommonName))
}

func orUnknown(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// printableName keeps names from a certificate to what a bridge id or a CA
// name is made of, so nothing the peer chose can shape a log line.
func printableName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, s)
}
