package platform_test

import (
	"strings"
	"testing"

	"github.com/marquee-ott/marquee/platform"
	"github.com/marquee-ott/marquee/sealbox"
)

// Invariant: production never runs with the public development secret key
// (or none), and no mode runs with a malformed one.
func TestConfigRefusesTheDevSecretKeyInProduction(t *testing.T) {
	t.Setenv("MARQUEE_SECRET_KEY", "")
	c, err := platform.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if !sealbox.IsDevKey(c.SecretKey) {
		t.Fatal("an unset MARQUEE_SECRET_KEY is not the development key")
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("development config refused: %v", err)
	}
	c.Production = true
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "MARQUEE_SECRET_KEY") {
		t.Fatalf("production with the dev key: %v", err)
	}
	c.SecretKey = "q2n9Zl8m3cB7VxJ0rT5yW1uE4oP6sA8dF2gH7jK9LzM="
	if err := c.Validate(); err != nil && strings.Contains(err.Error(), "MARQUEE_SECRET_KEY") {
		t.Fatalf("production with a random key: %v", err)
	}
	c.Production, c.SecretKey = false, "c2hvcnQ="
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "MARQUEE_SECRET_KEY") {
		t.Fatalf("a 5-byte key: %v", err)
	}
}

// A CDN purge URL must be http(s) and come with a secret to sign with;
// without a URL, no purge is configured and nothing is required.
func TestConfigChecksTheCDNPurgeSettings(t *testing.T) {
	c, err := platform.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	c.CDNPurgeURL, c.CDNPurgeSecret = "", ""
	if err := c.Validate(); err != nil {
		t.Fatalf("no purge configured: %v", err)
	}
	c.CDNPurgeURL = "https://purge.example.com/hook"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "MARQUEE_CDN_PURGE_SECRET") {
		t.Fatalf("a purge URL without a secret: %v", err)
	}
	c.CDNPurgeURL, c.CDNPurgeSecret = "ftp://purge.example.com", "a-long-enough-secret"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "MARQUEE_CDN_PURGE_URL") {
		t.Fatalf("an ftp purge URL: %v", err)
	}
	c.CDNPurgeURL = "https://purge.example.com/hook"
	if err := c.Validate(); err != nil {
		t.Fatalf("a good purge config: %v", err)
	}
}

// Invariant: production never verifies Stripe webhooks with the public dev
// secret, and the platform fee is a percentage.
func TestConfigMoneySettings(t *testing.T) {
	c, err := platform.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.StripeWebhookSecret != "whsec_local" || c.PlatformFeePercent != 10 {
		t.Fatalf("defaults: %q %v", c.StripeWebhookSecret, c.PlatformFeePercent)
	}
	c.Production = true
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "MARQUEE_STRIPE_WEBHOOK_SECRET") {
		t.Errorf("production with the dev webhook secret: %v", err)
	}
	c.Production, c.PlatformFeePercent = false, 120
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "MARQUEE_PLATFORM_FEE_PERCENT") {
		t.Errorf("a 120%% fee: %v", err)
	}
}
