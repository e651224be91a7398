package appimage

import (
	"context"
	"errors"
	"testing"
)

// DrawAll keeps the order of its inputs, stops at the first error and
// reports a cancelled context as such.
func TestDrawAll(t *testing.T) {
	out, err := DrawAll(context.Background(), 5, func(i int) ([]byte, error) { return []byte{byte(i)}, nil })
	if err != nil || len(out) != 5 {
		t.Fatalf("DrawAll = %v, %v", out, err)
	}
	for i, b := range out {
		if len(b) != 1 || int(b[0]) != i {
			t.Fatalf("image %d = %v", i, b)
		}
	}
	bad := errors.New("too big")
	if _, err := DrawAll(context.Background(), 5, func(i int) ([]byte, error) {
		if i == 3 {
			return nil, bad
		}
		return []byte{1}, nil
	}); !errors.Is(err, bad) {
		t.Fatalf("an image failing: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := DrawAll(ctx, 5, func(int) ([]byte, error) { return []byte{1}, nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
