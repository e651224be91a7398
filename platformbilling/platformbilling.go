// Package platformbilling is Marquee billing its tenants: the operator's
// platform plans (a monthly base price with included usage and a metered
// overage per metric), each workspace's subscription to one on the
// PLATFORM's own Stripe account (never a tenant's connected account), the
// usage it meters (encoded minutes, streamed hours, stored GB-months, app
// builds) recorded once per idempotency key, and the reporter that sends that
// usage to Stripe Billing meters, marking what Stripe took and retrying what
// failed, each row under one meter-event identifier so nothing counts twice.
//
// It is not for a tenant's own sales to its viewers (package billing, on the
// connected account), nor for HTTP: billing.HandleWebhook routes the platform
// account's own events here (Service implements billing.PlatformEvents), and
// graph translates GraphQL into calls on Service.
package platformbilling

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
)

// Metric is something the platform meters and bills.
type Metric string

// The metrics.
const (
	// EncodedMinutes is minutes of source media encoded (one count per READY asset).
	EncodedMinutes Metric = "encoded_minutes"
	// StreamedHours is hours viewers watched (per playback session, at its end).
	StreamedHours Metric = "streamed_hours"
	// StoredGB is GB-months stored: each day's snapshot of the tenant's
	// bytes counts GB / days-in-month, so a month sums to the average GB.
	StoredGB Metric = "stored_gb"
	// AppBuilds is white-label app builds.
	AppBuilds Metric = "app_builds"
)

// Metrics lists every metric in display order.
var Metrics = []Metric{EncodedMinutes, StreamedHours, StoredGB, AppBuilds}

// Valid reports whether m is a known metric.
func (m Metric) Valid() bool {
	for _, k := range Metrics {
		if k == m {
			return true
		}
	}
	return false
}

// Unit is what one of the metric counts, for people.
func (m Metric) Unit() string {
	switch m {
	case EncodedMinutes:
		return "minutes"
	case StreamedHours:
		return "hours"
	case StoredGB:
		return "GB-months"
	case AppBuilds:
		return "builds"
	}
	return ""
}

// micro is one millionth: quantities are kept in millionths of a unit so
// sums are exact and a meter event's value is an exact decimal.
const micro = 1_000_000

// maxQuantity bounds one record (and keeps micros in range).
const maxQuantity = 1e12

func toMicros(q float64) int64 { return int64(math.Round(q * micro)) }

func fromMicros(m int64) float64 { return float64(m) / micro }

// decimal writes micros as an exact decimal string ("1.5", "0.000001", "3").
func decimal(m int64) string {
	s := strconv.FormatInt(m/micro, 10)
	if frac := m % micro; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
	}
	return s
}

// Service is platform billing for every tenant.
type Service struct {
	DB *db.DB
	// Stripe talks to Stripe (or stripe-mock) with the platform's secret key;
	// nothing here names a connected account (billing.NewStripe makes one).
	Stripe *client.API
	// Storage measures a tenant's stored bytes for the daily snapshot
	// (operators.Service lists blob storage under the tenant's prefix).
	Storage Storage
	Now     func() time.Time
	Log     *slog.Logger
	// ReportBatch is how many usage rows one reporter pass claims per
	// tenant (zero: 100); MaxAttempts how many failed reports make a row
	// failed (zero: 20).
	ReportBatch int
	MaxAttempts int
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Plan is one of the platform's plans for tenants.
type Plan struct {
	ID       uuid.UUID
	Name     string
	Currency string // ISO 4217, lower case
	// MonthlyAmount is the base price in the currency's minor units.
	MonthlyAmount int64
	Active        bool
	Metrics       []PlanMetric
	// StripeBasePriceID is the monthly base price on the platform account.
	StripeBasePriceID string
	CreatedAt         time.Time
}

// PlanMetric is what a plan includes of a metric and charges beyond it.
type PlanMetric struct {
	Metric   Metric
	Included int64 // whole units included each month
	// OveragePerUnit is the price of each unit beyond Included, in minor
	// units (fractions allowed: 1.5 is a cent and a half).
	OveragePerUnit float64
	StripePriceID  string
}

// Metric returns the plan's terms for m, or false when it does not bill m.
func (p Plan) Metric(m Metric) (PlanMetric, bool) {
	for _, pm := range p.Metrics {
		if pm.Metric == m {
			return pm, true
		}
	}
	return PlanMetric{}, false
}

// Subscription is a workspace's platform plan as Stripe last reported it.
type Subscription struct {
	Plan        Plan
	Status      string // Stripe's word: active, past_due, canceled, incomplete…
	PeriodStart time.Time
	PeriodEnd   time.Time
	// CustomerID and SubscriptionID are on the platform's Stripe account.
	CustomerID     string
	SubscriptionID string
	UpdatedAt      time.Time
}

// validKey checks an idempotency key: 1 to 200 printable ASCII characters.
func validKey(k string) error {
	if k == "" || len(k) > 200 {
		return errs.InvalidField("idempotencyKey", "an idempotency key is 1 to 200 characters")
	}
	for _, r := range k {
		if r < 0x21 || r > 0x7e {
			return errs.InvalidField("idempotencyKey", "an idempotency key is printable ASCII without spaces")
		}
	}
	return nil
}
