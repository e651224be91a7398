// Package blobstore opens Marquee's blob storage by URL through
// gocloud.dev/blob: a local folder (file://, the default, created when
// missing) or S3 and S3-compatible stores (s3://bucket?region=…, with
// endpoint=…&use_path_style=true for MinIO and the like). Every package that
// stores bytes takes the *blob.Bucket it returns and writes under
// tenants/{tenant}/…, so one bucket holds the platform. It is not for
// deciding what is stored where: the domain packages choose their keys.
//
// contract_test.go holds the behaviour the platform relies on from any
// bucket, run against fileblob and against s3blob on an in-process fake S3.
package blobstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets
	_ "gocloud.dev/blob/s3blob"   // s3:// buckets
)

// Open opens the bucket at url. A file:// folder is made absolute and
// created; its writes go straight to the folder (no temporary directory
// elsewhere, which could sit on another file system).
func Open(ctx context.Context, url string) (*blob.Bucket, error) {
	if dir, ok := strings.CutPrefix(url, "file://"); ok {
		dir, query, _ := strings.Cut(dir, "?")
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("blobstore.Open %s: %w", url, err)
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return nil, fmt.Errorf("blobstore.Open %s: %w", url, err)
		}
		if query == "" {
			query = "no_tmp_dir=true"
		}
		url = "file://" + abs + "?" + query
	}
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("blobstore.Open: %w", err)
	}
	return b, nil
}
