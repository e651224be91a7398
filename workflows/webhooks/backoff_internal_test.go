package webhooks

import (
	"testing"
	"time"
)

// The next attempt a failed one records is when Temporal will retry it.
func TestBackoffDoublesUpToTheCap(t *testing.T) {
	b := Backoff{Initial: time.Second, Max: 5 * time.Second}
	for attempt, want := range map[int32]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 5 * time.Second, 60: 5 * time.Second} {
		if got := b.after(attempt); got != want {
			t.Errorf("after attempt %d: %s, want %s", attempt, got, want)
		}
	}
}
