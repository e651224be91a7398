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
