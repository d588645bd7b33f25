package mqtt

import (
	"slices"
	"testing"
)

// Every handler whose filter matches runs once, in subscription order,
// whether its filter is indexed as an exact topic or matched as a wildcard.
func TestRouteTableCallsEveryMatchInSubscriptionOrder(t *testing.T) {
	filters := []string{"a/+", "a/b", "other", "#", "$share/g/a/b", "a/b/#", "+/c", "$SYS/#"}
	var got []string
	var list []route
	for _, f := range filters {
		list = append(list, route{filter: f, match: shareFilter(f), h: func(Message) { got = append(got, f) }})
	}
	tbl := newRouteTable(list)
	tests := []struct {
		topic string
		want  []string
	}{
		{"a/b", []string{"a/+", "a/b", "#", "$share/g/a/b", "a/b/#"}},
		{"other", []string{"other", "#"}},
		{"x/c", []string{"#", "+/c"}},
		{"$SYS/load", []string{"$SYS/#"}},
		{"nothing/here/at/all", []string{"#"}},
	}
	for _, tt := range tests {
		got = nil
		tbl.each(tt.topic, func(h Handler) { h(Message{Topic: tt.topic}) })
		if !slices.Equal(got, tt.want) {
			t.Errorf("topic %q reached %v, want %v", tt.topic, got, tt.want)
		}
	}
}

func TestRouteTableWithoutRoutesCallsNothing(t *testing.T) {
	newRouteTable(nil).each("a", func(Handler) { t.Fatal("a handler ran without routes") })
}

// A message on one of many exact topics must not cost a match per route.
func BenchmarkDispatchAmong150Topics(b *testing.B) {
	var list []route
	for i := range 150 {
		f := "huegate/in/" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		list = append(list, route{filter: f, match: f, h: func(Message) {}})
	}
	tbl := newRouteTable(list)
	topic := list[149].match
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		tbl.each(topic, func(Handler) { n++ })
	}
	if n == 0 {
		b.Fatal("no handler ran")
	}
}
