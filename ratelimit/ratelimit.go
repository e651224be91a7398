// Package ratelimit is a keyed token-bucket limiter held in memory: per tenant,
// per API key, per client address and per kind of attempt (logins, codes). It is
// per process; behind a load balancer each API process limits on its own, which
// bounds abuse by the process count and needs no shared store on the hot path.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter allows Burst events at once per key and refills Rate events a second.
type Limiter struct {
	Rate  float64
	Burst float64
	Now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	sweeps  int
}

type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a limiter of rate events per second with a burst.
func New(rate, burst float64) *Limiter {
	return &Limiter{Rate: rate, Burst: burst}
}

// Allow takes one token from key's bucket and reports whether there was one.
func (l *Limiter) Allow(key string) bool {
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.Burst, last: now}
		l.buckets[key] = b
		l.sweep(now)
	}
	b.tokens = min(l.Burst, b.tokens+now.Sub(b.last).Seconds()*l.Rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep drops full buckets now and then so the map does not grow without bound.
func (l *Limiter) sweep(now time.Time) {
	l.sweeps++
	if l.sweeps%1024 != 0 {
		return
	}
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.Rate >= l.Burst {
			delete(l.buckets, k)
		}
	}
}
