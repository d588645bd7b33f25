// Package newest is a queue that keeps only the newest value per key, in
// the order the keys were first queued: what a sender that must never
// build a backlog (the state outbox, a control page) sends from.
package newest

import "sync"

// Queue holds the newest value per key until Take. The zero value is not
// ready: use New.
type Queue[V any] struct {
	mu      sync.Mutex
	pending map[string]V
	order   []string
}

// New is an empty queue.
func New[V any]() *Queue[V] { return &Queue[V]{pending: map[string]V{}} }

// Put queues v for key, replacing a value still waiting for it; a key
// keeps its place.
func (q *Queue[V]) Put(key string, v V) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.pending[key]; !ok {
		q.order = append(q.order, key)
	}
	q.pending[key] = v
}

// Take empties the queue: the keys in order, and their values.
func (q *Queue[V]) Take() ([]string, map[string]V) {
	q.mu.Lock()
	defer q.mu.Unlock()
	order, pending := q.order, q.pending
	q.order, q.pending = nil, make(map[string]V, len(pending))
	return order, pending
}
