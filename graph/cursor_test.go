package graph

import "testing"

// positionCursor is encodeCursor for positions, as clients already hold them.
func TestPositionCursor(t *testing.T) {
	for _, n := range []int{0, 1, 19, 20, 12345, -1} {
		if got, want := positionCursor(n), encodeCursor(n); got != want {
			t.Errorf("%d: %s, want %s", n, got, want)
		}
	}
}
