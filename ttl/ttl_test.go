package ttl

import (
	"testing"
	"time"
)

func TestEntriesExpireAndCanBeDropped(t *testing.T) {
	now := time.Unix(0, 0)
	c := &Cache[string, int]{TTL: time.Second, Now: func() time.Time { return now }}
	c.Set("a", 1)
	c.Set("b", 2)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("fresh entry: %v %v", v, ok)
	}
	c.DeleteFunc(func(k string, _ int) bool { return k == "a" })
	if _, ok := c.Get("a"); ok {
		t.Fatal("dropped entry still there")
	}
	now = now.Add(2 * time.Second)
	if _, ok := c.Get("b"); ok {
		t.Fatal("expired entry still there")
	}
	off := &Cache[string, int]{}
	off.Set("a", 1)
	if _, ok := off.Get("a"); ok {
		t.Fatal("a zero-TTL cache cached")
	}
}

func TestFullCacheStaysBounded(t *testing.T) {
	c := &Cache[int, int]{TTL: time.Hour, Max: 10}
	for i := 0; i < 100; i++ {
		c.Set(i, i)
	}
	if len(c.entries) > 10 {
		t.Fatalf("%d entries, max 10", len(c.entries))
	}
}
