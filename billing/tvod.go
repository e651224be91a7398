package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/marquee-ott/marquee/audit"
	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// Titles reads a title for the name Checkout shows (catalog.Service).
type Titles interface {
	GetTitle(ctx context.Context, tenant catalog.TenantID, id catalog.TitleID) (catalog.Title, error)
}

// OfferKind is rent or buy.
type OfferKind string

// The TVOD offers.
const (
	Rent OfferKind = "rent"
	Buy  OfferKind = "buy"
)

// Offer is a title's rent or buy price in one currency.
type Offer struct {
	ID       uuid.UUID
	Title    uuid.UUID
	Kind     OfferKind
	Currency string
	Amount   int64 // minor units
	// RentalHours is a rental's viewing window from first play;
	// PurchaseWindowDays how long after paying the first play may start.
	RentalHours        *int
	PurchaseWindowDays int
}

// OfferInput sets a title's rent or buy price in a currency.
type OfferInput struct {
	Title              uuid.UUID
	Kind               OfferKind
	Currency           string
	Amount             int64
	RentalHours        *int
	PurchaseWindowDays *int // default 30
}

// Validate checks an offer and normalizes its currency.
func (in *OfferInput) Validate() error {
	in.Currency = strings.ToLower(strings.TrimSpace(in.Currency))
	if len(in.Currency) != 3 || strings.Trim(in.Currency, "abcdefghijklmnopqrstuvwxyz") != "" {
		return errs.InvalidField("currency", "%q is not an ISO 4217 currency code", in.Currency)
	}
	if in.Amount <= 0 || in.Amount > 99_999_999 {
		return errs.InvalidField("amount", "an amount is 1 to 99999999 minor units")
	}
	switch in.Kind {
	case Rent:
		if in.RentalHours == nil || *in.RentalHours < 1 || *in.RentalHours > 8760 {
			return errs.InvalidField("rentalHours", "a rental's viewing window is 1 to 8760 hours")
		}
	case Buy:
		in.RentalHours = nil
	default:
		return errs.InvalidField("kind", "an offer is rent or buy")
	}
	if in.PurchaseWindowDays != nil && (*in.PurchaseWindowDays < 1 || *in.PurchaseWindowDays > 3650) {
		return errs.InvalidField("purchaseWindowDays", "the purchase window is 1 to 3650 days")
	}
	return nil
}

func offerOut(r billingsql.TitleOffer) Offer {
	o := Offer{ID: r.ID, Title: r.TitleID, Kind: OfferKind(r.Kind), Currency: r.Currency, Amount: r.Amount,
		PurchaseWindowDays: int(r.PurchaseWindowDays)}
	if r.RentalHours != nil {
		h := int(*r.RentalHours)
		o.RentalHours = &h
	}
	return o
}

// SetTitleOffer sets (or replaces) a title's rent or buy price in a
// currency (audited). Another tenant's title is NotFound.
func (s *Service) SetTitleOffer(ctx context.Context, tenant tenants.ID, in OfferInput) (Offer, error) {
	if err := in.Validate(); err != nil {
		return Offer{}, err
	}
	window := int32(30)
	if in.PurchaseWindowDays != nil {
		window = int32(*in.PurchaseWindowDays)
	}
	var hours *int32
	if in.RentalHours != nil {
		h := int32(*in.RentalHours)
		hours = &h
	}
	var out Offer
	err := s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		q := billingsql.New(tx)
		ok, err := q.TitleExists(ctx, billingsql.TitleExistsParams{TenantID: tenant, ID: in.Title})
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFound("no such title")
		}
		now := s.now()
		r, err := q.UpsertTitleOffer(ctx, billingsql.UpsertTitleOfferParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			TitleID: in.Title, Kind: string(in.Kind), Currency: in.Currency, Amount: in.Amount, RentalHours: hours,
			PurchaseWindowDays: window, Now: now})
		if err != nil {
			return err
		}
		out = offerOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.title_offer_set", "title", in.Title.String(),
			map[string]any{"kind": string(in.Kind), "currency": in.Currency, "amount": in.Amount})
	})
	if err != nil {
		return Offer{}, fmt.Errorf("billing.SetTitleOffer: %w", err)
	}
	return out, nil
}

// TitleOffers lists a title's active rent and buy prices.
func (s *Service) TitleOffers(ctx context.Context, tenant tenants.ID, title uuid.UUID) ([]Offer, error) {
	out := []Offer{}
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		rows, err := billingsql.New(q).ListTitleOffers(ctx, billingsql.ListTitleOffersParams{TenantID: tenant, TitleID: title})
		for _, r := range rows {
			out = append(out, offerOut(r))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("billing.TitleOffers: %w", err)
	}
	return out, nil
}

// PurchaseInput rents or buys a title.
type PurchaseInput struct {
	Viewer                uuid.UUID
	Offer                 uuid.UUID
	SuccessURL, CancelURL string
}

// Purchase opens a Stripe Checkout session in payment mode for a title's
// rent or buy offer, on the tenant's connected account, the platform's fee
// as the application fee amount. The entitlement comes with
// checkout.session.completed.
func (s *Service) Purchase(ctx context.Context, tenant tenants.ID, in PurchaseInput) (CheckoutSession, error) {
	success, cancel, acct, err := s.sellingAccount(ctx, tenant, in.SuccessURL, in.CancelURL)
	if err != nil {
		return CheckoutSession{}, err
	}
	var offer billingsql.TitleOffer
	var customer string
	err = s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		bq := billingsql.New(q)
		var err error
		offer, err = bq.GetTitleOffer(ctx, billingsql.GetTitleOfferParams{TenantID: tenant, ID: in.Offer})
		if db.IsNoRows(err) {
			return errs.NotFound("no such offer")
		}
		if err != nil {
			return err
		}
		c, err := bq.GetCustomer(ctx, billingsql.GetCustomerParams{TenantID: tenant, ViewerID: in.Viewer})
		if err == nil {
			customer = c.StripeCustomerID
		} else if !db.IsNoRows(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return CheckoutSession{}, fmt.Errorf("billing.Purchase: %w", err)
	}
	name := "Purchase"
	if offer.Kind == string(Rent) {
		name = fmt.Sprintf("%d-hour rental", *offer.RentalHours)
	}
	if s.Titles != nil {
		if t, err := s.Titles.GetTitle(ctx, tenant, offer.TitleID); err == nil {
			name = t.DisplayTitle() + " — " + name
		}
	}
	fee := int64(math.Round(float64(offer.Amount) * s.FeePercent / 100))
	meta := map[string]string{metaTenant: tenant.String(), metaViewer: in.Viewer.String(), "marquee_offer": offer.ID.String()}
	params := &stripe.CheckoutSessionParams{Params: onAccount(acct.ID),
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		ClientReferenceID: stripe.String(in.Viewer.String()),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{Quantity: stripe.Int64(1), PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
			Currency: stripe.String(offer.Currency), UnitAmount: stripe.Int64(offer.Amount),
			TaxBehavior: stripe.String(string(stripe.PriceTaxBehaviorExclusive)),
			ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String(name)}}}},
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{ApplicationFeeAmount: stripe.Int64(fee), Metadata: meta},
		SuccessURL:        stripe.String(success),
		CancelURL:         stripe.String(cancel),
		Metadata:          meta,
	}
	if customer != "" {
		params.Customer = stripe.String(customer)
	}
	if acct.AutomaticTax {
		params.AutomaticTax = &stripe.CheckoutSessionAutomaticTaxParams{Enabled: stripe.Bool(true)}
	}
	sess, err := s.Stripe.CheckoutSessions.New(params)
	if err != nil {
		return CheckoutSession{}, stripeErr("billing.Purchase", err)
	}
	return CheckoutSession{ID: sess.ID, URL: sess.URL}, nil
}

// purchaseChange grants a paid rental or purchase (checkout.session.completed
// in payment mode). The payment is refetched: a refund or dispute that
// arrived before this event leaves the entitlement revoked.
func (s *Service) purchaseChange(ctx context.Context, tenant uuid.UUID, acct string, sess *stripe.CheckoutSession) (change, error) {
	if sess.Mode != stripe.CheckoutSessionModePayment || sess.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid ||
		sess.PaymentIntent == nil || sess.Metadata[metaTenant] != tenant.String() {
		return nil, nil
	}
	viewer, err1 := uuid.Parse(sess.Metadata[metaViewer])
	offerID, err2 := uuid.Parse(sess.Metadata["marquee_offer"])
	bundleOffer, err3 := uuid.Parse(sess.Metadata[metaBundleOffer])
	eventOffer, err4 := uuid.Parse(sess.Metadata[metaEventOffer])
	if err1 != nil || (err2 != nil && err3 != nil && err4 != nil) {
		return nil, nil
	}
	pp := &stripe.PaymentIntentParams{Params: onAccount(acct)}
	pp.AddExpand("latest_charge")
	pi, err := s.Stripe.PaymentIntents.Get(sess.PaymentIntent.ID, pp)
	if err != nil {
		return nil, stripeErr("refetch payment "+sess.PaymentIntent.ID, err)
	}
	revoked := ""
	if c := pi.LatestCharge; c != nil && c.Refunded {
		revoked = "refunded"
	} else if c != nil && c.Disputed {
		revoked = "disputed"
	}
	switch {
	case err3 == nil:
		return bundleGrant(tenant, viewer, bundleOffer, sess.ID, pi.ID, revoked), nil
	case err4 == nil:
		return eventGrant(tenant, viewer, eventOffer, sess.ID, pi.ID, revoked), nil
	}
	return func(ctx context.Context, q *billingsql.Queries, now time.Time) ([]uuid.UUID, error) {
		offer, err := q.GetTitleOffer(ctx, billingsql.GetTitleOfferParams{TenantID: tenant, ID: offerID})
		if db.IsNoRows(err) {
			return nil, nil // the offer was withdrawn; support refunds it
		}
		if err != nil {
			return nil, err
		}
		kind, ends := KindTVODBuy, (*time.Time)(nil)
		if offer.Kind == string(Rent) {
			kind = KindTVODRent
			e := now.Add(time.Duration(offer.PurchaseWindowDays) * 24 * time.Hour)
			ends = &e
		}
		verification, _ := json.Marshal(map[string]any{"checkout_session": sess.ID, "payment_intent": pi.ID,
			"amount": offer.Amount, "currency": offer.Currency, "offer": offer.ID, "checked_at": now})
		title := offer.TitleID
		r, err := q.UpsertEntitlement(ctx, billingsql.UpsertEntitlementParams{TenantID: tenant, ID: uuid.Must(uuid.NewV7()),
			ViewerID: viewer, Source: string(SourceStripe), ExternalID: pi.ID, Verification: verification, Kind: string(kind),
			Scope: string(ScopeTitle), CollectionIds: []uuid.UUID{}, TitleID: &title, Status: "paid", StartsAt: now, EndsAt: ends,
			RentalHours: offer.RentalHours, Now: now})
		if db.IsNoRows(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if revoked != "" {
			if _, err := q.RevokeEntitlement(ctx, billingsql.RevokeEntitlementParams{TenantID: tenant, ID: r.ID, Reason: revoked, Now: now}); err != nil && !db.IsNoRows(err) {
				return nil, err
			}
		}
		return []uuid.UUID{viewer}, nil
	}, nil
}

// revokeChange ends the rental or purchase paid by a payment intent that
// was refunded in full or disputed. When the purchase is not recorded yet,
// nothing changes here: its checkout.session.completed refetches the payment
// and finds it refunded.
func revokeChange(tenant uuid.UUID, paymentIntent, reason string) change {
	return func(ctx context.Context, q *billingsql.Queries, now time.Time) ([]uuid.UUID, error) {
		e, err := q.GetEntitlementByExternal(ctx, billingsql.GetEntitlementByExternalParams{TenantID: tenant,
			Source: string(SourceStripe), ExternalID: paymentIntent})
		if db.IsNoRows(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if _, err := q.RevokeEntitlement(ctx, billingsql.RevokeEntitlementParams{TenantID: tenant, ID: e.ID, Reason: reason, Now: now}); err != nil && !db.IsNoRows(err) {
			return nil, err
		}
		return []uuid.UUID{e.ViewerID}, nil
	}
}

// Refund refunds a rental or purchase in full on the tenant's connected
// account (the platform's application fee refunded with it) and revokes it
// at once (support; audited). Only Stripe rentals and purchases refund
// here: subscriptions are cancelled or refunded in Stripe or the portal. A
// revoked one is a Conflict; another tenant's is NotFound. Stripe failing
// leaves the entitlement standing.
func (s *Service) Refund(ctx context.Context, tenant tenants.ID, id uuid.UUID, reason string) (Entitlement, error) {
	if reason == "" || len(reason) > 500 {
		return Entitlement{}, errs.InvalidField("reason", "give a reason of 1 to 500 characters")
	}
	var e billingsql.Entitlement
	err := s.DB.ReadTenant(ctx, tenant, func(q db.Querier) error {
		var err error
		e, err = billingsql.New(q).GetEntitlement(ctx, billingsql.GetEntitlementParams{TenantID: tenant, ID: id})
		if db.IsNoRows(err) {
			return errs.NotFound("no such entitlement")
		}
		return err
	})
	if err != nil {
		return Entitlement{}, fmt.Errorf("billing.Refund %s: %w", id, err)
	}
	if e.Source != string(SourceStripe) || (e.Kind != string(KindTVODRent) && e.Kind != string(KindTVODBuy) && e.Kind != string(KindPPV)) {
		return Entitlement{}, errs.Invalid("only rentals, purchases and pay-per-view tickets paid through Stripe refund here")
	}
	if e.RevokedAt != nil {
		return Entitlement{}, errs.Conflict("this entitlement is already revoked (%s)", e.RevokeReason)
	}
	acct, err := s.StripeAccount(ctx, tenant)
	if err != nil {
		return Entitlement{}, err
	}
	if acct == nil {
		return Entitlement{}, errs.Conflict("this workspace has no Stripe account connected")
	}
	rp := &stripe.RefundParams{Params: onAccount(acct.ID), PaymentIntent: stripe.String(e.ExternalID),
		RefundApplicationFee: stripe.Bool(true), Reason: stripe.String(string(stripe.RefundReasonRequestedByCustomer))}
	rp.SetIdempotencyKey("marquee-refund-" + id.String())
	rp.AddMetadata("marquee_entitlement", id.String())
	refund, err := s.Stripe.Refunds.New(rp)
	if err != nil {
		return Entitlement{}, stripeErr("billing.Refund", err)
	}
	var out Entitlement
	err = s.DB.InTenant(ctx, tenant, func(tx db.Tx) error {
		now := s.now()
		r, err := billingsql.New(tx).RevokeEntitlement(ctx, billingsql.RevokeEntitlementParams{TenantID: tenant, ID: id,
			Reason: "refunded: " + reason, Now: now})
		if db.IsNoRows(err) {
			return errs.Conflict("this entitlement was revoked meanwhile; the refund %s went through", refund.ID)
		}
		if err != nil {
			return err
		}
		out = entitlementOut(r)
		return audit.Record(ctx, tx, tenant, now, "billing.refunded", "entitlement", id.String(),
			map[string]any{"viewer": r.ViewerID.String(), "refund": refund.ID, "payment_intent": e.ExternalID, "reason": reason})
	})
	if err != nil {
		return Entitlement{}, fmt.Errorf("billing.Refund %s: %w", id, err)
	}
	s.forget(tenant, out.Viewer)
	return out, nil
}

// sellingAccount checks what every Checkout starts from: the viewer's
// return URLs (defaulted to the platform's) and a connected account that
// can sell, a Conflict saying why when it cannot.
func (s *Service) sellingAccount(ctx context.Context, tenant tenants.ID, successURL, cancelURL string) (success, cancel string, acct *Account, err error) {
	if success, err = backURL(successURL, s.BaseURL, "successURL"); err != nil {
		return "", "", nil, err
	}
	if cancel, err = backURL(cancelURL, s.BaseURL, "cancelURL"); err != nil {
		return "", "", nil, err
	}
	if acct, err = s.StripeAccount(ctx, tenant); err != nil {
		return "", "", nil, err
	}
	if ok, why := acct.CanSell(); !ok {
		return "", "", nil, errs.Conflict("%s", why)
	}
	return success, cancel, acct, nil
}
