package blobstore_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/marquee-ott/marquee/blobstore"
)

// The platform's buckets: a local folder (dev, one machine) and S3 (production).
// Both must behave the same for everything Marquee stores (CONVENTIONS 21).
func TestBlobContract(t *testing.T) {
	t.Run("fileblob", func(t *testing.T) {
		runContract(t, func(t *testing.T) *blob.Bucket {
			return mustOpen(t, "file://"+filepath.Join(t.TempDir(), "blobs"))
		})
	})
	t.Run("s3blob", func(t *testing.T) {
		runContract(t, func(t *testing.T) *blob.Bucket {
			return mustOpen(t, fakeS3(t, "marquee"))
		})
	})
}

// fakeS3 serves an in-memory S3 on loopback with one bucket and returns the
// s3:// URL that reaches it the way a production S3-compatible store would.
func fakeS3(t *testing.T, bucket string) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	return "s3://" + bucket + "?region=us-east-1&use_path_style=true&endpoint=" + srv.URL
}

func mustOpen(t *testing.T, url string) *blob.Bucket {
	t.Helper()
	b, err := blobstore.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func runContract(t *testing.T, open func(*testing.T) *blob.Bucket) {
	ctx := context.Background()
	write := func(t *testing.T, b *blob.Bucket, key string, data []byte, ct string) {
		t.Helper()
		if err := b.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: ct}); err != nil {
			t.Fatalf("write %s: %v", key, err)
		}
	}

	t.Run("WriteThenReadGivesTheSameBytes", func(t *testing.T) {
		b := open(t)
		data := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB
		write(t, b, "tenants/a/uploads/1/source", data, "video/mp4")
		got, err := b.ReadAll(ctx, "tenants/a/uploads/1/source")
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes (err %v), want %d", len(got), err, len(data))
		}
	})

	t.Run("StreamingWriteOfUnknownLength", func(t *testing.T) {
		b := open(t)
		w, err := b.NewWriter(ctx, "k/stream", &blob.WriterOptions{ContentType: "application/octet-stream"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 10; i++ {
			if _, err := w.Write(bytes.Repeat([]byte{byte(i)}, 64<<10)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		a, err := b.Attributes(ctx, "k/stream")
		if err != nil || a.Size != 10*64<<10 {
			t.Fatalf("attributes %+v, %v", a, err)
		}
	})

	t.Run("AttributesKeepSizeAndContentType", func(t *testing.T) {
		b := open(t)
		write(t, b, "k/captions.vtt", []byte("WEBVTT\n\n"), "text/vtt")
		a, err := b.Attributes(ctx, "k/captions.vtt")
		if err != nil {
			t.Fatal(err)
		}
		if a.Size != 8 || a.ContentType != "text/vtt" || a.ModTime.IsZero() {
			t.Fatalf("attributes: size %d, type %q, modtime %v", a.Size, a.ContentType, a.ModTime)
		}
	})

	t.Run("RangedReadReturnsExactlyTheRange", func(t *testing.T) {
		b := open(t)
		write(t, b, "k/seg", []byte("abcdefghijklmnopqrstuvwxyz"), "")
		r, err := b.NewRangeReader(ctx, "k/seg", 5, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		_ = r.Close()
		if string(got) != "fghijklmno" {
			t.Fatalf("range 5+10 = %q", got)
		}
		r, err = b.NewRangeReader(ctx, "k/seg", 20, -1, nil) // to the end
		if err != nil {
			t.Fatal(err)
		}
		got, _ = io.ReadAll(r)
		_ = r.Close()
		if string(got) != "uvwxyz" {
			t.Fatalf("range 20- = %q", got)
		}
	})

	t.Run("ListByPrefixAndDelimiter", func(t *testing.T) {
		b := open(t)
		for _, k := range []string{"tenants/a/x", "tenants/a/sub/y", "tenants/b/z", "other"} {
			write(t, b, k, []byte(k), "")
		}
		var flat []string
		it := b.List(&blob.ListOptions{Prefix: "tenants/a/"})
		for {
			o, err := it.Next(ctx)
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			flat = append(flat, o.Key)
		}
		sort.Strings(flat)
		if len(flat) != 2 || flat[0] != "tenants/a/sub/y" || flat[1] != "tenants/a/x" {
			t.Fatalf("list tenants/a/ = %v", flat)
		}
		var top []string
		it = b.List(&blob.ListOptions{Prefix: "tenants/", Delimiter: "/"})
		for {
			o, err := it.Next(ctx)
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			if o.IsDir {
				top = append(top, o.Key)
			}
		}
		sort.Strings(top)
		if len(top) != 2 || top[0] != "tenants/a/" || top[1] != "tenants/b/" {
			t.Fatalf("dirs under tenants/ = %v", top)
		}
	})

	t.Run("OverwriteReplaces", func(t *testing.T) {
		b := open(t)
		write(t, b, "k/v", []byte("first version"), "")
		write(t, b, "k/v", []byte("second"), "")
		got, _ := b.ReadAll(ctx, "k/v")
		if string(got) != "second" {
			t.Fatalf("after overwrite: %q", got)
		}
	})

	t.Run("DeleteThenMissingIsNotFound", func(t *testing.T) {
		b := open(t)
		write(t, b, "k/gone", []byte("x"), "")
		if err := b.Delete(ctx, "k/gone"); err != nil {
			t.Fatal(err)
		}
		_, err := b.Attributes(ctx, "k/gone")
		if gcerrors.Code(err) != gcerrors.NotFound {
			t.Fatalf("attributes after delete: %v, want NotFound", err)
		}
		_, err = b.NewReader(ctx, "k/gone", nil)
		if gcerrors.Code(err) != gcerrors.NotFound {
			t.Fatalf("read after delete: %v, want NotFound", err)
		}
		if err := b.Delete(ctx, "k/never"); gcerrors.Code(err) != gcerrors.NotFound {
			t.Fatalf("delete of a missing key: %v, want NotFound", err)
		}
	})

	t.Run("ExistsAndCopy", func(t *testing.T) {
		b := open(t)
		write(t, b, "k/src", []byte("payload"), "text/plain")
		if ok, err := b.Exists(ctx, "k/src"); !ok || err != nil {
			t.Fatalf("exists: %v %v", ok, err)
		}
		if err := b.Copy(ctx, "k/dst", "k/src", nil); err != nil {
			t.Fatal(err)
		}
		got, _ := b.ReadAll(ctx, "k/dst")
		if string(got) != "payload" {
			t.Fatalf("copy: %q", got)
		}
	})

	t.Run("AbortedWriteLeavesNothing", func(t *testing.T) {
		b := open(t)
		wctx, cancel := context.WithCancel(ctx)
		w, err := b.NewWriter(wctx, "k/aborted", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte("half a file"))
		cancel() // a cancelled context aborts the write instead of committing it
		if err := w.Close(); err == nil {
			t.Fatal("close after cancel succeeded")
		}
		if ok, _ := b.Exists(ctx, "k/aborted"); ok {
			t.Fatal("an aborted write left an object behind")
		}
	})
}
