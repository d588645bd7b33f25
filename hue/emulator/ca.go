package emulator

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"
)

// CA stands in for the Hue root CA in tests: current bridges show a
// certificate issued by Signify's root, and a client that verifies it is
// told to trust this root instead (huegate's bridge.ca_file).
type CA struct {
	cert *x509.Certificate
	key  crypto.Signer
	der  []byte
}

// caValidity is how long a test root lasts: long enough that one kept in
// a cache directory never expires under a developer.
const caValidity = 10 * 365 * 24 * time.Hour

// WrongCN is a bridge id no test bridge has: the common name of a
// certificate issued to another bridge.
const WrongCN = "001788fffe999999"

// NewCA makes a new self-signed root: ECDSA P-256, valid for ten years.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serialNumber(),
		Subject:               pkix.Name{CommonName: "huegate emulator test root", Organization: []string{"huegate"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("emulator: make CA: %w", err)
	}
	return newCA(der, key)
}

func newCA(der []byte, key crypto.Signer) (*CA, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if !cert.IsCA {
		return nil, errors.New("certificate is not a CA")
	}
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return nil, errors.New("the key does not belong to the certificate")
	}
	return &CA{cert: cert, key: key, der: der}, nil
}

// LoadCA reads a CA that WriteFiles wrote (or any CA certificate and its
// EC, RSA or PKCS #8 key in PEM).
func LoadCA(certPEMFile, keyPEMFile string) (*CA, error) {
	der, err := readPEM(certPEMFile, "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	keyDER, err := readPEM(keyPEMFile, "")
	if err != nil {
		return nil, err
	}
	key, err := parseKey(keyDER)
	if err != nil {
		return nil, fmt.Errorf("emulator: %s: %w", keyPEMFile, err)
	}
	ca, err := newCA(der, key)
	if err != nil {
		return nil, fmt.Errorf("emulator: %s: %w", certPEMFile, err)
	}
	return ca, nil
}

// readPEM returns the first PEM block of a file, of the given type unless
// typ is "".
func readPEM(path, typ string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || (typ != "" && block.Type != typ) {
		return nil, fmt.Errorf("emulator: %s: no PEM %s in it", path, typ)
	}
	return block.Bytes, nil
}

func parseKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errors.New("not a private key")
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("key cannot sign")
	}
	return signer, nil
}

// WriteFiles writes the CA certificate and its key in PEM. The key file is
// readable by its owner only, even if it existed before.
func (ca *CA) WriteFiles(certFile, keyFile string) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(ca.key)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := writeFile(keyFile, keyPEM, 0o600); err != nil {
		return err
	}
	return writeFile(certFile, ca.CertPEM(), 0o644)
}

// writeFile is os.WriteFile that also fixes the mode of a file that was
// already there (os.WriteFile keeps it).
func writeFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	err = f.Chmod(mode)
	if _, werr := f.Write(data); err == nil {
		err = werr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("emulator: write %s: %w", path, err)
	}
	return nil
}

// CertPEM is the CA certificate in PEM: what a client is told to trust.
func (ca *CA) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.der})
}

// Certificate is the parsed CA certificate.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// Issue makes a server certificate for cn signed by the CA, shaped like a
// bridge's: common name cn, organisation "Philips Hue", for server
// authentication, and no IP address or DNS name in it, so only a check of
// the common name can tie it to a bridge. The chain holds the CA too.
func (ca *CA) Issue(cn string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serialNumber(),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Philips Hue"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     ca.cert.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("emulator: issue %q: %w", cn, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.der}, PrivateKey: key, Leaf: leaf}, nil
}

// serialNumber is a random positive serial, as CAs are told to use.
func serialNumber() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62)) // never fails since Go 1.24
	return n.Add(n, big.NewInt(1))
}

// CertKind is a certificate a test bridge can show: the right one, or one
// a verifying client must refuse for a reason of its own.
type CertKind int

const (
	CertGood       CertKind = iota // issued by the CA to the bridge id
	CertWrongCN                    // issued by the CA, to WrongCN: another bridge's
	CertOtherRoot                  // issued to the bridge id by another root
	CertSelfSigned                 // self-signed for the bridge id, as older firmware shows
)

var certKindNames = [...]string{"good", "wrong-cn", "other-root", "self-signed"}

func (k CertKind) String() string {
	if k >= 0 && int(k) < len(certKindNames) {
		return certKindNames[k]
	}
	return fmt.Sprintf("CertKind(%d)", int(k))
}

// ParseCertKind reads a CertKind's name: good, wrong-cn, other-root or
// self-signed.
func ParseCertKind(s string) (CertKind, error) {
	for i, name := range certKindNames {
		if s == name {
			return CertKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown certificate %q: want good, wrong-cn, other-root or self-signed", s)
}

// Cert makes a certificate of kind k for the bridge whose id is bridgeID
// (lower case, as Bridge.BridgeID gives it).
func (ca *CA) Cert(k CertKind, bridgeID string) (tls.Certificate, error) {
	switch k {
	case CertGood:
		return ca.Issue(bridgeID)
	case CertWrongCN:
		return ca.Issue(WrongCN)
	case CertOtherRoot:
		other, err := NewCA()
		if err != nil {
			return tls.Certificate{}, err
		}
		return other.Issue(bridgeID)
	case CertSelfSigned:
		cert, _, err := SelfSigned(bridgeID)
		return cert, err
	default:
		return tls.Certificate{}, fmt.Errorf("emulator: unknown %v", k)
	}
}
