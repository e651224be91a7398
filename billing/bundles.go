package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// Bundle is a set of titles sold together for rent or buy. Its content is a
// catalog collection, hand-picked or rule-based: the titles are the
// collection's at the moment an entitlement is checked, so a rule-based
// bundle grows with the catalogue. One purchase is one entitlement of scope
// collections naming the bundle's collection.
type Bundle struct {
	ID          uuid.UUID
	Name        string
	Description string
	Collection  uuid.UUID
	RetiredAt   *time.Time
	// Offers are the active rent and buy prices.
	Offers    []BundleOffer
	CreatedAt time.Time
	UpdatedAt time.Time
}

// BundleOffer is a bundle's rent or buy price in one currency.
type BundleOffer struct {
	ID                 uuid.UUID
	Bundle             uuid.UUID
	Kind               OfferKind
	Currency           string
	Amount             int64
	RentalHours        *int
	PurchaseWindowDays int
}

// BundleOfferInput is one price of a bundle.
type BundleOfferInput struct {
	Kind               OfferKind
	Currency           string
	Amount             int64
	RentalHours        *int
	PurchaseWindowDays *int // default 30
}

// BundleInput makes a bundle.
type BundleInput struct {
	Name        string
	Description string
	Collection  uuid.UUID
	Offers      []BundleOfferInput
}

// BundleUpdate changes a bundle; nil fields stay. Offers, when given,
// replace every price (prices left out stop selling; entitlements already
// bought stand).
type BundleUpdate struct {
	Name        *string
	Description *string
	Collection  *uuid.UUID
	Offers      *[]BundleOfferInput
}

func validateBundleOffers(offers []BundleOfferInput) error {
	if len(offers) == 0 {
		return errs.InvalidField("offers", "a bundle needs at least one rent or buy price")
	}
	seen := map[string]bool{}
	for i := range offers {
		o := OfferInput{Kind: offers[i].Kind, Currency: offers[i].Currency, Amount: offers[i].Amount,
			RentalHours: offers[i].RentalHours, PurchaseWindowDays: offers[i].PurchaseWindowDays}
		if err := o.Validate(); err != nil {
			return err
		}
		offers[i].Currency, offers[i].RentalHours = o.Currency, o.RentalHours
		k := string(o.Kind) + "/" + o.Currency
		if seen[k] {
			return errs.InvalidField("offers", "two %s prices in %s", o.Kind, strings.ToUpper(o.Currency))
		}
		seen[k] = true
	}
	return nil
}

func validateBundleText(name, description string) error {
	if n := len(strings.TrimSpace(name)); n == 0 || len(name) > 100 {
		return errs.InvalidField("name", "a bundle's name is 1 to 100 characters")
	}
	if len(description) > 2000 {
		return errs.InvalidField("description", "the description is at most 2000 characters")
	}
	return nil
}

// Validate checks a new bundle's shape.
func (in *BundleInput) Validate() error {
	in.Name = strings.TrimSpace(in.Name)
	if err := validateBundleText(in.Name, in.Description); err != nil {
		return err
	}
	if in.Collection == uuid.Nil {
		return errs.InvalidField("collectionId", "name the collection the bundle sells")
	}
	return validateBundleOffers(in.Offers)
}

// checkBundleCollection refuses a collection of another tenant (NotFound)
// or one holding no titles now (Invalid).
func checkBundleCollection(ctx context.Context, q *billingsql.Queries, tenant, collection uuid.UUID) error {
	n, err := q.CollectionTitleCount(ctx, billingsql.CollectionTitleCountParams{TenantID: tenant, ID: collection})
	if db.IsNoRows(err) {
		return errs.NotFound("no such collection")
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.InvalidField("collectionId", "the collection holds no titles: a bundle sells at least one")
	}
	return nil
}

func writeBundleOffers(ctx context.Context, q *billingsql.Queries, tenant, bundle uuid.UUID, offers []BundleOfferInput, now time.Time) error {
	if err := q.DeactivateBundleOffers(ctx, billingsql.DeactivateBundleOffersParams{TenantID: tenant, BundleID: bundle, Now: now}); err != nil {
		return err
	}
	for _, o := range offers {
		window := int32(30)
		if o.PurchaseWindowDays != nil {
			window = int32(*o.PurchaseWindowDays)
		}
		var hours *int32
		if o.RentalHours != nil {
			h := int32(*o.RentalHours)
			hours = &h
		}
		if _, err := q.UpsertBundleOffer(ctx, billingsql.UpsertBundleOfferParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			BundleID: bundle, Kind: string(o.Kind), Currency: o.Currency, Amount: o.Amount, RentalHours: hours,
			PurchaseWindowDays: window, Now: now}); err != nil {
			return err
		}
	}
	return nil
}

func bundleOfferOut(r billingsql.BundleOffer) BundleOffer {
	o := BundleOffer{ID: r.ID, Bundle: r.BundleID, Kind: OfferKind(r.Kind), Currency: r.Currency, Amount: r.Amount,
		PurchaseWindowDays: int(r.PurchaseWindowDays)}
	if r.RentalHours != nil {
		h := int(*r.RentalHours)
		o.RentalHours = &h
	}
	return o
}

// bundlesOut maps rows to bundles with their active offers.
func bundlesOut(ctx context.Context, q *billingsql.Queries, tenant uuid.UUID, rows []billingsql.Bundle) ([]Bundle, error) {
	out := make([]Bundle, 0, len(rows))
	ids := make([]uuid.UUID, 0, len(rows))
	for _, r := range rows {
		out = append(out, Bundle{ID: r.ID, Name: r.Name, Description: r.Description, Collection: r.CollectionID,
			RetiredAt: utcp(r.RetiredAt), Offers: []BundleOffer{}, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()})
		ids = append(ids, r.ID)
	}
	offers, err := q.ListBundleOffers(ctx, billingsql.ListBundleOffersParams{TenantID: tenant, BundleIds: ids})
	if err != nil {
		return nil, err
	}
	for _, o := range offers {
		i := slices.IndexFunc(out, func(b Bundle) bool { return b.ID == o.BundleID })
		out[i].Offers = append(out[i].Offers, bundleOfferOut(o))
	}
	return out, nil
}

func (s *Service) readBundle(ctx context.Context, q *billingsql.Queries, tenant, id uuid.UUID) (Bundle, error) {
	r, err := q.GetBundle(ctx, billingsql.GetBundleParams{TenantID: tenant, ID: id})
	if db.IsNoRows(err) {
		return Bundle{}, errs.NotFound("no such bundle")
	}
	if err != nil {
		return Bundle{}, err
	}
	bs, err := bundlesOut(ctx, q, tenant, []billingsql.Bundle{r})
	if err != nil {
		return Bundle{}, err
	}
	return bs[0], nil
}

// CreateBundle makes a bundle selling a collection's titles at the given
// prices (audited). Another tenant's collection is NotFound; an empty
// collection is Invalid.
func (s *Service) CreateBundle(ctx context.Context, tenant tenants.ID, in BundleInput) (Bundle, error) {
	if err := in.Validate(); err != nil {
		return Bundle{}, err
	}
	var out Bundle
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		if err := checkBundleCollection(ctx, q, tenant, in.Collection); err != nil {
			return err
		}
		now := s.now()
		id := uuid.Must(uuid.NewV7())
		if _, err := q.InsertBundle(ctx, billingsql.InsertBundleParams{TenantID: tenant, ID: id, Name: in.Name,
			Description: in.Description, CollectionID: in.Collection, Now: now}); err != nil {
			return err
		}
		if err := writeBundleOffers(ctx, q, tenant, id, in.Offers, now); err != nil {
			return err
		}
		var err error
		if out, err = s.readBundle(ctx, q, tenant, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "billing.bundle_created", "bundle", id.String(),
			map[string]any{"name": in.Name, "collection": in.Collection.String(), "offers": len(in.Offers)})
	})
	if err != nil {
		return Bundle{}, fmt.Errorf("billing.CreateBundle: %w", err)
	}
	return out, nil
}

// UpdateBundle changes a bundle (audited). A retired bundle is a Conflict.
func (s *Service) UpdateBundle(ctx context.Context, tenant tenants.ID, id uuid.UUID, up BundleUpdate) (Bundle, error) {
	if up.Offers != nil {
		if err := validateBundleOffers(*up.Offers); err != nil {
			return Bundle{}, err
		}
	}
	var out Bundle
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		r, err := q.LockBundle(ctx, billingsql.LockBundleParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no such bundle")
		}
		if err != nil {
			return err
		}
		if r.RetiredAt != nil {
			return errs.Conflict("this bundle is retired")
		}
		if up.Name != nil {
			r.Name = strings.TrimSpace(*up.Name)
		}
		if up.Description != nil {
			r.Description = *up.Description
		}
		if err := validateBundleText(r.Name, r.Description); err != nil {
			return err
		}
		if up.Collection != nil {
			if err := checkBundleCollection(ctx, q, tenant, *up.Collection); err != nil {
				return err
			}
			r.CollectionID = *up.Collection
		}
		now := s.now()
		if _, err := q.UpdateBundle(ctx, billingsql.UpdateBundleParams{TenantID: tenant, ID: id, Name: r.Name,
			Description: r.Description, CollectionID: r.CollectionID, Now: now}); err != nil {
			return err
		}
		if up.Offers != nil {
			if err := writeBundleOffers(ctx, q, tenant, id, *up.Offers, now); err != nil {
				return err
			}
		}
		if out, err = s.readBundle(ctx, q, tenant, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "billing.bundle_updated", "bundle", id.String(), map[string]any{"name": r.Name})
	})
	if err != nil {
		return Bundle{}, fmt.Errorf("billing.UpdateBundle %s: %w", id, err)
	}
	return out, nil
}

// RetireBundle stops selling a bundle (audited); what was bought stands.
func (s *Service) RetireBundle(ctx context.Context, tenant tenants.ID, id uuid.UUID) (Bundle, error) {
	var out Bundle
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		now := s.now()
		_, err := q.RetireBundle(ctx, billingsql.RetireBundleParams{TenantID: tenant, ID: id, Now: now})
		if db.IsNoRows(err) {
			return errs.NotFound("no such bundle")
		}
		if err != nil {
			return err
		}
		if err := q.DeactivateBundleOffers(ctx, billingsql.DeactivateBundleOffersParams{TenantID: tenant, BundleID: id, Now: now}); err != nil {
			return err
		}
		if out, err = s.readBundle(ctx, q, tenant, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, now, "billing.bundle_retired", "bundle", id.String(), nil)
	})
	if err != nil {
		return Bundle{}, fmt.Errorf("billing.RetireBundle %s: %w", id, err)
	}
	return out, nil
}

// GetBundle returns a bundle with its active prices; another tenant's is NotFound.
func (s *Service) GetBundle(ctx context.Context, tenant tenants.ID, id uuid.UUID) (Bundle, error) {
	var out Bundle
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		out, err = s.readBundle(ctx, billingsql.New(q), tenant, id)
		return err
	})
	if err != nil {
		return Bundle{}, fmt.Errorf("billing.GetBundle %s: %w", id, err)
	}
	return out, nil
}

// BundleTitleCount is how many titles the bundle's collection holds now (a
// rule-based collection's rule evaluated now), as a purchase counts them.
func (s *Service) BundleTitleCount(ctx context.Context, tenant tenants.ID, b Bundle) (int, error) {
	var n int32
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		n, err = billingsql.New(q).CollectionTitleCount(ctx, billingsql.CollectionTitleCountParams{TenantID: tenant, ID: b.Collection})
		if db.IsNoRows(err) {
			n, err = 0, nil
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("billing.BundleTitleCount %s: %w", b.ID, err)
	}
	return int(n), nil
}

// Bundles lists the workspace's bundles, oldest first; activeOnly leaves
// retired ones out.
func (s *Service) Bundles(ctx context.Context, tenant tenants.ID, activeOnly bool) ([]Bundle, error) {
	var out []Bundle
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		rows, err := bq.ListBundles(ctx, billingsql.ListBundlesParams{TenantID: tenant, ActiveOnly: activeOnly})
		if err != nil {
			return err
		}
		out, err = bundlesOut(ctx, bq, tenant, rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("billing.Bundles: %w", err)
	}
	return out, nil
}

// BundlesOfTitle lists the active bundles holding a title now.
func (s *Service) BundlesOfTitle(ctx context.Context, tenant tenants.ID, title uuid.UUID) ([]Bundle, error) {
	var out []Bundle
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		rows, err := bq.BundlesOfTitle(ctx, billingsql.BundlesOfTitleParams{TenantID: tenant, TitleID: title})
		if err != nil {
			return err
		}
		out, err = bundlesOut(ctx, bq, tenant, rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("billing.BundlesOfTitle: %w", err)
	}
	return out, nil
}

// BundlePurchaseInput rents or buys a bundle in a currency.
type BundlePurchaseInput struct {
	Viewer                uuid.UUID
	Bundle                uuid.UUID
	Kind                  OfferKind
	Currency              string
	SuccessURL, CancelURL string
}

// PurchaseBundle opens a Stripe Checkout session in payment mode for a
// bundle's rent or buy price in a currency, on the tenant's connected
// account with the platform's fee, like a title's. A currency the bundle is
// not sold in, or another than the one the viewer already pays in, is
// Invalid; a retired bundle or another tenant's is NotFound; a bundle whose
// collection holds no titles now is a Conflict.
func (s *Service) PurchaseBundle(ctx context.Context, tenant tenants.ID, in BundlePurchaseInput) (CheckoutSession, error) {
	in.Currency = strings.ToLower(strings.TrimSpace(in.Currency))
	if in.Kind != Rent && in.Kind != Buy {
		return CheckoutSession{}, errs.InvalidField("mode", "rent or buy")
	}
	success, cancel, acct, err := s.sellingAccount(ctx, tenant, in.SuccessURL, in.CancelURL)
	if err != nil {
		return CheckoutSession{}, err
	}
	var b Bundle
	var customer *billingsql.BillingCustomer
	err = s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		var err error
		if b, err = s.readBundle(ctx, bq, tenant, in.Bundle); err != nil {
			return err
		}
		if b.RetiredAt != nil {
			return errs.NotFound("no such bundle")
		}
		n, err := bq.CollectionTitleCount(ctx, billingsql.CollectionTitleCountParams{TenantID: tenant, ID: b.Collection})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.Conflict("this bundle holds no titles right now")
		}
		customer, err = getCustomer(ctx, bq, tenant, in.Viewer)
		return err
	})
	if err != nil {
		return CheckoutSession{}, fmt.Errorf("billing.PurchaseBundle: %w", err)
	}
	var offer *BundleOffer
	var currencies []string
	for i, o := range b.Offers {
		if o.Kind == in.Kind {
			currencies = append(currencies, strings.ToUpper(o.Currency))
			if o.Currency == in.Currency {
				offer = &b.Offers[i]
			}
		}
	}
	if offer == nil {
		if len(currencies) == 0 {
			return CheckoutSession{}, errs.InvalidField("mode", "this bundle is not sold to %s", in.Kind)
		}
		return CheckoutSession{}, errs.InvalidField("currency", "this bundle is not sold in %q; it is sold in %s",
			strings.ToUpper(in.Currency), strings.Join(currencies, ", "))
	}
	if err := sameCurrency(customer, offer.Currency); err != nil {
		return CheckoutSession{}, err
	}
	name := b.Name + " — purchase"
	if offer.Kind == Rent {
		name = fmt.Sprintf("%s — %d-hour rental", b.Name, *offer.RentalHours)
	}
	meta := map[string]string{metaTenant: tenant.String(), metaViewer: in.Viewer.String(), metaBundleOffer: offer.ID.String()}
	return s.paymentCheckout(acct, in.Viewer, customer, offer.Currency, offer.Amount, name, meta, success, cancel, "billing.PurchaseBundle")
}

const (
	metaBundleOffer = "marquee_bundle_offer"
	metaEventOffer  = "marquee_event_offer"
)

func getCustomer(ctx context.Context, q *billingsql.Queries, tenant, viewer uuid.UUID) (*billingsql.BillingCustomer, error) {
	c, err := q.GetCustomer(ctx, billingsql.GetCustomerParams{TenantID: tenant, ViewerID: viewer})
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// sameCurrency refuses a price in another currency than the one the
// viewer's Stripe customer already pays in (Stripe keeps a customer to one).
func sameCurrency(c *billingsql.BillingCustomer, currency string) error {
	if c != nil && c.Currency != "" && c.Currency != currency {
		return errs.InvalidField("currency", "you already pay in %s: choose a %s price",
			strings.ToUpper(c.Currency), strings.ToUpper(c.Currency))
	}
	return nil
}

// paymentCheckout opens a Checkout session in payment mode on the connected
// account, the platform's fee as the application fee amount.
func (s *Service) paymentCheckout(acct *Account, viewer uuid.UUID, customer *billingsql.BillingCustomer, currency string, amount int64,
	name string, meta map[string]string, success, cancel, op string) (CheckoutSession, error) {
	fee := int64(math.Round(float64(amount) * s.FeePercent / 100))
	params := &stripe.CheckoutSessionParams{Params: onAccount(acct.ID),
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		ClientReferenceID: stripe.String(viewer.String()),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{Quantity: stripe.Int64(1), PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
			Currency: stripe.String(currency), UnitAmount: stripe.Int64(amount),
			TaxBehavior: stripe.String(string(stripe.PriceTaxBehaviorExclusive)),
			ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String(name)}}}},
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{ApplicationFeeAmount: stripe.Int64(fee), Metadata: meta},
		SuccessURL:        stripe.String(success),
		CancelURL:         stripe.String(cancel),
		Metadata:          meta,
	}
	if customer != nil {
		params.Customer = stripe.String(customer.StripeCustomerID)
	}
	if acct.AutomaticTax {
		params.AutomaticTax = &stripe.CheckoutSessionAutomaticTaxParams{Enabled: stripe.Bool(true)}
	}
	sess, err := s.Stripe.CheckoutSessions.New(params)
	if err != nil {
		return CheckoutSession{}, stripeErr(op, err)
	}
	return CheckoutSession{ID: sess.ID, URL: sess.URL}, nil
}

// grantPaid writes the entitlement a paid Checkout session buys, revoked at
// once when the payment was refunded or disputed before this event.
func grantPaid(ctx context.Context, q *billingsql.Queries, p billingsql.UpsertEntitlementParams, revoked string) ([]uuid.UUID, error) {
	r, err := q.UpsertEntitlement(ctx, p)
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if revoked != "" {
		if _, err := q.RevokeEntitlement(ctx, billingsql.RevokeEntitlementParams{TenantID: p.TenantID, ID: r.ID, Reason: revoked, Now: p.Now}); err != nil && !db.IsNoRows(err) {
			return nil, err
		}
	}
	return []uuid.UUID{p.ViewerID}, nil
}

// bundleGrant is the change a paid bundle session makes: one entitlement
// covering the bundle's collection (every title it holds when checked).
func bundleGrant(tenant, viewer, offerID uuid.UUID, sess, pi, revoked string) change {
	return func(ctx context.Context, q *billingsql.Queries, now time.Time) ([]uuid.UUID, error) {
		o, err := q.GetBundleOffer(ctx, billingsql.GetBundleOfferParams{TenantID: tenant, ID: offerID})
		if db.IsNoRows(err) {
			return nil, nil // the price was withdrawn meanwhile; support refunds it
		}
		if err != nil {
			return nil, err
		}
		b, err := q.GetBundle(ctx, billingsql.GetBundleParams{TenantID: tenant, ID: o.BundleID})
		if err != nil {
			return nil, err
		}
		kind, ends := KindTVODBuy, (*time.Time)(nil)
		if o.Kind == string(Rent) {
			kind = KindTVODRent
			e := now.Add(time.Duration(o.PurchaseWindowDays) * 24 * time.Hour)
			ends = &e
		}
		verification, _ := json.Marshal(map[string]any{"checkout_session": sess, "payment_intent": pi, "amount": o.Amount,
			"currency": o.Currency, "bundle": b.ID, "bundle_offer": o.ID, "checked_at": now})
		return grantPaid(ctx, q, billingsql.UpsertEntitlementParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			ViewerID: viewer, Source: string(SourceStripe), ExternalID: pi, Verification: verification, Kind: string(kind),
			Scope: string(ScopeCollections), CollectionIds: []uuid.UUID{b.CollectionID}, Status: "paid", StartsAt: now,
			EndsAt: ends, RentalHours: o.RentalHours, Now: now}, revoked)
	}
}
