package emulator

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCAIsARootThatIssuesBridgeShapedCertificates(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	root := ca.Certificate()
	if !root.IsCA || root.Subject.CommonName != "huegate emulator test root" ||
		root.NotAfter.Before(time.Now().Add(9*365*24*time.Hour)) {
		t.Errorf("root: CA %v, CN %q, until %v", root.IsCA, root.Subject.CommonName, root.NotAfter)
	}

	cert, err := ca.Issue("001788fffe123456")
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if leaf.Subject.CommonName != "001788fffe123456" || len(leaf.Subject.Organization) != 1 ||
		leaf.Subject.Organization[0] != "Philips Hue" {
		t.Errorf("leaf subject %v", leaf.Subject)
	}
	if len(leaf.IPAddresses)+len(leaf.DNSNames)+len(leaf.URIs)+len(leaf.EmailAddresses) != 0 {
		t.Errorf("leaf has names a bridge's has not: %v %v", leaf.IPAddresses, leaf.DNSNames)
	}
	if len(cert.Certificate) != 2 {
		t.Fatalf("chain of %d certificates, want leaf and CA", len(cert.Certificate))
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM())
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("leaf does not verify against its CA: %v", err)
	}
}

func TestCAWritesItsFilesAndLoadsThemBack(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	if err := os.WriteFile(keyFile, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.WriteFiles(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v (%v), want 0600", fi.Mode(), err)
	}
	loaded, err := LoadCA(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Certificate().Equal(ca.Certificate()) {
		t.Error("loaded another certificate")
	}
	// The loaded key signs: what it issues verifies against the original.
	cert, err := loaded.Issue("001788fffe123456")
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.Leaf.CheckSignatureFrom(ca.Certificate()); err != nil {
		t.Errorf("issued by the loaded CA: %v", err)
	}
}

func TestLoadCARefusesAKeyOfAnotherCA(t *testing.T) {
	dir := t.TempDir()
	one, _ := NewCA()
	two, _ := NewCA()
	if err := one.WriteFiles(filepath.Join(dir, "one.pem"), filepath.Join(dir, "one-key.pem")); err != nil {
		t.Fatal(err)
	}
	if err := two.WriteFiles(filepath.Join(dir, "two.pem"), filepath.Join(dir, "two-key.pem")); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCA(filepath.Join(dir, "one.pem"), filepath.Join(dir, "two-key.pem")); err == nil {
		t.Error("loaded a CA with another CA's key")
	}
	if _, err := LoadCA(filepath.Join(dir, "one-key.pem"), filepath.Join(dir, "one-key.pem")); err == nil {
		t.Error("loaded a key as a certificate")
	}
	if _, err := LoadCA(filepath.Join(dir, "absent.pem"), filepath.Join(dir, "one-key.pem")); err == nil {
		t.Error("loaded a missing file")
	}
}

func TestParseCertKindReadsEveryName(t *testing.T) {
	for _, k := range []CertKind{CertGood, CertWrongCN, CertOtherRoot, CertSelfSigned} {
		if got, err := ParseCertKind(k.String()); err != nil || got != k {
			t.Errorf("ParseCertKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseCertKind("bogus"); err == nil {
		t.Error("parsed bogus")
	}
}
