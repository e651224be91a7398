package platform

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/marquee-ott/marquee/assets"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/cdn"
	"github.com/marquee-ott/marquee/lifecycle"
	"github.com/marquee-ott/marquee/media"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/workflows/appbuild"
	"github.com/marquee-ott/marquee/workflows/assetlife"
	"github.com/marquee-ott/marquee/workflows/ingest"
	"github.com/marquee-ott/marquee/workflows/webhooks"
)

// webhookTimeout bounds one webhook request, connection to last byte.
const webhookTimeout = 10 * time.Second

// RunWorker runs the Temporal worker on the configured task queue and the outbox
// relay beside it until ctx ends, then stops both.
func (m *Main) RunWorker(ctx context.Context) error {
	w := worker.New(m.Temporal, m.Config.TaskQueue, worker.Options{})
	webhooks.Register(w, &webhooks.Activities{
		Webhooks: m.webhookService(),
		// Development and tests post to local receivers; production only to public addresses.
		HTTP: webhooks.NewHTTPClient(webhookTimeout, !m.Config.Production),
	})
	runner, err := media.NewRunner(media.RunnerConfig{})
	if err != nil {
		return fmt.Errorf("platform.RunWorker: %w", err)
	}
	hostQueue, err := m.hostQueue()
	if err != nil {
		return fmt.Errorf("platform.RunWorker: %w", err)
	}
	acts := &ingest.Activities{Assets: m.assetService(), Blobs: m.Blobs, Runner: runner,
		Titles: &catalog.Service{DB: m.DB}, WorkDir: m.Config.MediaWorkDir, HostQueue: hostQueue, Keys: m.ContentKeys}
	ingest.Register(w, acts)
	// This machine's own queue: the rest of an ingest whose source it
	// downloaded comes here, where the job folder is.
	hw := worker.New(m.Temporal, hostQueue, worker.Options{})
	ingest.Register(hw, acts)
	life := m.lifecycleService()
	assetlife.Register(w, &assetlife.Activities{Lifecycle: life})
	if err := w.Start(); err != nil {
		return fmt.Errorf("platform.RunWorker: start the Temporal worker: %w", err)
	}
	defer w.Stop()
	if err := hw.Start(); err != nil {
		return fmt.Errorf("platform.RunWorker: start the host queue's worker: %w", err)
	}
	defer hw.Stop()
	// App builds: their own queue, so image work never delays ingests.
	bw := worker.New(m.Temporal, m.Config.BuildQueue, worker.Options{})
	appbuild.Register(bw, &appbuild.Activities{Apps: m.Apps})
	if err := bw.Start(); err != nil {
		return fmt.Errorf("platform.RunWorker: start the builds queue's worker: %w", err)
	}
	defer bw.Stop()
	// The outbox consumers: one per event type, so two domains never both
	// claim one silently.
	consumers := life.Consumers()
	for _, more := range []map[string]outbox.Consumer{
		m.PlatformBilling.Consumers(), // asset.ready: encoded minutes
		m.Apps.Consumers(),            // branding changes rebuild apps
	} {
		for typ, c := range more {
			if consumers[typ] != nil {
				return fmt.Errorf("platform.RunWorker: two consumers of %s", typ)
			}
			consumers[typ] = c
		}
	}
	relay := &outbox.Relay{DB: m.DB, Dispatcher: m.webhookStarter(), Log: m.Log.With("component", "outbox"),
		Consumers: consumers}
	// Usage metering and its reports to Stripe, beside the relay (see
	// platformbilling.Service.Run for why a ticker and not a schedule).
	meterDone := make(chan struct{})
	meterCtx, stopMeter := context.WithCancel(ctx)
	go func() { defer close(meterDone); m.PlatformBilling.Run(meterCtx, m.Config.UsageReportInterval) }()
	defer func() { stopMeter(); <-meterDone }()
	m.Log.Info("worker running", "task_queue", m.Config.TaskQueue, "host_queue", hostQueue)
	return relay.Run(ctx)
}

// AssetService is the assets domain as the API and the worker use it, for
// callers beside them (the demo library's seeding).
func (m *Main) AssetService() *assets.Service { return m.assetService() }

// webhookService is the webhooks domain as the API and the worker both use it.
func (m *Main) webhookService() *outbox.Service {
	return &outbox.Service{DB: m.DB, Dispatcher: m.webhookStarter(), HTTPSOnly: m.Config.Production}
}

// ingestStarter starts ingests, and makes the input of the ones a source
// replacement runs as its child, alike.
func (m *Main) ingestStarter() *ingest.Starter {
	return &ingest.Starter{Client: m.Temporal, TaskQueue: m.Config.TaskQueue, Encryption: m.ContentKeys,
		FanOutAbove: m.Config.IngestFanOutAbove, ChunkDuration: m.Config.IngestChunk, HostTimeout: m.Config.IngestHostTimeout}
}

// assetService is the assets domain as the API and the worker both use it.
func (m *Main) assetService() *assets.Service {
	starter := m.ingestStarter()
	return &assets.Service{DB: m.DB, Uploads: m.Uploads, Titles: &catalog.Service{DB: m.DB},
		Pipeline: starter, Publisher: starter, Blobs: m.Blobs}
}

// lifecycleService is the content lifecycle as the API and the worker use
// it: deletions and replacements (API), their workflows and the outbox
// consumers that start them and automatic ingests (worker).
func (m *Main) lifecycleService() *lifecycle.Service {
	var purger lifecycle.Purger = lifecycle.NoPurge{}
	if m.Config.CDNPurgeURL != "" {
		purger = &cdn.HTTPPurger{URL: m.Config.CDNPurgeURL, Secret: m.Config.CDNPurgeSecret}
	}
	return &lifecycle.Service{DB: m.DB, Assets: m.assetService(), Titles: &catalog.Service{DB: m.DB}, Blobs: m.Blobs,
		Purger: purger, Runner: &assetlife.Starter{Client: m.Temporal, TaskQueue: m.Config.TaskQueue, Ingest: m.ingestStarter().Input},
		Log: m.Log.With("component", "lifecycle")}
}

// hostQueue is this machine's own task queue: the configured one, or the
// shared queue's name with the host name.
func (m *Main) hostQueue() (string, error) {
	if m.Config.HostQueue != "" {
		return m.Config.HostQueue, nil
	}
	h, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("name this machine's queue (MARQUEE_TEMPORAL_HOST_QUEUE): %w", err)
	}
	return m.Config.TaskQueue + "@" + h, nil
}

func (m *Main) webhookStarter() *webhooks.Starter {
	return &webhooks.Starter{Client: m.Temporal, TaskQueue: m.Config.TaskQueue}
}
