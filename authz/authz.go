package authz

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	keto "github.com/ory/keto-client-go"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/ttl"
)

// Namespaces of namespaces.keto.ts.
const (
	nsTenant = "Tenant"
	nsStaff  = "Staff"
)

// requestTimeout bounds every call to Keto. A check sits on the path of every
// staff request, so a slow Keto must turn into a quick refusal, not a pile-up.
const requestTimeout = 2 * time.Second

// Role is a staff member's (or an API key's) single role in a tenant.
type Role string

// The roles of DESIGN.md's role table.
const (
	RoleOwner   Role = "owner"
	RoleAdmin   Role = "admin"
	RoleEditor  Role = "editor"
	RoleAnalyst Role = "analyst"
)

// roleRelations maps each role to its relation on Tenant in the OPL.
var roleRelations = map[Role]string{
	RoleOwner:   "owners",
	RoleAdmin:   "admins",
	RoleEditor:  "editors",
	RoleAnalyst: "analysts",
}

// Roles returns every role, most powerful first.
func Roles() []Role { return []Role{RoleOwner, RoleAdmin, RoleEditor, RoleAnalyst} }

// ParseRole reads a role name as the API spells it ("owner", "admin", ...).
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", errs.InvalidField("role", "unknown role %q: use owner, admin, editor or analyst", s)
	}
	return r, nil
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { _, ok := roleRelations[r]; return ok }

// Permission is a permit of the Tenant namespace; namespaces.keto.ts says
// which staff operations need which.
type Permission string

// The permits of namespaces.keto.ts.
const (
	PermRead          Permission = "read"
	PermReadAnalytics Permission = "read_analytics"
	PermEditContent   Permission = "edit_content"
	PermManage        Permission = "manage"
	PermAudit         Permission = "audit"
	PermOwn           Permission = "own"
)

// Permissions returns every permission, weakest first.
func Permissions() []Permission {
	return []Permission{PermRead, PermReadAnalytics, PermEditContent, PermManage, PermAudit, PermOwn}
}

// Valid reports whether p is a permit of the model.
func (p Permission) Valid() bool {
	for _, q := range Permissions() {
		if p == q {
			return true
		}
	}
	return false
}

// Client checks permits and writes role tuples in Keto.
//
// Subjects are subject sets Staff:<uuid> with an empty relation, which is what
// `Staff[]` in the OPL means; a plain subject_id with the same uuid would be a
// different subject and would match nothing. API keys act as staff-like
// principals with a role of their own, so a key's uuid goes in the same Staff
// namespace (uuids do not collide, and one namespace keeps the OPL simple).
type Client struct {
	read  *keto.APIClient
	write *keto.APIClient
	// decisions caches Keto's answers for a moment; see CacheDecisions.
	decisions ttl.Cache[decisionKey, bool]
}

type decisionKey struct {
	tenant, subject uuid.UUID
	perm            Permission
}

// New returns a client for Keto's read and write APIs.
func New(readURL, writeURL string) *Client {
	// Every staff request checks a permit: keep connections to Keto open
	// rather than pay a TCP handshake per check.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	hc := &http.Client{Timeout: requestTimeout, Transport: tr}
	return &Client{read: newAPI(readURL, hc), write: newAPI(writeURL, hc)}
}

// CacheDecisions keeps Keto's allow and deny answers for d (zero, the default,
// keeps none). A role change or removal made through this client drops the
// subject's answers at once; one made through another API process reaches this
// one within d. "Keto cannot answer" is never cached, so a cached answer is the
// only thing that can outlive Keto going down, and only for d.
func (c *Client) CacheDecisions(d time.Duration) { c.decisions.TTL = d }

func (c *Client) forget(tenant uuid.UUID, subject *uuid.UUID) {
	c.decisions.DeleteFunc(func(k decisionKey, _ bool) bool {
		return k.tenant == tenant && (subject == nil || k.subject == *subject)
	})
}

func newAPI(baseURL string, hc *http.Client) *keto.APIClient {
	cfg := keto.NewConfiguration()
	cfg.Servers = keto.ServerConfigurations{{URL: strings.TrimSuffix(baseURL, "/")}}
	cfg.HTTPClient = hc
	cfg.UserAgent = "marquee-authz"
	return keto.NewAPIClient(cfg)
}

// Check returns nil when subject holds permission p in tenant, a Forbidden
// error when it does not, and an Unavailable error when Keto cannot answer:
// it fails closed, so only a nil error allows.
func (c *Client) Check(ctx context.Context, tenant, subject uuid.UUID, p Permission) error {
	// The operation's name is only made for an error: every staff request
	// checks, and most are allowed from the cache.
	op := func() string { return fmt.Sprintf("authz.Check %s %s %s", tenant, subject, p) }
	if !p.Valid() {
		return fmt.Errorf("%s: %w", op(), errs.Internal(errors.New("unknown permission")))
	}
	if tenant == uuid.Nil || subject == uuid.Nil {
		return fmt.Errorf("%s: %w", op(), errs.Forbidden("this needs the %s permission", p))
	}
	key := decisionKey{tenant, subject, p}
	if allowed, ok := c.decisions.Get(key); ok {
		if !allowed {
			return fmt.Errorf("%s: %w", op(), errs.Forbidden("this needs the %s permission", p))
		}
		return nil
	}
	res, resp, err := c.read.PermissionApi.CheckPermission(ctx).
		Namespace(nsTenant).Object(tenant.String()).Relation(string(p)).
		SubjectSetNamespace(nsStaff).SubjectSetObject(subject.String()).SubjectSetRelation("").
		Execute()
	if err != nil {
		return ketoError(op(), resp, err)
	}
	allowed := res != nil && res.Allowed
	c.decisions.Set(key, allowed)
	if !allowed {
		return fmt.Errorf("%s: %w", op(), errs.Forbidden("this needs the %s permission", p))
	}
	return nil
}

// SetRole gives subject exactly one role in tenant, replacing any other.
// Calling it again with the same role changes nothing.
//
// It is one Keto patch, applied in one transaction, so the subject never holds
// two roles nor none. Keto applies a patch's inserts before its deletes, so the
// patch cannot delete "every role" and then insert the new one: it deletes the
// other three roles and inserts the new one only when it is not already held
// (tuples have no unique key in Keto; a blind insert would pile up duplicates).
// Two concurrent SetRole calls for one subject can still leave both roles:
// callers serialize role changes per staff member.
func (c *Client) SetRole(ctx context.Context, tenant, subject uuid.UUID, role Role) error {
	op := fmt.Sprintf("authz.SetRole %s %s %s", tenant, subject, role)
	if !role.Valid() {
		return fmt.Errorf("%s: %w", op, errs.InvalidField("role", "unknown role %q", role))
	}
	if err := checkIDs(tenant, subject); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer c.forget(tenant, &subject)
	held, err := c.holds(ctx, tenant, subject, role)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	resp, err := c.write.RelationshipApi.PatchRelationships(ctx).
		RelationshipPatch(rolePatch(tenant, subject, role, held)).
		Execute()
	if err != nil {
		return ketoError(op, resp, err)
	}
	return nil
}

// holds reports whether subject already has role in tenant.
func (c *Client) holds(ctx context.Context, tenant, subject uuid.UUID, role Role) (bool, error) {
	res, resp, err := c.read.RelationshipApi.GetRelationships(ctx).
		Namespace(nsTenant).Object(tenant.String()).Relation(roleRelations[role]).
		SubjectSetNamespace(nsStaff).SubjectSetObject(subject.String()).SubjectSetRelation("").
		Execute()
	if err != nil {
		return false, ketoError("list role tuples", resp, err)
	}
	return res != nil && len(res.RelationTuples) > 0, nil
}

// rolePatch deletes every role but role and inserts role unless already held.
func rolePatch(tenant, subject uuid.UUID, role Role, held bool) []keto.RelationshipPatch {
	var patch []keto.RelationshipPatch
	for _, r := range Roles() {
		if r != role {
			patch = append(patch, patchOf("delete", roleTuple(tenant, subject, r)))
		}
	}
	if !held {
		patch = append(patch, patchOf("insert", roleTuple(tenant, subject, role)))
	}
	return patch
}

func patchOf(action string, t keto.Relationship) keto.RelationshipPatch {
	return keto.RelationshipPatch{Action: &action, RelationTuple: &t}
}

func roleTuple(tenant, subject uuid.UUID, role Role) keto.Relationship {
	return keto.Relationship{
		Namespace:  nsTenant,
		Object:     tenant.String(),
		Relation:   roleRelations[role],
		SubjectSet: staff(subject),
	}
}

// staff is the subject set for a staff member or an API key.
func staff(subject uuid.UUID) *keto.SubjectSet {
	return keto.NewSubjectSet(nsStaff, subject.String(), "")
}

// RemoveSubject deletes every role tuple of subject in tenant (staff member
// removed, API key revoked). Removing an absent subject is not an error.
func (c *Client) RemoveSubject(ctx context.Context, tenant, subject uuid.UUID) error {
	op := fmt.Sprintf("authz.RemoveSubject %s %s", tenant, subject)
	if err := checkIDs(tenant, subject); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer c.forget(tenant, &subject)
	resp, err := c.write.RelationshipApi.DeleteRelationships(ctx).
		Namespace(nsTenant).Object(tenant.String()).
		SubjectSetNamespace(nsStaff).SubjectSetObject(subject.String()).SubjectSetRelation("").
		Execute()
	if err != nil {
		return ketoError(op, resp, err)
	}
	return nil
}

// DeleteTenant deletes every tuple whose object is tenant, so no principal
// keeps a permit on a deleted tenant. Deleting it twice is not an error.
func (c *Client) DeleteTenant(ctx context.Context, tenant uuid.UUID) error {
	op := fmt.Sprintf("authz.DeleteTenant %s", tenant)
	if tenant == uuid.Nil {
		// Never send a delete without an object: it would empty the namespace.
		return fmt.Errorf("%s: %w", op, errs.Invalid("no tenant given"))
	}
	defer c.forget(tenant, nil)
	resp, err := c.write.RelationshipApi.DeleteRelationships(ctx).
		Namespace(nsTenant).Object(tenant.String()).
		Execute()
	if err != nil {
		return ketoError(op, resp, err)
	}
	return nil
}

// Ping reports whether Keto is ready to answer checks (its /health/ready on
// the read API), for the API's readiness probe.
func (c *Client) Ping(ctx context.Context) error {
	if _, _, err := c.read.MetadataApi.IsReady(ctx).Execute(); err != nil {
		return fmt.Errorf("authz.Ping: %w", errs.Unavailable(detail(err), "permissions are unavailable"))
	}
	return nil
}

func checkIDs(tenant, subject uuid.UUID) error {
	if tenant == uuid.Nil || subject == uuid.Nil {
		return errs.Invalid("tenant and subject are required")
	}
	return nil
}

// ketoError classifies a failed call. Keto answering 4xx means we sent a bad
// request, a bug on our side (Internal); anything else — no connection, a
// timeout, a 5xx, an unreadable answer — means Keto could not answer, which
// callers may retry (Unavailable).
func ketoError(op string, resp *http.Response, err error) error {
	err = detail(err)
	if resp != nil && resp.StatusCode >= 400 && resp.StatusCode < 500 {
		return fmt.Errorf("%s: %w", op, errs.Internal(err))
	}
	return fmt.Errorf("%s: %w", op, errs.Unavailable(err, "permissions are unavailable, try again"))
}

// detail adds Keto's error body to the client's error, whose message is only
// the HTTP status.
func detail(err error) error {
	var ge *keto.GenericOpenAPIError
	if errors.As(err, &ge) && len(ge.Body()) > 0 {
		return fmt.Errorf("%w: %s", err, ge.Body())
	}
	return err
}
