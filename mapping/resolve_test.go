package mapping

import (
	"slices"
	"strings"
	"testing"
)

var bridgeLights = []Named{{"1", "Desk lamp"}, {"3", "desk lamp"}, {"7", "Küche Decke"}, {"12", "Spot #1"}}

func TestResolvePrefersTheExactName(t *testing.T) {
	ids, err := Resolve("light", []Ref{{Name: "desk lamp"}, {Name: "DESK LAMP"}, {ID: "12"}, {Name: "küche decke"}}, bridgeLights)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"3", "1", "12", "7"}; !slices.Equal(ids, want) {
		t.Fatalf("ids = %v, want %v", ids, want)
	}
}

func TestResolveNamesTheUnknownAndListsTheBridge(t *testing.T) {
	_, err := Resolve("light", []Ref{{Name: "Desk lamp"}, {Name: "Porch"}}, bridgeLights)
	if err == nil {
		t.Fatal("an unknown name resolved")
	}
	for _, want := range []string{`light "Porch" not found`, `"Spot #1"`, `"Küche Decke"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := Resolve("light", []Ref{{ID: "99"}}, bridgeLights); err == nil || !strings.Contains(err.Error(), "light 99 not found") {
		t.Fatalf("unknown id: %v", err)
	}
}
