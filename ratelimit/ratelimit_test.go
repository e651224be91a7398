package ratelimit

import (
	"testing"
	"time"
)

func TestBurstThenRefill(t *testing.T) {
	now := time.Unix(0, 0)
	l := &Limiter{Rate: 1, Burst: 3, Now: func() time.Time { return now }}
	for i := 0; i < 3; i++ {
		if !l.Allow("a") {
			t.Fatalf("attempt %d refused within the burst", i)
		}
	}
	if l.Allow("a") {
		t.Fatal("fourth attempt allowed beyond the burst")
	}
	if !l.Allow("b") {
		t.Fatal("another key shares a's bucket")
	}
	now = now.Add(time.Second)
	if !l.Allow("a") {
		t.Fatal("no token after a second at one a second")
	}
	if l.Allow("a") {
		t.Fatal("more than one token after one second")
	}
}
