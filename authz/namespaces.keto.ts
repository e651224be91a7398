// Marquee's staff permission model, in Ory Permission Language (Keto v0.13).
//
// A tenant's staff hold exactly one role each (authz.Client.SetRole keeps it
// so); the permits below are DESIGN.md's role table. Go code never copies these
// rules: it asks Keto. Permits are coarse on purpose; each staff operation names
// one of them:
//
//   read            see the tenant: content, catalog, settings, team list,
//                   schedules, builds                    owner admin editor analyst
//   read_analytics  analytics, QoE, revenue reports      owner admin editor analyst
//   edit_content    titles, series, collections, rails, artwork, branding,
//                   channels and schedules, live events, app builds
//                                                        owner admin editor
//   manage          team (invite, role change, remove below owner), API keys,
//                   webhooks, domains, viewer-facing money settings (SVOD plans,
//                   prices, coupons, the tenant's Stripe Connect account)
//                                                        owner admin
//   audit           read the audit log                   owner admin
//   own             transfer of ownership, deleting the tenant, the platform
//                   plan and its billing                 owner
//
// Subjects are Staff:<uuid> (a subject set with an empty relation): a staff
// member's id, or an API key's id, since a key acts with a role of its own.
//
// Each permit lists its roles explicitly instead of building on the permit
// below it: a chain (own -> manage -> edit_content -> read) would spend one
// level of Keto's max read depth per link.
import { Namespace, Context } from "@ory/keto-namespace-types"

class Staff implements Namespace {}

class Tenant implements Namespace {
  related: {
    owners: Staff[]
    admins: Staff[]
    editors: Staff[]
    analysts: Staff[]
  }

  permits = {
    read: (ctx: Context): boolean =>
      this.related.owners.includes(ctx.subject) ||
      this.related.admins.includes(ctx.subject) ||
      this.related.editors.includes(ctx.subject) ||
      this.related.analysts.includes(ctx.subject),

    read_analytics: (ctx: Context): boolean =>
      this.related.owners.includes(ctx.subject) ||
      this.related.admins.includes(ctx.subject) ||
      this.related.editors.includes(ctx.subject) ||
      this.related.analysts.includes(ctx.subject),

    edit_content: (ctx: Context): boolean =>
      this.related.owners.includes(ctx.subject) ||
      this.related.admins.includes(ctx.subject) ||
      this.related.editors.includes(ctx.subject),

    manage: (ctx: Context): boolean =>
      this.related.owners.includes(ctx.subject) ||
      this.related.admins.includes(ctx.subject),

    audit: (ctx: Context): boolean =>
      this.related.owners.includes(ctx.subject) ||
      this.related.admins.includes(ctx.subject),

    own: (ctx: Context): boolean =>
      this.related.owners.includes(ctx.subject),
  }
}
