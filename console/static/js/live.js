// A small client of the graphql-transport-ws protocol, enough for the
// console's subscriptions: connection_init with the bearer token, one
// subscribe per call, ping/pong, and reconnection with backoff while the
// console is open. It reports its state so the pages can say whether they are
// live.

const PROTOCOL = 'graphql-transport-ws';
const BACKOFF = [1000, 2000, 5000, 10000, 30000];

export class LiveClient {
  /**
   * @param {string} token the session token (connection_init's authorization)
   * @param {(state: 'connecting'|'live'|'offline'|'refused') => void} onState
   */
  constructor(token, onState = () => {}) {
    this.token = token;
    this.onState = onState;
    this.subs = new Map(); // id -> {query, variables, onData, onError}
    this.nextID = 1;
    this.attempt = 0;
    this.closed = false;
    this.ws = null;
    this.acked = false;
    this.timer = 0;
    this.connect();
  }

  url() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/graphql`;
  }

  connect() {
    if (this.closed) return;
    this.onState('connecting');
    this.acked = false;
    let ws;
    try {
      ws = new WebSocket(this.url(), PROTOCOL);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => {
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${this.token}` } }));
    });
    ws.addEventListener('message', (e) => this.receive(e.data));
    ws.addEventListener('close', (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closed) return;
      // 4400-4499 are the protocol's refusals (bad init, unauthorized,
      // forbidden): a new attempt with the same token would fail the same way.
      if (e.code >= 4400 && e.code < 4500) {
        this.onState('refused');
        return;
      }
      this.retry();
    });
  }

  retry() {
    this.onState('offline');
    const wait = BACKOFF[Math.min(this.attempt, BACKOFF.length - 1)];
    this.attempt++;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  receive(raw) {
    let msg;
    try { msg = JSON.parse(raw); } catch { return; }
    switch (msg.type) {
      case 'connection_ack':
        this.acked = true;
        this.attempt = 0;
        this.onState('live');
        for (const [id, s] of this.subs) this.sendSubscribe(id, s);
        break;
      case 'ping':
        this.ws?.send(JSON.stringify({ type: 'pong' }));
        break;
      case 'next': {
        const s = this.subs.get(msg.id);
        if (!s) break;
        if (msg.payload?.errors?.length) s.onError?.(msg.payload.errors);
        if (msg.payload?.data) s.onData(msg.payload.data);
        break;
      }
      case 'error': {
        const s = this.subs.get(msg.id);
        s?.onError?.(Array.isArray(msg.payload) ? msg.payload : [msg.payload]);
        break;
      }
      case 'complete':
        break; // the server ended it; a reconnect subscribes again
      default:
        break;
    }
  }

  sendSubscribe(id, s) {
    this.ws?.send(JSON.stringify({ id, type: 'subscribe', payload: { query: s.query, variables: s.variables } }));
  }

  /** subscribe starts a subscription and returns the function that ends it. */
  subscribe(query, variables, onData, onError) {
    const id = String(this.nextID++);
    const s = { query, variables, onData, onError };
    this.subs.set(id, s);
    if (this.acked) this.sendSubscribe(id, s);
    return () => {
      if (!this.subs.delete(id)) return;
      if (this.acked) this.ws?.send(JSON.stringify({ id, type: 'complete' }));
    };
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.subs.clear();
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'bye');
    this.onState('offline');
  }
}
