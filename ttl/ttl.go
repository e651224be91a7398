// Package ttl is a small in-memory cache whose entries live for a fixed time,
// for decisions on the request hot path that may be a moment stale (a staff
// session, a permission check). It is not a shared cache: every API process has
// its own, and writes invalidate the entries they make stale in this process.
package ttl

import (
	"sync"
	"time"
)

// Cache maps keys to values for TTL each, holding at most Max entries.
type Cache[K comparable, V any] struct {
	TTL time.Duration // zero disables the cache
	Max int           // zero means 100 000
	Now func() time.Time

	mu      sync.Mutex
	entries map[K]entry[V]
}

type entry[V any] struct {
	v       V
	expires time.Time
}

func (c *Cache[K, V]) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Get returns a live entry.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	var zero V
	if c.TTL <= 0 {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || c.now().After(e.expires) {
		return zero, false
	}
	return e.v, true
}

// Set stores v under k for TTL.
func (c *Cache[K, V]) Set(k K, v V) {
	if c.TTL <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[K]entry[V]{}
	}
	max := c.Max
	if max == 0 {
		max = 100_000
	}
	if len(c.entries) >= max {
		c.evict()
	}
	c.entries[k] = entry[V]{v: v, expires: c.now().Add(c.TTL)}
}

// evict drops expired entries, or everything when none has expired: a full
// cache of live entries is a burst, and starting over costs only misses.
func (c *Cache[K, V]) evict() {
	now := c.now()
	for k, e := range c.entries {
		if now.After(e.expires) {
			delete(c.entries, k)
		}
	}
	if len(c.entries) >= c.Max && c.Max > 0 {
		c.entries = map[K]entry[V]{}
	}
}

// DeleteFunc drops every entry that matches.
func (c *Cache[K, V]) DeleteFunc(match func(K, V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if match(k, e.v) {
			delete(c.entries, k)
		}
	}
}
