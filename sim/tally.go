package sim

import (
	"fmt"
	"sort"
)

// Tally keeps the conservation books of requests: every request generated
// ends exactly once, completed with an HTTP status or failed with a reason,
// so Generated = Completed + Failed + InFlight at every instant.
type Tally struct {
	generated uint64
	completed uint64
	byClass   [6]uint64 // index status/100; 0 holds statuses outside 100–599
	failed    uint64
	reasons   map[string]uint64
}

// Start counts a generated request.
func (t *Tally) Start() { t.generated++ }

// Finish counts the end of a request with its response.
func (t *Tally) Finish(r Response) {
	if r.Status == 0 {
		t.failed++
		if t.reasons == nil {
			t.reasons = map[string]uint64{}
		}
		reason := r.Reason
		if reason == "" {
			reason = "unknown"
		}
		t.reasons[reason]++
		return
	}
	t.completed++
	c := r.Status / 100
	if c < 1 || c > 5 {
		c = 0
	}
	t.byClass[c]++
}

// Generated returns how many requests were generated.
func (t *Tally) Generated() uint64 { return t.generated }

// Completed returns how many requests were answered with an HTTP status.
func (t *Tally) Completed() uint64 { return t.completed }

// CompletedClass returns how many answers had a status in class c×100–c×100+99
// (c from 1 to 5).
func (t *Tally) CompletedClass(c int) uint64 {
	if c < 1 || c > 5 {
		return 0
	}
	return t.byClass[c]
}

// Failed returns how many requests were dropped without an answer.
func (t *Tally) Failed() uint64 { return t.failed }

// FailedBy returns how many requests failed with the given reason.
func (t *Tally) FailedBy(reason string) uint64 { return t.reasons[reason] }

// Count is a reason and how many requests it ended.
type Count struct {
	Reason string
	N      uint64
}

// FailureReasons returns the failure counts sorted by reason.
func (t *Tally) FailureReasons() []Count {
	out := make([]Count, 0, len(t.reasons))
	for r, n := range t.reasons {
		out = append(out, Count{r, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Reason < out[j].Reason })
	return out
}

// InFlight returns how many requests have started and not yet ended.
func (t *Tally) InFlight() uint64 { return t.generated - t.completed - t.failed }

// Check returns an error if more requests ended than were generated.
func (t *Tally) Check() error {
	if t.completed+t.failed > t.generated {
		return fmt.Errorf("sim: conservation broken: %d completed + %d failed > %d generated", t.completed, t.failed, t.generated)
	}
	return nil
}

// String summarises the tally.
func (t *Tally) String() string {
	return fmt.Sprintf("generated=%d completed=%d (2xx=%d 3xx=%d 4xx=%d 5xx=%d) failed=%d in_flight=%d",
		t.generated, t.completed, t.byClass[2], t.byClass[3], t.byClass[4], t.byClass[5], t.failed, t.InFlight())
}

// Requests returns the run's request tally, kept by Send.
func (s *Sim) Requests() *Tally { return &s.tally }

// Send injects a client request into h: it assigns the request an ID if it
// has none, stamps Start with Now, counts it, and when h replies counts the
// end and calls done (which may be nil). A handler that replies twice is a
// bug and panics. A request may be sent again once answered and no service
// holds it any more; Reset readies it, and then sending allocates nothing.
func (s *Sim) Send(h Handler, req *Request, done func(*Request, Response)) {
	if req.ID == 0 {
		s.nextReq++
		req.ID = s.nextReq
	}
	req.Start = s.now
	req.answered, req.sim, req.done = false, s, done
	if req.self != req {
		req.self, req.reply = req, req.answer
	}
	s.tally.Start()
	h.Serve(req, req.reply)
}

// answer is the reply func Send gives handlers.
func (r *Request) answer(resp Response) {
	if r.answered {
		panic(fmt.Sprintf("sim: request %d answered twice (second from %q)", r.ID, resp.From))
	}
	r.answered = true
	// Drop the references, so a request kept after its run (a trace, the
	// slowest request) does not keep the Sim or the callback alive.
	s, done := r.sim, r.done
	r.sim, r.done = nil, nil
	s.tally.Finish(resp)
	if done != nil {
		done(r, resp)
	}
}
