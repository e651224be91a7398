package db

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/google/uuid"
)

// Changes tells the API process when a tenant's object changed, whichever
// process changed it: one dedicated connection LISTENs on Channel
// (reconnecting with backoff), where a table's trigger announces changes as
// "tenant:id", and wakes the subscribers of that (tenant, object). A wake-up
// carries nothing: a subscriber reads the object again under its own tenant.
// Wake-ups coalesce, and after a reconnect every subscriber is woken, since
// notifications sent while it was down are lost. (assets and apps each have
// one, on their own channel.)
//
// Start it once; Close stops it and waits for it. Subscribe works at any time.
type Changes struct {
	DB      *DB
	Channel string
	Log     *slog.Logger

	mu     sync.Mutex
	subs   map[string]map[chan struct{}]struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// Start begins listening in the background.
func (c *Changes) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go func() { defer close(c.done); c.run(ctx) }()
}

// Close stops listening and waits for the listener to end. Subscribers are
// not closed: they end with their own context.
func (c *Changes) Close() {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Subscribe returns a channel that receives a value after the object changes
// and a function that ends the subscription.
func (c *Changes) Subscribe(tenant, id uuid.UUID) (<-chan struct{}, func()) {
	k := tenant.String() + ":" + id.String()
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	if c.subs == nil {
		c.subs = map[string]map[chan struct{}]struct{}{}
	}
	if c.subs[k] == nil {
		c.subs[k] = map[chan struct{}]struct{}{}
	}
	c.subs[k][ch] = struct{}{}
	c.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			delete(c.subs[k], ch)
			if len(c.subs[k]) == 0 {
				delete(c.subs, k)
			}
		})
	}
}

// wake wakes the subscribers of key, or everyone when key is "".
func (c *Changes) wake(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, chans := range c.subs {
		if key != "" && k != key {
			continue
		}
		for ch := range chans {
			select {
			case ch <- struct{}{}:
			default: // a wake-up is already pending; one read serves both
			}
		}
	}
}

func (c *Changes) run(ctx context.Context) {
	log := c.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// After each (re)connection every subscriber re-reads: changes may have
	// committed while nobody listened.
	c.DB.Listen(ctx, c.Channel, log, func() { c.wake("") }, c.wake)
}
