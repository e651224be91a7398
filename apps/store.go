package apps

import "github.com/marquee-ott/marquee/apps/internal/appssql"

func buildFromRow(r appssql.AppBuild) Build {
	return Build{ID: r.ID, TenantID: r.TenantID, Platform: Platform(r.Platform), Version: r.Version, BuildNumber: int(r.BuildNumber),
		Status: BuildStatus(r.Status), Trigger: Trigger(r.Trigger), RequestedBy: r.RequestedBy, Warnings: r.Warnings, Error: r.Error,
		ArtifactName: r.ArtifactName, ArtifactSize: r.ArtifactSize, HasArtifact: r.ArtifactKey != "", HasListing: r.ListingKey != "",
		HasLog: r.LogKey != "", CreatedAt: r.CreatedAt.UTC(), StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		artifactKey: r.ArtifactKey, listingKey: r.ListingKey, logKey: r.LogKey, brandingHash: r.BrandingHash}
}

func settingsFromRow(r appssql.AppSetting) Settings {
	s := Settings{BundleID: r.BundleID, Version: Version{Major: int(r.VersionMajor), Minor: int(r.VersionMinor), Patch: int(r.VersionPatch)},
		Description: r.Description, Keywords: r.Keywords, Name: r.Name, ShortName: r.ShortName, UpdatedAt: r.UpdatedAt}
	for _, p := range r.AutoRebuild {
		s.AutoRebuild = append(s.AutoRebuild, Platform(p))
	}
	return s
}
