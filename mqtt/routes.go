package mqtt

import "strings"

// routeTable is the client's subscriptions, replaced whole on every change
// and read without locks on every message. Filters without wildcards are
// indexed by the one topic they match, so a message costs a map lookup and
// not a match against every filter: huegate subscribes to one topic per
// mapping, up to a bridge's 150 lights.
type routeTable struct {
	list  []route          // in subscription order
	exact map[string][]int // indices into list of wildcard-free filters, by topic, ascending
	wild  []int            // indices into list of filters with wildcards, ascending
}

func newRouteTable(list []route) *routeTable {
	t := &routeTable{list: list, exact: make(map[string][]int)}
	for i, r := range list {
		if strings.ContainsAny(r.match, "+#") {
			t.wild = append(t.wild, i)
			continue
		}
		t.exact[r.match] = append(t.exact[r.match], i)
	}
	return t
}

// each calls f with the handler of every route matching topic, in
// subscription order.
func (t *routeTable) each(topic string, f func(Handler)) {
	exact, wild := t.exact[topic], t.wild
	for len(exact) > 0 || len(wild) > 0 {
		var i int
		if len(wild) == 0 || (len(exact) > 0 && exact[0] < wild[0]) {
			i, exact = exact[0], exact[1:]
		} else {
			i, wild = wild[0], wild[1:]
			if !matchFilter(t.list[i].match, topic) {
				continue
			}
		}
		f(t.list[i].h)
	}
}
