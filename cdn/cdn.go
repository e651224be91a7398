// Package cdn tells a CDN in front of the origin to forget objects: an
// HTTPPurger POSTs a signed JSON request listing them to an endpoint the
// operator configures (MARQUEE_CDN_PURGE_URL, signed with
// MARQUEE_CDN_PURGE_SECRET), which a small adapter or the CDN's own purge
// API receives. It implements lifecycle.Purger; with no URL configured the
// platform uses lifecycle.NoPurge instead.
//
// It is not for signing playback URLs (package playback).
package cdn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/marquee-ott/marquee/lifecycle"
	"github.com/marquee-ott/marquee/outbox"
)

// SignatureHeader carries the request's HMAC-SHA256 signature, in the same
// scheme as webhooks (outbox.Sign): "t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<unix seconds>.<body>" keyed with the secret>"; check it with
// outbox.VerifySignature.
const SignatureHeader = "Marquee-Signature"

// Request is the JSON body of a purge.
type Request struct {
	Tenant string `json:"tenant"`
	Asset  string `json:"asset"`
	// Prefix is the asset's folder, with a leading slash, for prefix purges.
	Prefix string `json:"prefix"`
	// Paths are the removed objects, each with a leading slash.
	Paths []string `json:"paths"`
}

// HTTPPurger POSTs purges to URL.
type HTTPPurger struct {
	URL    string
	Secret string
	Client *http.Client // nil: a client with a 30-second timeout
	Now    func() time.Time
}

var _ lifecycle.Purger = (*HTTPPurger)(nil)

// Purge sends one signed request; any answer but 2xx is an error (the
// workflow retries it).
func (p *HTTPPurger) Purge(ctx context.Context, r lifecycle.PurgeRequest) error {
	paths := r.Paths
	if paths == nil {
		paths = []string{}
	}
	body, err := json.Marshal(Request{Tenant: r.Tenant.String(), Asset: r.Asset.String(), Prefix: "/" + r.Prefix, Paths: paths})
	if err != nil {
		return fmt.Errorf("cdn.Purge: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("cdn.Purge: %w", err)
	}
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, outbox.Sign(p.Secret, now, body))
	c := p.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("cdn.Purge: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("cdn.Purge: %s answered %s", p.URL, resp.Status)
	}
	return nil
}
