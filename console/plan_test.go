package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/platformbilling"
)

// The owner sees no plan yet, chooses one on the Plan & usage page (the
// choice is stored), sees this month's usage per metric against the plan's
// included units with its estimate, and Marquee's invoices with links; an
// editor sees the plan and usage but no way to change the plan and no
// invoices.
func TestPlanAndUsagePage(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	ctx := context.Background()
	p, err := m.PlatformBilling.DefinePlan(ctx, platformbilling.PlanInput{Name: "Growth " + suffix(), Currency: "usd", MonthlyAmount: 4900,
		Metrics: []platformbilling.PlanMetricInput{{Metric: platformbilling.EncodedMinutes, Included: 100, OveragePerUnit: 1.5},
			{Metric: platformbilling.StreamedHours, Included: 50, OveragePerUnit: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.PlatformBilling.Record(ctx, uuid.MustParse(tn.ID), platformbilling.EncodedMinutes, 130, "console-enc"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)

	b.open("#/plan")
	b.wait("the page", `document.getElementById('platform-plan')?.dataset.loaded === 'true' && document.getElementById('usage-list')?.dataset.loaded === 'true' && document.getElementById('invoice-list')?.dataset.loaded === 'true'`)
	b.labelled()
	b.noBanner()
	if !eval[bool](b, `!!document.getElementById('platform-plan-none')`) {
		t.Fatal("a new workspace shows a plan")
	}
	b.click("choose-" + p.ID.String())
	b.wait("the plan chosen", `document.getElementById('platform-plan-name')?.textContent.startsWith('Growth')`)
	b.noBanner()
	d := tn.Owner.Must(t, `{ workspacePlatformPlan { plan { id } } }`, nil)
	if platformtest.Str(d, "workspacePlatformPlan", "plan", "id") != p.ID.String() {
		t.Fatalf("stored = %v", d)
	}
	b.wait("the estimate", `document.getElementById('usage-total').textContent.includes('49.45 USD')`)
	if got := b.text("usage-ENCODED_MINUTES"); !strings.Contains(got, "130 minutes") || !strings.Contains(got, "100") || !strings.Contains(got, "0.45 USD") {
		t.Errorf("usage row = %q", got)
	}
	if !eval[bool](b, `document.querySelector('#usage-ENCODED_MINUTES progress').value === 130`) {
		t.Error("no usage bar")
	}
	b.wait("an invoice", `document.querySelectorAll('#invoice-list tr[id^="invoice-in_"]').length > 0`)

	email := "ed-" + suffix() + "@" + tn.Slug + ".example.com"
	platformtest.AddStaff(t, m, tn, email, "EDITOR")
	ed := newBrowser(t)
	signIn(ed, m.URL(), tn.Slug, email)
	ed.open("#/plan")
	ed.wait("the plan", `document.getElementById('platform-plan-name')?.textContent.startsWith('Growth') && document.getElementById('usage-list')?.dataset.loaded === 'true'`)
	if eval[bool](ed, `!!document.querySelector('[id^="choose-"]') || !!document.getElementById('invoice-card')`) {
		t.Error("an editor can change the plan or read invoices")
	}
}
