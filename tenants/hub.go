package tenants

import (
	"sync"

	"github.com/google/uuid"
)

// StaffChange is one change to a tenant's team, for the staffChanged subscription.
type StaffChange struct {
	Kind  string // joined, role_changed, removed
	Staff Staff
}

// Hub fans staff changes out to subscribers of the same tenant in this process.
// One API process is enough for the console's live team page; several would
// relay through PostgreSQL LISTEN/NOTIFY, which the outbox already orders.
type Hub struct {
	mu   sync.Mutex
	subs map[ID]map[uuid.UUID]chan StaffChange
}

// Subscribe returns a channel of tenant's changes and a function that ends it.
func (h *Hub) Subscribe(tenant ID) (<-chan StaffChange, func()) {
	ch := make(chan StaffChange, 16)
	id := uuid.New()
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[ID]map[uuid.UUID]chan StaffChange{}
	}
	if h.subs[tenant] == nil {
		h.subs[tenant] = map[uuid.UUID]chan StaffChange{}
	}
	h.subs[tenant][id] = ch
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs[tenant], id)
			h.mu.Unlock()
			close(ch)
		})
	}
}

// Publish sends c to tenant's subscribers; a subscriber that is not keeping up
// misses it rather than slowing the writer. A nil Hub drops everything.
func (h *Hub) Publish(tenant ID, c StaffChange) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs[tenant] {
		select {
		case ch <- c:
		default:
		}
	}
}
