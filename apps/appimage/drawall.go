package appimage

import (
	"context"
	"runtime"

	"golang.org/x/sync/errgroup"
)

// DrawAll calls draw for 0…n-1 on every core and returns the images in order.
// A platform's icons are independent of each other and scaling and PNG
// compression are most of a build's time, so they are drawn side by side. The
// first error stops the rest; a cancelled ctx is returned as ctx.Err().
func DrawAll(ctx context.Context, n int, draw func(i int) ([]byte, error)) ([][]byte, error) {
	out := make([][]byte, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range n {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			b, err := draw(i)
			out[i] = b
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return out, nil
}
