// Package bench holds the platform's benchmarks: each runs the thing measured
// and its baseline in the same process, on the same services, and reports the
// ratio. They are run by `make bench`, not by `make test`.
package bench
