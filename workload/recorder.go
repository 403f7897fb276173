package workload

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Format is a request-log format.
type Format int

// The request-log formats NewRecorder writes and NewCSVReader and
// NewJSONLReader read.
const (
	// CSV has a header row and the columns timestamp, client_ip, method,
	// host, path, bytes, query.
	CSV Format = iota + 1
	// JSONLines has one object per line with the same keys (query omitted
	// when empty).
	JSONLines
)

// Recorder writes a run's requests as a request log that replays them. It
// implements RequestLog; pass it as a client's Log. Call Flush at the end.
type Recorder struct {
	s      *sim.Sim
	w      *bufio.Writer
	cw     *csv.Writer
	format Format
	header bool
	err    error
	row    []string
}

// NewRecorder returns a Recorder writing format f to w; timestamps are the
// run's wall clock (s.Wall) in UTC.
func NewRecorder(s *sim.Sim, w io.Writer, f Format) (*Recorder, error) {
	if s == nil || w == nil {
		return nil, configErr("recorder: nil *sim.Sim or io.Writer")
	}
	r := &Recorder{s: s, w: bufio.NewWriter(w), format: f}
	switch f {
	case CSV:
		r.cw = csv.NewWriter(r.w)
		r.row = make([]string, len(columns))
	case JSONLines:
	default:
		return nil, configErr("recorder: unknown Format %d", f)
	}
	return r, nil
}

// Log writes req; the first write error is kept for Flush.
func (r *Recorder) Log(req *sim.Request) {
	if r.err != nil {
		return
	}
	ts := r.s.Wall(req.Start).UTC().Format(time.RFC3339Nano)
	ip := ""
	if req.Client.IP.IsValid() {
		ip = req.Client.IP.String()
	}
	switch r.format {
	case CSV:
		if !r.header {
			r.header = true
			if r.err = r.cw.Write(columns); r.err != nil {
				return
			}
		}
		r.row[0], r.row[1], r.row[2], r.row[3], r.row[4], r.row[5], r.row[6] =
			ts, ip, req.Method, req.Host, req.Path, strconv.FormatInt(req.Bytes, 10), req.Query
		r.err = r.cw.Write(r.row)
	case JSONLines:
		b, err := json.Marshal(jsonOut{ts, ip, req.Method, req.Host, req.Path, req.Query, req.Bytes})
		if err == nil {
			b = append(b, '\n')
			_, err = r.w.Write(b)
		}
		r.err = err
	}
}

type jsonOut struct {
	Timestamp string `json:"timestamp"`
	ClientIP  string `json:"client_ip"`
	Method    string `json:"method"`
	Host      string `json:"host"`
	Path      string `json:"path"`
	Query     string `json:"query,omitempty"`
	Bytes     int64  `json:"bytes"`
}

// Flush writes buffered output and returns the first error met.
func (r *Recorder) Flush() error {
	if r.cw != nil {
		r.cw.Flush()
		if r.err == nil {
			r.err = r.cw.Error()
		}
	}
	if err := r.w.Flush(); r.err == nil {
		r.err = err
	}
	return r.err
}
