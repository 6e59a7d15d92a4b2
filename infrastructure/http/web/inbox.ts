/// <reference lib="dom" />
// The web inbox: one device view's sessions, live over Server-Sent Events, with the audit timeline
// and an unread-over-time chart. Plain DOM; served by the HTTP service at `/`.

interface Msg { scene: string; from: string; to: string; idClient: string; type: string; text?: string; time: number }
interface Session { id: string; scene: string; to: string; updateTime: number; unread: number; lastMsg?: Msg }
interface Who { label: string; sub: string; device: string; admin: boolean; token: string }

const $ = <T extends Element>(selector: string) => document.querySelector(selector) as T;
const state = {
  who: undefined as Who | undefined,
  sessions: new Map<string, Session>(),
  current: undefined as string | undefined,
  lastEventId: undefined as string | undefined,
  stream: undefined as AbortController | undefined,
};

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${state.who!.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${res.status} ${json.error?.message ?? ''}`);
  return json as T;
}

const accountPath = () => `/v1/accounts/${encodeURIComponent(state.who!.sub)}`;
const deviceQuery = () => `device=${encodeURIComponent(state.who!.device)}`;
const clock = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const preview = (m?: Msg) => (m ? `${m.from}: ${m.type === 'text' ? m.text ?? '' : `[${m.type}]`}` : '(no messages)');

function setTotal(total: number): void {
  $<HTMLOutputElement>('#total').value = String(total);
}

function renderSessions(): void {
  const list = $<HTMLUListElement>('#sessions');
  const sorted = [...state.sessions.values()].sort((a, b) => b.updateTime - a.updateTime || (a.id < b.id ? -1 : 1));
  list.replaceChildren(...sorted.map((s) => {
    const li = document.createElement('li');
    li.dataset['sessionId'] = s.id;
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('aria-current', String(s.id === state.current));
    button.setAttribute('aria-label', `${s.id}, ${s.unread} unread, last message ${preview(s.lastMsg)}`);
    button.innerHTML = '<span class="session-name"></span><span class="session-time"></span><span class="session-last"></span><span class="badge"></span>';
    button.querySelector('.session-name')!.textContent = s.id;
    button.querySelector('.session-time')!.textContent = clock(s.updateTime);
    button.querySelector('.session-last')!.textContent = preview(s.lastMsg);
    const badge = button.querySelector<HTMLElement>('.badge')!;
    badge.textContent = String(s.unread);
    badge.dataset['count'] = String(s.unread);
    button.addEventListener('click', () => void openSession(s.id));
    li.append(button);
    return li;
  }));
}

async function refetch(): Promise<void> {
  const [{ sessions, position }, { total }] = await Promise.all([
    api<{ sessions: Session[]; position: string }>('GET', `${accountPath()}/sessions?${deviceQuery()}&limit=100`),
    api<{ total: number }>('GET', `${accountPath()}/unread?${deviceQuery()}`),
  ]);
  state.sessions = new Map(sessions.map((s) => [s.id, s]));
  state.lastEventId = position;
  setTotal(total);
  renderSessions();
}

function onEvent(event: string, id: string, data: any): void {
  if (id) state.lastEventId = id;
  if (event === 'sessions') {
    for (const s of data.sessions as Session[]) state.sessions.set(s.id, s);
    void drawChart();
  } else if (event === 'session') {
    state.sessions.set(data.session.id, data.session);
    if (data.session.id === state.current) void loadSession(data.session.id);
  } else if (event === 'removed') {
    state.sessions.delete(data.sessionId);
  } else if (event === 'refetch') {
    void refetch();
    return;
  }
  if (typeof data.total === 'number') setTotal(data.total);
  renderSessions();
}

function setStatus(text: string, live: boolean): void {
  const status = $<HTMLElement>('#live-status');
  status.textContent = text;
  status.classList.toggle('live', live);
}

/** Server-Sent Events over fetch (EventSource cannot send a bearer token); resumes from the last id. */
async function follow(controller: AbortController): Promise<void> {
  while (!controller.signal.aborted) {
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${state.who!.token}`, accept: 'text/event-stream' };
      if (state.lastEventId !== undefined) headers['last-event-id'] = state.lastEventId;
      const res = await fetch(`${accountPath()}/live?${deviceQuery()}`, { headers, signal: controller.signal });
      if (!res.ok || !res.body) throw new Error(`live: ${res.status}`);
      setStatus('live', true);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const fields = new Map<string, string>();
          for (const line of buffer.slice(0, end).split('\n')) {
            const at = line.indexOf(':');
            if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1).trimStart());
          }
          buffer = buffer.slice(end + 2);
          if (fields.has('event')) onEvent(fields.get('event')!, fields.get('id') ?? '', JSON.parse(fields.get('data') ?? '{}'));
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
    }
    setStatus('reconnecting…', false);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function loadSession(sessionId: string): Promise<void> {
  const [{ events }, { entries }] = await Promise.all([
    api<{ events: { type: string; data: any }[] }>('GET', `${accountPath()}/sessions/${encodeURIComponent(sessionId)}/history`),
    api<{ entries: { type: string; data: any; metadata: { at: number; account: string; device: string }; unread: number }[] }>('GET', `${accountPath()}/sessions/${encodeURIComponent(sessionId)}/timeline?${deviceQuery()}`),
  ]);
  $<HTMLElement>('#current').textContent = `${sessionId}: ${events.length} event(s)`;
  const messages = events.filter((e) => e.data?.message).map((e) => e.data.message as Msg);
  $<HTMLOListElement>('#messages').replaceChildren(...messages.map((m) => {
    const li = document.createElement('li');
    li.classList.toggle('mine', m.from === state.who!.sub);
    li.textContent = m.type === 'text' ? m.text ?? '' : `[${m.type}]`;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = `${m.from} · ${clock(m.time)}`;
    li.prepend(meta);
    return li;
  }));
  $<HTMLTableSectionElement>('#timeline tbody').replaceChildren(...entries.map((e) => {
    const tr = document.createElement('tr');
    for (const text of [clock(e.metadata.at), e.type, `${e.metadata.account}/${e.metadata.device}`, String(e.unread)]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
}

async function openSession(sessionId: string): Promise<void> {
  state.current = sessionId;
  const { result } = await api<{ result: Session | null }>('POST', '/v1/commands/SetCurrentSession', { sessionId });
  if (result) state.sessions.set(result.id, result);
  renderSessions();
  await loadSession(sessionId);
}

/** Total unread at a dozen times from the oldest to the newest session's time, from sessionsAt. */
async function drawChart(): Promise<void> {
  const times = [...state.sessions.values()].map((s) => s.updateTime);
  if (times.length === 0) return;
  const from = Math.min(...times);
  const to = Math.max(from + 1, ...times);
  const steps = 12;
  const at = Array.from({ length: steps }, (_, i) => Math.round(from + ((to - from) * i) / (steps - 1)));
  const totals = await Promise.all(at.map(async (t) => {
    const { sessions } = await api<{ sessions: Session[] }>('GET', `${accountPath()}/sessions-at?${deviceQuery()}&at=${t}`);
    return sessions.reduce((n, s) => n + s.unread, 0);
  }));
  const max = Math.max(1, ...totals);
  const points = totals.map((n, i) => `${(i / (steps - 1)) * 600},${150 - (n / max) * 140}`).join(' ');
  const svg = $<SVGSVGElement>('#chart');
  svg.querySelector('polyline')?.remove();
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points);
  svg.append(line);
  $<HTMLElement>('#chart-summary').textContent = `from ${totals[0]} to ${totals.at(-1)} unread (peak ${max}) between ${clock(from)} and ${clock(to)}`;
}

async function choose(who: Who): Promise<void> {
  state.stream?.abort();
  Object.assign(state, { who, sessions: new Map(), current: undefined, lastEventId: undefined });
  $<HTMLOListElement>('#messages').replaceChildren();
  $<HTMLTableSectionElement>('#timeline tbody').replaceChildren();
  await api('POST', '/v1/commands/RegisterDevice', {}).catch(() => undefined);
  state.stream = new AbortController();
  void follow(state.stream);
}

async function start(): Promise<void> {
  const select = $<HTMLSelectElement>('#who');
  const res = await fetch('/v1/demo/tokens');
  const tokens: Who[] = res.ok ? (await res.json()).tokens.filter((t: Who) => !t.admin) : [];
  if (tokens.length === 0) {
    select.hidden = true;
    for (const id of ['#token', '#use-token', '.token-label']) $<HTMLElement>(id).hidden = false;
  }
  select.replaceChildren(...tokens.map((t, i) => new Option(t.label, String(i))));
  select.addEventListener('change', () => void choose(tokens[Number(select.value)]!));
  $<HTMLFormElement>('#who-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $<HTMLInputElement>('#token').value.trim();
    const claims = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    void choose({ label: claims.sub, sub: claims.sub, device: claims.device ?? 'default', admin: false, token });
  });
  $<HTMLButtonElement>('#simulate').addEventListener('click', async () => {
    const button = $<HTMLButtonElement>('#simulate');
    button.disabled = true;
    try {
      await api('POST', '/v1/demo/simulate', { messages: 20 });
      await drawChart();
    } finally {
      button.disabled = false;
    }
  });
  if (tokens[0]) await choose(tokens[0]);
}

void start();
