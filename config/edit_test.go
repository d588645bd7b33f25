package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func pairUpdates(host, key string) []Update {
	return []Update{
		{Path: []string{"bridge", "host"}, Value: host},
		{Path: []string{"bridge", "username"}, Value: key, Quote: true},
	}
}

func writeFile(t *testing.T, name, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestEditChangesOnlyTheValuesInTheExampleConfig(t *testing.T) {
	example, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "config.yaml", string(example), 0o644)
	if err := Edit(path, pairUpdates("10.0.0.7", "s3cr3t-key")); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(example), "  host: 192.168.1.2 ", "  host: 10.0.0.7 ", 1)
	want = strings.Replace(want, `  username: "" `, `  username: "s3cr3t-key" `, 1)
	if got := readFile(t, path); got != want {
		t.Fatalf("edited file differs beyond the two values:\n%s", got)
	}
	if m := mode(t, path); m != 0o600 {
		t.Fatalf("mode %v, want 0600", m)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Bridges[DefaultBridge]; b.Host != "10.0.0.7" || b.Username != "s3cr3t-key" || len(c.Mappings) != 2 {
		t.Fatalf("loaded back: %+v, %d mappings", b, len(c.Mappings))
	}
}

func TestEditCreatesAMissingFileWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.yaml")
	if err := Edit(path, pairUpdates("192.168.1.2", "k")); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, path), "bridge:\n  host: 192.168.1.2\n  username: \"k\"\n"; got != want {
		t.Fatalf("file = %q, want %q", got, want)
	}
	if m := mode(t, path); m != 0o600 {
		t.Fatalf("mode %v", m)
	}
}

func TestEditKeepsEverythingElse(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			"comments only: the section is appended",
			"# my huegate\n# config\n",
			"# my huegate\n# config\n\nbridge:\n  host: h\n  username: \"k\"\n",
		},
		{
			"no bridge section: appended after the rest, which is untouched",
			"mqtt:\n    broker: tcp://b:1883   # the broker\n\nmappings:\n    - {topic: a, lights: [1]}",
			"mqtt:\n    broker: tcp://b:1883   # the broker\n\nmappings:\n    - {topic: a, lights: [1]}\n\nbridge:\n    host: h\n    username: \"k\"\n",
		},
		{
			"a missing key goes after the previous one, at the file's indent",
			"bridge:\n    # the bridge\n    host: old    # ip\n    light_rate: 5\nmqtt: {}\n",
			"bridge:\n    # the bridge\n    host: h    # ip\n    username: \"k\"\n    light_rate: 5\nmqtt: {}\n",
		},
		{
			"an empty value is filled after its colon",
			"bridge:\n  host:\n  username:   # set by pair\n",
			"bridge:\n  host: h\n  username: \"k\"   # set by pair\n",
		},
		{
			"quoted values with escapes and quotes inside",
			"bridge:\n  host: 'it''s'  # single\n  username: \"a\\\"b#c\" # double\n",
			"bridge:\n  host: h  # single\n  username: \"k\" # double\n",
		},
		{
			"windows line endings",
			"bridge:\r\n  host: old\r\n  username: x\r\n",
			"bridge:\r\n  host: h\r\n  username: \"k\"\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "c.yaml", tt.in, 0o600)
			if err := Edit(path, pairUpdates("h", "k")); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, path); got != tt.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestEditFallsBackToTheNodeTreeAndKeepsComments(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"flow style", "# top\nbridge: {host: a, username: b} # flow\nmqtt:\n  broker: tcp://x:1 # keep me\n"},
		{"null section", "# top\nbridge:   # here\nmqtt:\n  broker: tcp://x:1 # keep me\n"},
		{"multi-line value last", "# top\nbridge:\n  cert_sha256: \"ab\n    cd\"\nmqtt:\n  broker: tcp://x:1 # keep me\n"},
		{"tagged value", "# top\nbridge:\n  host: !!str 123\n  username: x\nmqtt:\n  broker: tcp://x:1 # keep me\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "c.yaml", tt.in, 0o644)
			if err := Edit(path, pairUpdates("h", "k")); err != nil {
				t.Fatal(err)
			}
			got := readFile(t, path)
			for _, want := range []string{"# top", "# keep me", "broker: tcp://x:1"} {
				if !strings.Contains(got, want) {
					t.Errorf("lost %q:\n%s", want, got)
				}
			}
			c, err := Parse([]byte(got))
			if err != nil {
				t.Fatal(err)
			}
			if b := c.Bridges[DefaultBridge]; b.Host != "h" || b.Username != "k" || c.MQTT.Broker != "tcp://x:1" {
				t.Fatalf("read back %+v %+v from\n%s", b, c.MQTT, got)
			}
			if m := mode(t, path); m != 0o600 {
				t.Fatalf("mode %v", m)
			}
		})
	}
}

func TestEditRefusesWhatItCannotEditAndLeavesTheFile(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not YAML", "bridge: [\n", "not valid YAML"},
		{"bridge is a list", "bridge: [a, b]\n", "bridge is not a section"},
		{"file is a list", "- a\n- b\n", "not a YAML mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "c.yaml", tt.in, 0o644)
			err := Edit(path, pairUpdates("h", "k"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if got := readFile(t, path); got != tt.in {
				t.Fatalf("file changed to %q", got)
			}
			if m := mode(t, path); m != 0o644 {
				t.Fatalf("mode changed to %v", m)
			}
		})
	}
}

func TestEditWritesThroughASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.yaml")
	if err := os.WriteFile(target, []byte("bridge:\n  host: a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := Edit(link, pairUpdates("h", "k")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi, err)
	}
	if got := readFile(t, target); got != "bridge:\n  host: h\n  username: \"k\"\n" {
		t.Fatalf("target = %q", got)
	}
}

func TestEditIsIdempotent(t *testing.T) {
	path := writeFile(t, "c.yaml", "bridge:\n  host: a # x\n", 0o600)
	for range 2 {
		if err := Edit(path, pairUpdates("h", "k")); err != nil {
			t.Fatal(err)
		}
	}
	if got := readFile(t, path); got != "bridge:\n  host: h # x\n  username: \"k\"\n" {
		t.Fatalf("file = %q", got)
	}
}

func TestBridgeSectionFollowsTheFilesForm(t *testing.T) {
	named := writeFile(t, "named.yaml", "bridges:\n  upstairs: {host: a}\n  cellar:\n    host: b\n", 0o600)
	one := writeFile(t, "one.yaml", "bridge:\n  host: a\n", 0o600)
	missing := filepath.Join(t.TempDir(), "none.yaml")
	tests := []struct {
		path, name, want, err string
	}{
		{one, "", "bridge", ""},
		{missing, "", "bridge", ""},
		{missing, "attic", "bridges.attic", ""},
		{named, "cellar", "bridges.cellar", ""},
		{named, "", "", "names several bridges (upstairs, cellar)"},
		{one, "attic", "", "has one bridge"},
	}
	for _, tt := range tests {
		got, err := BridgeSection(tt.path, tt.name)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s --bridge %q: err %v, want %q", filepath.Base(tt.path), tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || strings.Join(got, ".") != tt.want {
			t.Errorf("%s --bridge %q: %v %v, want %s", filepath.Base(tt.path), tt.name, got, err, tt.want)
		}
	}
	// A named bridge is edited in place, the others untouched.
	err := Edit(named, []Update{{Path: []string{"bridges", "cellar", "username"}, Value: "k", Quote: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, named); got != "bridges:\n  upstairs: {host: a}\n  cellar:\n    host: b\n    username: \"k\"\n" {
		t.Fatalf("file = %q", got)
	}
}

func TestFileValueReadsTheFileAsWritten(t *testing.T) {
	path := writeFile(t, "c.yaml", "bridge:\n  cert_sha256: \"ab:cd\"\n  username:\n", 0o600)
	if v, ok, err := FileValue(path, "bridge", "cert_sha256"); v != "ab:cd" || !ok || err != nil {
		t.Fatalf("cert = %q %v %v", v, ok, err)
	}
	if _, ok, err := FileValue(path, "bridge", "username"); ok || err != nil {
		t.Fatalf("an empty key counts as set: %v %v", ok, err)
	}
	if _, ok, err := FileValue(filepath.Join(t.TempDir(), "none"), "bridge", "host"); ok || err != nil {
		t.Fatalf("missing file: %v %v", ok, err)
	}
}
