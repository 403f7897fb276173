package cloudfront

import (
	"fmt"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// EventType is one of the four points where a function can run.
type EventType string

// Event types.
const (
	// ViewerRequest runs when the edge receives a viewer request, before
	// the cache lookup.
	ViewerRequest EventType = "viewer-request"
	// OriginRequest runs before a tier forwards a miss to the origin.
	OriginRequest EventType = "origin-request"
	// OriginResponse runs when the origin's answer arrives, before caching.
	OriginResponse EventType = "origin-response"
	// ViewerResponse runs before the edge answers the viewer.
	ViewerResponse EventType = "viewer-response"
)

// FunctionType says which runtime a function uses.
type FunctionType int

// Function types.
const (
	// CloudFrontFunction is a lightweight JavaScript function: viewer
	// events only, sub-millisecond budget.
	CloudFrontFunction FunctionType = iota
	// LambdaEdge is a Lambda@Edge function: all four events, a 5 s budget
	// at viewer events and 30 s at origin events.
	LambdaEdge
)

// Execution-time budgets (edge-functions.html).
var (
	// CloudFrontFunctionBudget is the most a CloudFront Function may run.
	// AWS states "sub-millisecond" and enforces a compute-utilization limit
	// rather than a time; 1 ms is this model's assumption.
	CloudFrontFunctionBudget = time.Millisecond
	// LambdaEdgeViewerBudget and LambdaEdgeOriginBudget are Lambda@Edge's
	// maximum timeouts at viewer and origin events.
	LambdaEdgeViewerBudget = 5 * time.Second
	LambdaEdgeOriginBudget = 30 * time.Second
)

// FunctionEvent is what a function sees. In request events the function
// may change Request (path, query, headers, cookies) or answer on its own by
// setting Response; in response events it may change Response.
type FunctionEvent struct {
	// EventType is the event point.
	EventType EventType
	// Request is the viewer request (viewer events) or the origin request
	// (origin events).
	Request *sim.Request
	// Response is nil in request events unless the function sets it; in
	// response events it is the response and may be modified, headers
	// included (the function gets its own copy of them).
	Response *sim.Response
}

// FunctionHandler is a function's code: it handles the event and returns
// how long it ran, in virtual time. Running longer than the budget fails
// the request with 503.
type FunctionHandler func(ev *FunctionEvent) time.Duration

// Function is a CloudFront Function or a Lambda@Edge function.
type Function struct {
	// Name identifies the function.
	Name string
	// Type is CloudFrontFunction or LambdaEdge.
	Type FunctionType
	// Handler is the code.
	Handler FunctionHandler
	// MemoryMB is a Lambda@Edge function's memory, for GB-second billing.
	// Default 128.
	MemoryMB int
	// Timeout is a Lambda@Edge function's configured timeout; zero means
	// the event's maximum. It is capped by the event's budget.
	Timeout time.Duration
}

// FunctionAssociation attaches a function to an event point.
type FunctionAssociation struct {
	// EventType is where the function runs.
	EventType EventType
	// Function is what runs.
	Function *Function
}

func validateFunctions(fas []FunctionAssociation, behavior string) error {
	seen := map[EventType]bool{}
	for _, fa := range fas {
		f := fa.Function
		if f == nil || f.Handler == nil {
			return fmt.Errorf("cloudfront: cache behavior %s: %s association has no function or handler: %w", behavior, fa.EventType, ErrInvalidConfig)
		}
		switch fa.EventType {
		case ViewerRequest, ViewerResponse:
		case OriginRequest, OriginResponse:
			if f.Type == CloudFrontFunction {
				return fmt.Errorf("cloudfront: cache behavior %s: CloudFront Function %q cannot run at %s: %w", behavior, f.Name, fa.EventType, ErrInvalidConfig)
			}
		default:
			return fmt.Errorf("cloudfront: cache behavior %s: EventType %q unknown: %w", behavior, fa.EventType, ErrInvalidConfig)
		}
		if seen[fa.EventType] {
			return fmt.Errorf("cloudfront: cache behavior %s: two functions at %s: %w", behavior, fa.EventType, ErrInvalidConfig)
		}
		seen[fa.EventType] = true
		if f.MemoryMB < 0 || f.Timeout < 0 {
			return fmt.Errorf("cloudfront: function %q: negative MemoryMB or Timeout: %w", f.Name, ErrInvalidConfig)
		}
	}
	return nil
}

// budget is the longest the function may run at the event.
func (f *Function) budget(ev EventType) time.Duration {
	if f.Type == CloudFrontFunction {
		return CloudFrontFunctionBudget
	}
	b := LambdaEdgeViewerBudget
	if ev == OriginRequest || ev == OriginResponse {
		b = LambdaEdgeOriginBudget
	}
	if f.Timeout > 0 && f.Timeout < b {
		b = f.Timeout
	}
	return b
}

// failReason is the error code a failed execution answers with.
func (f *Function) failReason() string {
	if f.Type == CloudFrontFunction {
		return "FunctionExecutionError"
	}
	return "LambdaExecutionError"
}

// functionFor returns the function at an event point, or nil.
func functionFor(fas []FunctionAssociation, ev EventType) *Function {
	for _, fa := range fas {
		if fa.EventType == ev {
			return fa.Function
		}
	}
	return nil
}
