package db

import (
	"context"
	"log/slog"
	"time"
)

// Listen runs until ctx ends, LISTENing on channel on a connection of its own:
// onListen runs after every (re)connection, since notifications sent while
// nobody listened are lost, and onNotify for every notification's payload.
// A dropped connection is retried with backoff from 1 s to 1 min.
//
// It takes its connection out of the pool for good: LISTEN is session state,
// and a listening session must never be handed to someone else.
func (d *DB) Listen(ctx context.Context, channel string, log *slog.Logger, onListen func(), onNotify func(payload string)) {
	wait := time.Second
	for ctx.Err() == nil {
		started := time.Now()
		err := d.listenOnce(ctx, channel, onListen, onNotify)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > time.Minute {
			wait = time.Second // it had been working: reconnect quickly
		}
		log.Warn("stopped listening; reconnecting", "channel", channel, "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Minute)
	}
}

func (d *DB) listenOnce(ctx context.Context, channel string, onListen func(), onNotify func(string)) error {
	pc, err := d.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack()
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	onListen()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		onNotify(n.Payload)
	}
}
