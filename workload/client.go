package workload

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/nimbus-sim/nimbus/sim"
)

// RequestLog receives every request a client sends, just before it is sent
// (Start is set; ID is not yet). Recorder implements it.
type RequestLog interface {
	Log(req *sim.Request)
}

// Stats counts a client's requests. Sent = Completed + Failed + in flight.
type Stats struct {
	// Sent counts requests injected.
	Sent uint64
	// Completed counts requests answered with an HTTP status (any status).
	Completed uint64
	// Failed counts requests dropped without an answer (Status 0).
	Failed uint64
	// Latency holds the response times of completed requests.
	Latency *sim.Histogram
}

// InFlight returns Sent − Completed − Failed.
func (st *Stats) InFlight() uint64 { return st.Sent - st.Completed - st.Failed }

// source holds what every client kind shares: where requests go and how
// they are shaped, logged and counted.
type source struct {
	s          *sim.Sim
	name       string
	target     sim.Handler
	shape      Shape
	clients    *Clients
	log        RequestLog
	onResponse func(*sim.Request, sim.Response)
	until      sim.Time
	stats      Stats
	slab       []sim.Request // requests not yet handed out
}

// slabSize is how many requests newRequest allocates at once: one
// allocation per 64 requests instead of one per request, at the cost of
// keeping a chunk alive while any of its requests is referenced.
const slabSize = 64

// newRequest returns a zeroed request from the current slab.
func (src *source) newRequest() *sim.Request {
	if len(src.slab) == 0 {
		src.slab = make([]sim.Request, slabSize)
	}
	req := &src.slab[0]
	src.slab = src.slab[1:]
	return req
}

func newSource(s *sim.Sim, kind, name string, target sim.Handler, shape Shape, clients *Clients, log RequestLog, on func(*sim.Request, sim.Response), until sim.Time) (source, error) {
	if s == nil {
		return source{}, configErr("%s %q: nil *sim.Sim", kind, name)
	}
	if name == "" {
		return source{}, configErr("%s: Name is empty (it names the random streams)", kind)
	}
	if target == nil {
		return source{}, configErr("%s %q: Target is nil", kind, name)
	}
	if err := shape.Validate(); err != nil {
		return source{}, configErrWrap(kind+" "+strconv.Quote(name), err)
	}
	if until < 0 {
		return source{}, configErr("%s %q: Until %v < 0", kind, name, until)
	}
	return source{s: s, name: name, target: target, shape: shape, clients: clients, log: log,
		onResponse: on, until: until, stats: Stats{Latency: sim.NewHistogram()}}, nil
}

// ended reports whether t is at or past the source's end.
func (src *source) ended(t sim.Time) bool { return src.until > 0 && t >= src.until }

// send injects req; done (built once per client or user, so sending does
// not allocate a closure) must call finish.
func (src *source) send(req *sim.Request, done func(*sim.Request, sim.Response)) {
	src.stats.Sent++
	if src.log != nil {
		req.Start = src.s.Now() // as Send will set it
		src.log.Log(req)
	}
	src.s.Send(src.target, req, done)
}

// finish counts the answer to req and passes it on to OnResponse.
func (src *source) finish(req *sim.Request, resp sim.Response) {
	if resp.Failed() {
		src.stats.Failed++
	} else {
		src.stats.Completed++
		src.stats.Latency.Record(src.s.Now().Sub(req.Start))
	}
	if src.onResponse != nil {
		src.onResponse(req, resp)
	}
}

// OpenLoopConfig configures an open-loop client: requests arrive on their
// own schedule, whatever happens to earlier ones.
type OpenLoopConfig struct {
	// Name names the client and its random streams
	// ("workload/<Name>/arrivals", ".../requests", ".../clients"); required.
	Name string
	// Target receives the requests.
	Target sim.Handler
	// Arrivals schedules the requests.
	Arrivals Arrivals
	// Start is when arrivals begin (the first one comes after it); an
	// instant before the run's current time means now.
	Start sim.Time
	// Until stops the client: no request is sent at or after it; 0 means
	// never.
	Until sim.Time
	// MaxRequests caps the number of requests; 0 means no cap.
	MaxRequests uint64
	// Shape shapes each request.
	Shape Shape
	// Clients draws each request's client; nil leaves Client zero.
	Clients *Clients
	// Log, when set, records each request sent.
	Log RequestLog
	// OnResponse, when set, is called with each answer.
	OnResponse func(*sim.Request, sim.Response)
}

// OpenLoop is a running open-loop client.
type OpenLoop struct {
	source
	arrivals         Arrivals
	max              uint64
	rArr, rReq, rCli *rand.Rand
	timer            sim.Timer
	stopped          bool
	fireFn           func()
	doneFn           func(*sim.Request, sim.Response)
}

// NewOpenLoop validates cfg and starts the client: its first arrival is
// scheduled on s.
func NewOpenLoop(s *sim.Sim, cfg OpenLoopConfig) (*OpenLoop, error) {
	src, err := newSource(s, "open-loop client", cfg.Name, cfg.Target, cfg.Shape, cfg.Clients, cfg.Log, cfg.OnResponse, cfg.Until)
	if err != nil {
		return nil, err
	}
	if cfg.Arrivals == nil {
		return nil, configErr("open-loop client %q: Arrivals is nil", cfg.Name)
	}
	if err := validate(cfg.Arrivals); err != nil {
		return nil, configErrWrap("open-loop client "+strconv.Quote(cfg.Name)+": Arrivals", err)
	}
	c := &OpenLoop{source: src, arrivals: cfg.Arrivals, max: cfg.MaxRequests,
		rArr: s.Stream("workload/" + cfg.Name + "/arrivals"),
		rReq: s.Stream("workload/" + cfg.Name + "/requests"),
		rCli: s.Stream("workload/" + cfg.Name + "/clients")}
	c.fireFn, c.doneFn = c.fire, c.finish
	c.schedule(max(cfg.Start, s.Now()))
	return c, nil
}

// schedule plans the arrival after prev.
func (c *OpenLoop) schedule(prev sim.Time) {
	if c.stopped || (c.max > 0 && c.stats.Sent >= c.max) {
		return
	}
	at, ok := c.arrivals.Next(prev, c.rArr)
	if !ok || c.ended(at) {
		return
	}
	c.timer = c.s.Schedule(at, c.fireFn)
}

func (c *OpenLoop) fire() {
	req := c.newRequest()
	if c.clients != nil {
		req.Client = c.clients.Draw(c.rCli)
	}
	c.shape.fill(req, c.rReq)
	c.send(req, c.doneFn)
	c.schedule(c.s.Now())
}

// Stop cancels the pending arrival; requests in flight still finish.
func (c *OpenLoop) Stop() {
	c.stopped = true
	c.s.Cancel(c.timer)
}

// Stats returns the client's counters (live; do not modify).
func (c *OpenLoop) Stats() *Stats { return &c.stats }

// ClosedLoopConfig configures a closed-loop client: Users users, each of
// which sends a request, waits for the answer, thinks, and sends again. By
// the interactive response-time law its throughput is
// Users / (response time + think time).
type ClosedLoopConfig struct {
	// Name names the client and its random streams; required.
	Name string
	// Target receives the requests.
	Target sim.Handler
	// Users is the number of concurrent users (at least 1).
	Users int
	// Think draws the think time between an answer and the user's next
	// request, in seconds; nil means none. Each user also thinks once
	// before its first request, which staggers the start.
	// With no think time the Target must take time to answer: a user
	// that sends maxZeroTimeCycles requests in a row at one instant is
	// stopped and Err reports ErrZeroTimeLoop (virtual time would never
	// advance otherwise).
	Think Dist
	// Start is when users begin thinking; before now means now.
	Start sim.Time
	// Until stops the client: no request is sent at or after it; 0 means
	// never.
	Until sim.Time
	// Shape shapes each request.
	Shape Shape
	// Clients draws each user's identity once (a user keeps its client);
	// nil leaves Client zero.
	Clients *Clients
	// Log, when set, records each request sent.
	Log RequestLog
	// OnResponse, when set, is called with each answer.
	OnResponse func(*sim.Request, sim.Response)
}

// ClosedLoop is a running closed-loop client.
type ClosedLoop struct {
	source
	think        Dist
	rThink, rReq *rand.Rand
	users        []*user
	stopped      bool
	err          error
}

// maxZeroTimeCycles is how many requests in a row a closed-loop user may
// send at one instant before it is stopped as a zero-time loop.
const maxZeroTimeCycles = 10000

type user struct {
	c        *ClosedLoop
	client   sim.Client
	timer    sim.Timer
	sendFn   func()
	doneFn   func(*sim.Request, sim.Response)
	lastSend sim.Time // -1 before the first request
	sameRun  int      // consecutive sends at lastSend
}

// NewClosedLoop validates cfg and starts the users.
func NewClosedLoop(s *sim.Sim, cfg ClosedLoopConfig) (*ClosedLoop, error) {
	src, err := newSource(s, "closed-loop client", cfg.Name, cfg.Target, cfg.Shape, cfg.Clients, cfg.Log, cfg.OnResponse, cfg.Until)
	if err != nil {
		return nil, err
	}
	if cfg.Users < 1 {
		return nil, configErr("closed-loop client %q: Users %d must be at least 1", cfg.Name, cfg.Users)
	}
	if err := validate(cfg.Think); err != nil {
		return nil, configErrWrap("closed-loop client "+strconv.Quote(cfg.Name)+": Think", err)
	}
	c := &ClosedLoop{source: src, think: cfg.Think,
		rThink: s.Stream("workload/" + cfg.Name + "/think"),
		rReq:   s.Stream("workload/" + cfg.Name + "/requests")}
	rCli := s.Stream("workload/" + cfg.Name + "/clients")
	start := max(cfg.Start, s.Now())
	for range cfg.Users {
		u := &user{c: c, lastSend: -1}
		if cfg.Clients != nil {
			u.client = cfg.Clients.Draw(rCli)
		}
		u.sendFn, u.doneFn = u.send, u.done
		c.users = append(c.users, u)
		u.thinkFrom(start)
	}
	return c, nil
}

func (u *user) thinkFrom(t sim.Time) {
	c := u.c
	if c.stopped {
		return
	}
	var d sim.Time
	if c.think != nil {
		d = sim.Time(seconds(c.think.Sample(c.rThink)))
	}
	at := t + d
	if c.ended(at) || at < t {
		return
	}
	if at == u.lastSend {
		if u.sameRun++; u.sameRun >= maxZeroTimeCycles {
			if c.err == nil {
				c.err = fmt.Errorf("workload: closed-loop client %q: a user sent %d requests at %v without time passing (zero response and think time): %w",
					c.name, u.sameRun, at, ErrZeroTimeLoop)
			}
			return
		}
	} else {
		u.sameRun = 0
	}
	u.timer = c.s.Schedule(at, u.sendFn)
}

func (u *user) send() {
	u.lastSend = u.c.s.Now()
	req := u.c.newRequest()
	req.Client = u.client
	u.c.shape.fill(req, u.c.rReq)
	u.c.send(req, u.doneFn)
}

func (u *user) done(req *sim.Request, resp sim.Response) {
	u.c.finish(req, resp)
	u.thinkFrom(u.c.s.Now())
}

// Stop stops every user from sending again; requests in flight finish.
func (c *ClosedLoop) Stop() {
	c.stopped = true
	for _, u := range c.users {
		c.s.Cancel(u.timer)
	}
}

// Stats returns the client's counters (live; do not modify).
func (c *ClosedLoop) Stats() *Stats { return &c.stats }

// Err returns nil, or an error wrapping ErrZeroTimeLoop once a user was
// stopped for sending requests in a row without virtual time passing.
func (c *ClosedLoop) Err() error { return c.err }
