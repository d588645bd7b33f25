package emulator

import (
	"testing"
)

const testClientKey = "00112233445566778899AABBCCDDEEFF"

// WithClientKey goes with the bridge's key whichever option comes first,
// and pairing records the clientkey it hands out for the key it hands out.
func TestEntertainmentClientKeys(t *testing.T) {
	for _, opts := range [][]Option{
		{WithClientKey(testClientKey), WithKey("other-key")},
		{WithKey("other-key"), WithClientKey(testClientKey)},
	} {
		b, err := New(Fixture(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if b.ClientKeyOf("other-key") != testClientKey || b.ClientKey() != testClientKey || b.ClientKeyOf(DefaultKey) != "" {
			t.Errorf("clientkeys: of the key %q, last %q", b.ClientKeyOf("other-key"), b.ClientKey())
		}
		if _, ok := b.pskOf(ApplicationID("other-key")); !ok {
			t.Error("no PSK for the key's application id")
		}
		if _, ok := b.pskOf(ApplicationID(DefaultKey)); ok {
			t.Error("a PSK for a key the bridge does not know")
		}
	}
	s := serve(t, nil)
	s.Bridge.PressLinkButton()
	a := pair(t, newClient(t, s), `{"devicetype":"huegate#test","generateclientkey":true}`)
	if ck := s.Bridge.ClientKeyOf(DefaultKey); ck == "" || a[0].Success == nil || ck != a[0].Success.ClientKey {
		t.Error("pairing did not record the clientkey it handed out")
	}
}
