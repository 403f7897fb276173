// Package sim is the deterministic discrete-event core of nimbus.
//
// A Sim owns a virtual clock (Time, integer nanoseconds since the run's
// epoch), a pending-event queue ordered by (time, sequence number), named
// random streams derived from one root seed, the conservation tally of
// requests, and an optional JSON Lines trace. The queue is a calendar queue
// up to 262,144 pending events and a ladder of value buckets beyond
// (queue.go explains the choice; BenchmarkHold measures it).
//
// # Rules
//
//   - One run is one goroutine. Nothing inside a run may read the wall clock,
//     the global random source, or depend on map iteration order.
//   - Events at the same instant fire in the order they were scheduled.
//   - Cancelled timers are skipped when they come due and cost nothing else.
//   - Every component draws random numbers from its own named stream
//     (Sim.Stream), so adding a component never shifts another's numbers.
//
// # Requests
//
// Request and Response are the flow types every service shares. A service
// that answers requests implements Handler; a plain function becomes one
// through HandlerFunc. Clients inject requests with Sim.Send, which keeps
// the books: generated = completed + failed + in flight, at every instant.
// A load generator can recycle answered requests with Request.Reset, and
// then sends without allocating.
//
// # What it leaves out
//
// There is no notion of processes or coroutines: components are callbacks
// on the event queue, as in etcd's raft core. Wall-clock progress bars,
// plotting and parallel sweeps live outside this package.
package sim
