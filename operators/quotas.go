package operators

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/operators/internal/operatorsql"
	"github.com/marquee-ott/marquee/tenants"
)

// Service implements tenants.Quotas.
var _ tenants.Quotas = (*Service)(nil)

// tenantPrefix is where a tenant's blobs live; its storage usage is what is
// under it. Exports live elsewhere (exports/), so they outlive a deletion
// and count against nobody's quota.
func tenantPrefix(id tenants.ID) string { return "tenants/" + id.String() + "/" }

// StorageUsed sums the sizes of the tenant's blobs, listed now. It costs a
// listing of the tenant's prefix; metering will keep a running total in
// usage_counters when uploads are many.
func (s *Service) StorageUsed(ctx context.Context, tenant tenants.ID) (int64, error) {
	var total int64
	it := s.Blobs.List(&blob.ListOptions{Prefix: tenantPrefix(tenant)})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return total, nil
		} else if err != nil {
			return 0, errs.Unavailable(err, "could not list the tenant's storage")
		}
		if !obj.IsDir {
			total += obj.Size
		}
	}
}

// AllowStorage refuses storing size bytes at key, replacing what is there,
// when that takes the tenant over its storage quota. Upload paths call it
// (through tenants.Quotas) before they take the upload, with the size the
// client declared; no quota costs one small read.
func (s *Service) AllowStorage(ctx context.Context, tenant tenants.ID, key string, size int64) error {
	var quota *int64
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		q, err := operatorsql.New(tx).GetQuotas(ctx, tenant)
		if db.IsNoRows(err) {
			return nil
		}
		quota = q.StorageBytes
		return err
	})
	if err != nil || quota == nil {
		return err
	}
	used, err := s.StorageUsed(ctx, tenant)
	if err != nil {
		return err
	}
	if attrs, err := s.Blobs.Attributes(ctx, key); err == nil {
		used -= attrs.Size // replaced, not added
	} else if !isNotFound(err) {
		return errs.Unavailable(err, "could not read the tenant's storage")
	}
	if used+size > *quota {
		return errs.Conflict("this would take the workspace over its storage quota (%s used of %s, this is %s): ask the platform operator for more",
			bytesText(max(used, 0)), bytesText(*quota), bytesText(size))
	}
	return nil
}

// AllowSeats refuses adding seats to a team (staff plus pending invitations)
// over the seat quota. It takes the tenant's seat lock in tx first, so seat
// checks of one tenant run one at a time until tx ends.
func (s *Service) AllowSeats(ctx context.Context, tx db.Tx, tenant tenants.ID, adding int) error {
	q := operatorsql.New(tx)
	quota, err := q.GetQuotas(ctx, tenant)
	if db.IsNoRows(err) || (err == nil && quota.Seats == nil) {
		return nil
	} else if err != nil {
		return err
	}
	if err := q.LockSeats(ctx, tenant); err != nil {
		return err
	}
	seats, err := q.CountSeats(ctx, operatorsql.CountSeatsParams{TenantID: tenant, Now: s.now()})
	if err != nil {
		return err
	}
	if int(seats)+adding > int(*quota.Seats) {
		return errs.Conflict("the team has all %d of its seats (members and pending invitations): remove someone, withdraw an invitation or ask the platform operator for more", *quota.Seats)
	}
	return nil
}

var metricRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// AddUsage adds amount to a tenant's usage counter for metric in the month
// of at, inside the caller's tenant transaction, so the usage commits with
// the work it measures. Metrics count whole units (MetricEncodedSeconds,
// MetricStreamedSeconds).
func AddUsage(ctx context.Context, tx db.Tx, tenant tenants.ID, metric string, at time.Time, amount int64) error {
	if !metricRe.MatchString(metric) {
		return errs.Internal(fmt.Errorf("operators.AddUsage: bad metric %q", metric))
	}
	err := operatorsql.New(tx).AddUsage(ctx, operatorsql.AddUsageParams{TenantID: tenant, Metric: metric, At: at.UTC(), Amount: amount})
	if err != nil {
		return fmt.Errorf("operators.AddUsage %s: %w", metric, err)
	}
	return nil
}

// bytesText says a size the way people read it: 1.5 MiB.
func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func isNotFound(err error) bool { return gcerrors.Code(err) == gcerrors.NotFound }
